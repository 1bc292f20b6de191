//! The raft log payload: typed, versioned user and leader commands, and their outcomes.
//!
//! Rules that keep old logs and snapshots readable forever:
//! - variants are only ever added, never renamed, removed or re-purposed;
//! - every time a command depends on is stamped by the proposer (`issued_at_ms`), so that
//!   applying it is deterministic on every node and on replay;
//! - an entry that does not decode is a fatal error on the applying node, never skipped.

use serde::{Deserialize, Serialize};

use crate::core::downtime::Downtime;
use crate::core::instance_key::InstanceKey;
use crate::core::promotion_rule::CandidateRegistration;
use crate::core::recovery::{
    FailureDetection, RecoveryAck, RecoveryRecord, RecoveryResolution, RecoveryStep,
};

/// Envelope format version written by this build.
pub const COMMAND_VERSION: u16 = 1;

/// What is stored in each raft log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEnvelope {
    /// Envelope format version ([`COMMAND_VERSION`] when written by this build).
    pub v: u16,
    /// Proposer's wall clock when it proposed (unix ms). Apply uses this, never its own clock.
    pub issued_at_ms: i64,
    /// Raft node id of the proposing node (for audit).
    pub proposer: u64,
    /// The instruction.
    pub command: Command,
}

impl CommandEnvelope {
    /// Wraps a command stamped at `issued_at_ms` by node `proposer`.
    pub fn new(command: Command, issued_at_ms: i64, proposer: u64) -> Self {
        CommandEnvelope { v: COMMAND_VERSION, issued_at_ms, proposer, command }
    }
}

/// Every instruction replicated through raft. Serialized as `{"op": "...", "value": ...}` with
/// orchestrator's op names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "value", rename_all = "kebab-case")]
pub enum Command {
    /// Silence an instance for automated recovery until the stamped end.
    BeginDowntime(Downtime),
    /// Lift an instance's downtime.
    EndDowntime(InstanceKey),
    /// Register (or replace) an instance's promotion rule.
    RegisterCandidate(CandidateRegistration),
    /// Forget an instance: drop what this node knows of it.
    Forget(InstanceKey),
    /// Turn off every automated recovery, cluster-wide.
    DisableGlobalRecoveries,
    /// Turn automated recoveries back on.
    EnableGlobalRecoveries,
    /// A node announces its HTTP address as it becomes leader (orchestrator's `leader-uri`).
    LeaderUri {
        /// The announcing node's raft id.
        node_id: u64,
        /// Its HTTP base URI (`scheme://host:port`).
        uri: String,
    },
    /// Leader's periodic no-op; keeps the log moving and carries time forward so that
    /// expired downtimes and registrations are removed deterministically.
    Heartbeat,
    /// The leader probed a new instance: every node adds it to its own discovery.
    Discover(InstanceKey),
    /// Forget every instance of a cluster. The proposer lists the keys it knows, so that the
    /// replicated "forgotten" rows do not depend on any node's own observations.
    ForgetCluster {
        /// The cluster.
        cluster_name: String,
        /// Its instances, as the proposer saw them.
        keys: Vec<InstanceKey>,
    },
    /// Manual cluster alias (`set-cluster-alias`); an empty alias removes the override.
    SetClusterAlias {
        /// The cluster name (`host:port` of its master).
        cluster_name: String,
        /// The alias.
        alias: String,
    },
    /// The leader detected a failure (before hooks or recovery).
    RegisterFailureDetection(FailureDetection),
    /// The leader registers a recovery before changing any server. Applying it is the fence:
    /// it is skipped when the cluster already has a recovery in progress, or (for automated
    /// ones) an unacknowledged one within the block period.
    WriteRecovery {
        /// The recovery.
        recovery: RecoveryRecord,
        /// `RecoveryPeriodBlockSeconds` in ms, as the proposer had it.
        block_ms: i64,
    },
    /// An audit line of a recovery.
    WriteRecoveryStep(RecoveryStep),
    /// How a recovery ended.
    ResolveRecovery(RecoveryResolution),
    /// An operator acknowledges recoveries (and their detections).
    AckRecovery(RecoveryAck),
    /// Drop detections and recoveries that ended before `before_ms` (keeps snapshots small).
    PruneHistory {
        /// Cut-off (unix ms).
        before_ms: i64,
    },
    /// Remove an instance's promotion-rule registration (back to the default, `neutral`).
    DeregisterCandidate(InstanceKey),
    /// Several commands proposed together into one raft entry (one log append, one fsync, one
    /// apply transaction), applied in order, each with its own stamp. Never nested.
    Batch(Vec<CommandEnvelope>),
}

impl Command {
    /// Orchestrator's op name for this command.
    pub fn op(&self) -> &'static str {
        match self {
            Command::BeginDowntime(_) => "begin-downtime",
            Command::EndDowntime(_) => "end-downtime",
            Command::RegisterCandidate(_) => "register-candidate",
            Command::Forget(_) => "forget",
            Command::DisableGlobalRecoveries => "disable-global-recoveries",
            Command::EnableGlobalRecoveries => "enable-global-recoveries",
            Command::LeaderUri { .. } => "leader-uri",
            Command::Heartbeat => "heartbeat",
            Command::Discover(_) => "discover",
            Command::ForgetCluster { .. } => "forget-cluster",
            Command::SetClusterAlias { .. } => "set-cluster-alias-manual-override",
            Command::RegisterFailureDetection(_) => "register-failure-detection",
            Command::WriteRecovery { .. } => "write-recovery",
            Command::WriteRecoveryStep(_) => "write-recovery-step",
            Command::ResolveRecovery(_) => "resolve-recovery",
            Command::AckRecovery(_) => "ack-recovery",
            Command::PruneHistory { .. } => "prune-history",
            Command::Batch(_) => "batch",
            Command::DeregisterCandidate(_) => "deregister-candidate",
        }
    }
}

/// What applying a command did. Returned to the proposer once the entry is committed and applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum CommandOutcome {
    /// The store changed as asked.
    Applied,
    /// Nothing to change (e.g. ending a downtime that does not exist).
    Unchanged {
        /// Why nothing changed.
        reason: String,
    },
    /// Refused deterministically at apply time (e.g. a downtime that had already ended).
    Skipped {
        /// Why it was skipped.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::promotion_rule::PromotionRule;

    #[test]
    fn envelope_round_trips_with_orchestrator_op_names() {
        let key = InstanceKey::new("db1", 3306).unwrap();
        let cmd = Command::RegisterCandidate(CandidateRegistration {
            key,
            promotion_rule: PromotionRule::Prefer,
            last_suggested_ms: 5,
            expires_at_ms: 10,
        });
        let env = CommandEnvelope::new(cmd, 5, 7);
        let json = serde_json::to_string(&env).unwrap();
        assert!(json.contains(r#""op":"register-candidate""#), "{json}");
        let back: CommandEnvelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.command.op(), "register-candidate");
    }

    #[test]
    fn unknown_op_is_an_error_not_a_default() {
        let json = r#"{"v":1,"issued_at_ms":1,"proposer":1,"command":{"op":"drop-everything","value":null}}"#;
        assert!(serde_json::from_str::<CommandEnvelope>(json).is_err());
    }

    #[test]
    fn unit_commands_serialize() {
        let json = serde_json::to_string(&Command::DisableGlobalRecoveries).unwrap();
        assert_eq!(json, r#"{"op":"disable-global-recoveries"}"#);
        let back: Command = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Command::DisableGlobalRecoveries);
    }
}
