//! Running a recovery, as its callers see it: who triggered it and why it did not run or finish.

use thiserror::Error;

use crate::core::instance_key::InstanceKey;

/// Why a recovery did not run or did not finish.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecoveryError {
    /// `write-recovery` was not committed (no quorum, or leadership lost): nothing was changed.
    #[error("recovery not registered through raft, abandoned: {0}")]
    NotRegistered(String),
    /// Another recovery of the cluster is active or recent and unacknowledged.
    #[error("recovery blocked: {0}")]
    Blocked(String),
    /// A `PreFailoverProcesses` hook failed.
    #[error("aborted by PreFailoverProcesses: {0}")]
    HookAborted(String),
    /// This node lost leadership or its quorum during the recovery.
    #[error("lost leadership during recovery; stopped before the next change")]
    LostLeadership,
    /// The failover itself failed.
    #[error("{0}")]
    Failed(String),
    /// No recovery handles this analysis (it is detect-only): nothing was registered.
    #[error("no recovery for {0}: it is only detected")]
    Unsupported(String),
}

/// Who started the recovery, and with what override.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// Started by an operator (ignores filters, downtime and the block period).
    pub manual: bool,
    /// Promote this replica instead of the chosen one (manual `recover .../:candidate`).
    pub candidate: Option<InstanceKey>,
    /// The operation's name, recorded with the recovery.
    pub operation: &'static str,
}

impl Trigger {
    /// An automated recovery.
    pub fn automated() -> Self {
        Trigger { manual: false, candidate: None, operation: "automated-recovery" }
    }
}
