//! The audit log: one line per topology operation, replicated (the same on every node).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;

/// One audit line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRowView {
    /// orchestrator's `AuditId`.
    pub id: u64,
    /// When (unix ms).
    pub at_ms: i64,
    /// The operation (`relocate`, `move-up`, `…-failed`).
    pub audit_type: String,
    /// `host:port`.
    pub instance: String,
    /// What happened.
    pub message: String,
}

/// Page `page` of the audit log, newest first (20 per page).
#[server(prefix = "/sfn")]
pub async fn get_audit(page: u32) -> Result<Vec<AuditRowView>, ApiError> {
    crate::api::status::respond(async move { crate::api::port::queries()?.audit(page).await }).await
}
