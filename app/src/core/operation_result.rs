//! One topology operation as the leader runs it (instance + [`Op`]), what it produced, how it
//! failed, and the one wording of each (orchestrator's messages), shared by the HTTP API and the
//! dashboard.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::core::instance::Instance;
use crate::core::instance_key::InstanceKey;
use crate::core::operation::Op;
use crate::core::relocation::Refusal;

/// One operation on one instance, as the leader runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRequest {
    /// The instance operated on.
    pub key: InstanceKey,
    /// What to do.
    pub op: Op,
}

/// What an operation produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpResult {
    /// The instance operated on, as read right after.
    Instance(Box<Instance>),
    /// Several replicas moved: those moved (as read after), and the errors of the others.
    Replicas {
        /// Moved replicas.
        moved: Vec<Instance>,
        /// One line per replica that could not be moved.
        errors: Vec<String>,
    },
    /// A replica promoted above its siblings.
    Promoted {
        /// The promoted replica.
        promoted: Box<Instance>,
        /// Siblings moved below it.
        moved: Vec<InstanceKey>,
        /// Siblings that could not be moved.
        lost: Vec<InstanceKey>,
    },
    /// A check's answer.
    Check {
        /// Whether it could.
        can: bool,
        /// Why not, when it could not.
        reason: Option<String>,
    },
    /// Statements to run (nothing ran).
    Statements(Vec<String>),
}

impl OperationRequest {
    /// Builds a request.
    pub fn new(key: InstanceKey, op: Op) -> Self {
        OperationRequest { key, op }
    }

    /// The one wording of a successful result (orchestrator's messages).
    pub fn message(&self, result: &OpResult) -> String {
        let key = &self.key;
        let target = self.op.target().map(ToString::to_string).unwrap_or_default();
        let count = |moved: &[Instance], errors: &[String]| (moved.len(), errors.len());
        match (&self.op, result) {
            (Op::RelocateReplicas { .. }, OpResult::Replicas { moved, errors }) => {
                let (n, e) = count(moved, errors);
                format!("Relocated {n} replicas of {key} below {target}; {e} errors: {errors:?}")
            }
            (Op::MoveReplicasGtid { .. }, OpResult::Replicas { moved, errors }) => {
                let (n, e) = count(moved, errors);
                format!(
                    "Moved {n} replicas of {key} below {target} via GTID; {e} errors: {errors:?}"
                )
            }
            (Op::MoveUpReplicas, OpResult::Replicas { moved, errors }) => {
                let (n, e) = count(moved, errors);
                format!("Moved up {n} replicas of {key}; {e} errors: {errors:?}")
            }
            (Op::RepointReplicas, OpResult::Replicas { moved, .. }) => {
                format!("Repointed {} replicas of {key}", moved.len())
            }
            (Op::TakeSiblings, OpResult::Replicas { moved, .. }) => {
                format!("Took {} siblings of {key}", moved.len())
            }
            (_, OpResult::Promoted { promoted, moved, lost }) => format!(
                "promoted replica: {}, lost: {}, moved: {}",
                promoted.key,
                lost.len(),
                moved.len()
            ),
            (_, OpResult::Check { can, .. }) => can.to_string(),
            (Op::LocateGtidErrant, OpResult::Statements(_)) => "located errant GTID".into(),
            (_, OpResult::Statements(_)) => format!("statements for: {key}"),
            (op, _) => self.instance_message(op, &target),
        }
    }

