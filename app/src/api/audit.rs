//! The audit log: one line per topology operation, replicated (the same on every node).

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::audit::AuditRowView;

/// Page `page` of the audit log, newest first (20 per page).
#[server(prefix = "/sfn")]
pub async fn get_audit(page: u32) -> Result<Vec<AuditRowView>, ApiError> {
    crate::api::status::respond(async move { crate::api::port::queries()?.audit(page).await }).await
}
