//! Who is calling the dashboard and whether they may write.
//!
//! The server decides; this is only what the page shows. Every write a server function makes
//! goes through the control plane the server puts in context, which refuses it (403) for a
//! read-only caller, under `ReadOnly: true`, or for a cross-site request, whatever the page shows.
//! Pages call [`get_caller`] to hide action buttons from read-only users.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::authz::CallerView;

/// The caller of this request and their rights.
#[server(prefix = "/sfn")]
pub async fn get_caller() -> Result<CallerView, ApiError> {
    crate::api::status::respond(async move {
        use_context::<CallerView>()
            .ok_or_else(|| ApiError::Internal("caller missing from context".into()))
    })
    .await
}
