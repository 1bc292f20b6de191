//! The caller's view: who the serving node authenticated and whether they may write.

use serde::{Deserialize, Serialize};

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
