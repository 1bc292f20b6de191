//! The audit log's view: one line per topology operation.

use serde::{Deserialize, Serialize};

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
