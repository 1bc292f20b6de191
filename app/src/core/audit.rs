//! The audit log: one line per operation on an instance (orchestrator's `AuditOperation`), what
//! it did or why it failed, replicated so that every node shows the same history.

use serde::{Deserialize, Serialize};

use crate::core::instance_key::InstanceKey;

/// orchestrator's `AuditPageSize`.
pub const AUDIT_PAGE_SIZE: usize = 20;

/// One audit line as replicated. `id` is 0 in the command and assigned when applied (the next
/// number after the largest known, the same on every node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// orchestrator's `AuditId`.
    pub id: u64,
    /// When (unix ms, proposer's clock).
    pub at_ms: i64,
    /// orchestrator's `AuditType`: the operation (`move-up`, `relocate-below`, …), with a
    /// `-failed` suffix when it failed.
    pub audit_type: String,
    /// The instance operated on.
    pub key: InstanceKey,
    /// What happened, in words.
    pub message: String,
}

impl AuditEntry {
    /// A line to propose (its id is assigned on apply).
    pub fn new(at_ms: i64, audit_type: &str, key: InstanceKey, message: impl Into<String>) -> Self {
        AuditEntry {
            id: 0,
            at_ms,
            audit_type: audit_type.to_string(),
            key,
            message: message.into(),
        }
    }
}