    fn instance_message(&self, op: &Op, target: &str) -> String {
        let key = &self.key;
        match op {
            Op::StartReplica => format!("Replica started: {key}"),
            Op::StopReplica => format!("Replica stopped: {key}"),
            Op::StopReplicaNice => format!("Replica stopped nicely: {key}"),
            Op::RestartReplica => format!("Replica restarted: {key}"),
            Op::ResetReplica => format!("Replica reset on {key}"),
            Op::DetachReplicaMasterHost => format!("Replica detached: {key}"),
            Op::ReattachReplicaMasterHost => format!("Replica reattached: {key}"),
            Op::SkipQuery => format!("Query skipped on {key}"),
            Op::EnableGtid => format!("Enabled GTID on {key}"),
            Op::DisableGtid => format!("Disabled GTID on {key}"),
            Op::SetReadOnly => "Server set as read-only".into(),
            Op::SetWriteable => "Server set as writeable".into(),
            Op::FlushBinaryLogs => format!("Binary logs flushed on: {key}"),
            Op::PurgeBinaryLogs { log_file, .. } => {
                format!("Binary logs purged on: {key} (to {log_file})")
            }
            Op::SetSemiSyncMaster { enable } => format!("master semi-sync set to {enable}"),
            Op::SetSemiSyncReplica { enable } => format!("replica semi-sync set to {enable}"),
            Op::DelayReplication { seconds } => {
                format!("Replication delayed: {key} ({seconds} seconds)")
            }
            Op::KillQuery { process } => format!("Query {process} killed on : {key}"),
            Op::Refresh => format!("Instance refreshed: {key}"),
            Op::LocateGtidErrant => "located errant GTID".into(),
            Op::GtidErrantResetMaster => {
                format!("Removed errant GTID on {key} and issued a RESET MASTER")
            }
            Op::GtidErrantInjectEmpty => {
                format!("Injected empty transactions for the errant GTID of {key}")
            }
            Op::Discover => format!("Instance discovered: {key}"),
            Op::Relocate { .. } => format!("Instance {key} relocated below {target}"),
            Op::MoveUp => format!("Instance {key} moved up"),
            Op::MoveBelow { .. } => format!("Instance {key} moved below {target}"),
            Op::MoveEquivalent { .. } => {
                format!("Instance {key} relocated via equivalence coordinates below {target}")
            }
            Op::Repoint { below: Some(_) } => format!("Instance {key} repointed below {target}"),
            Op::Repoint { below: None } => format!("Instance {key} repointed"),
            Op::TakeMaster => format!("{key} took its master"),
            Op::MakeCoMaster => format!("Instance made co-master: {key}"),
            Op::MoveBelowGtid { .. } => format!("Instance {key} moved below {target} via GTID"),
            other => format!("{}: done on {key}", other.name()),
        }
    }
}

/// How an operation failed. Refusals and lock conflicts changed nothing; a failure midway says
/// which servers were left with replication stopped (none when restarting them worked).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum OpError {
    /// Unsafe or impossible: refused before any server was touched.
    #[error("refused, nothing was changed: {0}")]
    Refused(Refusal),
    /// The request cannot be run as given (nothing was changed).
    #[error("{0}")]
    Invalid(String),
    /// An instance is under maintenance by someone else (nothing was changed).
    #[error("{0}")]
    Locked(String),
    /// Only the raft leader with a quorum runs operations (nothing was changed).
    #[error("{0}")]
    NotLeader(String),
    /// The operation did not finish within the time an answer waits; it keeps running on the
    /// leader, finishes (or restarts what it stopped) by itself, and its outcome goes to the
    /// audit log.
    #[error("{0}")]
    StillRunning(String),
    /// A statement failed midway.
    #[error("{message}{}", stopped_note(left_stopped))]
    Failed {
        /// What failed.
        message: String,
        /// Replicas whose replication could not be started again.
        left_stopped: Vec<InstanceKey>,
    },
}

fn stopped_note(left_stopped: &[InstanceKey]) -> String {
    if left_stopped.is_empty() {
        "; replication was restarted where it had been stopped".into()
    } else {
        let keys: Vec<String> = left_stopped.iter().map(ToString::to_string).collect();
        format!("; REPLICATION IS LEFT STOPPED on {}", keys.join(", "))
    }
}

impl From<Refusal> for OpError {
    fn from(r: Refusal) -> Self {
        OpError::Refused(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(h: &str) -> InstanceKey {
        InstanceKey::new(h, 3306).unwrap()
    }

    #[test]
    fn words_results_as_orchestrator() {
        let r = OperationRequest::new(key("r1"), Op::Relocate { below: key("r2") });
        let i = OpResult::Instance(Box::new(Instance::new(key("r1"))));
        assert_eq!(r.message(&i), "Instance r1:3306 relocated below r2:3306");
        let c = OperationRequest::new(key("r1"), Op::CanReplicateFrom { below: key("m") });
        assert_eq!(c.message(&OpResult::Check { can: true, reason: None }), "true");
        let s = OperationRequest::new(key("r1"), Op::SetReadOnly);
        assert_eq!(s.message(&i), "Server set as read-only");
        assert_eq!(Op::SetSemiSyncReplica { enable: false }.name(), "disable-semi-sync-replica");
    }

    #[test]
    fn failures_say_what_was_left_stopped() {
        let e = OpError::Failed { message: "x: STOP SLAVE failed".into(), left_stopped: vec![] };
        assert!(e.to_string().ends_with("replication was restarted where it had been stopped"));
        let e = OpError::Failed { message: "boom".into(), left_stopped: vec![key("r1")] };
        assert_eq!(e.to_string(), "boom; REPLICATION IS LEFT STOPPED on r1:3306");
    }
}
