//! Who is calling the dashboard and whether they may write.
//!
//! The server decides; this is only what the page shows. Every write a server function makes
//! goes through the control plane the server puts in context, which refuses it (403) for a
//! read-only caller, under `ReadOnly: true`, or for a cross-site request, whatever the page shows.
//! Pages call [`get_caller`] to hide action buttons from read-only users.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;

/// The caller as the serving node authenticated it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerView {
    /// User name (basic/multi/proxy authentication), if any.
    pub user: Option<String>,
    /// Whether writes (dashboard actions) are allowed for this caller.
    pub can_write: bool,
    /// Why not, when `can_write` is false (read-only user, `ReadOnly: true`).
    pub read_only_reason: Option<String>,
}

/// The caller of this request and their rights.
#[server(prefix = "/sfn")]
pub async fn get_caller() -> Result<CallerView, ApiError> {
    crate::api::status::respond(async move {
        use_context::<CallerView>()
            .ok_or_else(|| ApiError::Internal("caller missing from context".into()))
    })
    .await
}
