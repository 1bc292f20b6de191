//! Why a topology operation is refused before any server is touched: each reason names the
//! instances and the rule (version, binlog format, `log_slave_updates`, GTID gaps, a would-be
//! loop, lag…), worded once for the API and the dashboard.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::core::candidate::ReplicationBlocker;
use crate::core::instance_key::InstanceKey;

/// Why an operation is refused before any server is touched.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "refusal")]
pub enum Refusal {
    /// The instance is not known.
    #[error("unknown instance {key}")]
    Unknown {
        /// The instance.
        key: InstanceKey,
    },
    /// Moving an instance below itself.
    #[error("cannot move {key} below itself")]
    SelfTarget {
        /// The instance.
        key: InstanceKey,
    },
    /// The target replicates (directly or not) from the instance.
    #[error(
        "{target} is a descendant of {key}: moving {key} below it would create a replication loop"
    )]
    WouldLoop {
        /// The instance to move.
        key: InstanceKey,
        /// The target.
        target: InstanceKey,
    },
    /// orchestrator's `CanReplicateFrom` says no (version, binlog format, `log_slave_updates`…).
    #[error("{key} cannot replicate from {target}: {blocker}")]
    CannotReplicate {
        /// The instance.
        key: InstanceKey,
        /// The would-be source.
        target: InstanceKey,
        /// Why.
        blocker: ReplicationBlocker,
    },
    /// The operation needs a replica.
    #[error("{key} is not a replica")]
    NotReplica {
        /// The instance.
        key: InstanceKey,
    },
    /// The last probe of the instance failed.
    #[error("{key}: last check invalid")]
    LastCheckInvalid {
        /// The instance.
        key: InstanceKey,
    },
    /// Replication is not running (a binlog-coordinates move needs it running).
    #[error("{key}: replication is not running")]
    NotReplicating {
        /// The instance.
        key: InstanceKey,
    },
    /// `Seconds_Behind_Master` is NULL.
    #[error("{key}: cannot determine replication lag")]
    UnknownLag {
        /// The instance.
        key: InstanceKey,
    },
    /// Lags more than maintenance operations allow.
    #[error("{key} lags {seconds}s, more than the {max}s maintenance operations allow")]
    Lagging {
        /// The instance.
        key: InstanceKey,
        /// Its lag.
        seconds: i64,
        /// The limit.
        max: i64,
    },
    /// GTID is not on, or the two speak different GTID flavors.
    #[error("{key} and {target} are not GTID compatible or do not use GTID")]
    NotGtidCompatible {
        /// The instance.
        key: InstanceKey,
        /// The target.
        target: InstanceKey,
    },
    /// The instance executed transactions the target never had and will not get (a GTID gap).
    #[error("{key} has executed GTIDs that {target} does not have and will not replicate ({key}: {own}; {target}: {other}): it has diverged")]
    Diverged {
        /// The instance.
        key: InstanceKey,
        /// The target.
        target: InstanceKey,
        /// The instance's executed position.
        own: String,
        /// The target's.
        other: String,
    },
    /// MySQL: the target purged binlogs holding transactions the instance still needs.
    #[error("{target} has purged GTIDs that {key} has not executed: {missing}")]
    PurgedOnTarget {
        /// The instance.
        key: InstanceKey,
        /// The target.
        target: InstanceKey,
        /// What the instance lacks.
        missing: String,
    },
    /// `move-below` needs siblings.
    #[error("instances are not siblings: {key}, {target}")]
    NotSiblings {
        /// The instance.
        key: InstanceKey,
        /// The would-be sibling.
        target: InstanceKey,
    },
    /// `move-up` and `take-master` need the master to be a replica itself.
    #[error("{master} (master of {key}) is not a replica itself")]
    MasterNotReplica {
        /// The instance.
        key: InstanceKey,
        /// Its master.
        master: InstanceKey,
    },
    /// A writable co-master cannot be demoted by a move.
    #[error("{key} is a co-master; cannot take it")]
    CoMaster {
        /// The co-master.
        key: InstanceKey,
    },
    /// `make-co-master` rules.
    #[error("cannot make {key} co-master of {master}: {reason}")]
    CoMasterRule {
        /// The instance.
        key: InstanceKey,
        /// Its master.
        master: InstanceKey,
        /// Which rule.
        reason: String,
    },
    /// Repointing to another master keeps the executed coordinates, valid only on the same
    /// master (or a binlog server, which this project does not manage) unless GTID is used.
    #[error("{key} would keep its executed coordinates under {target}, where they mean something else; repoint to another master needs GTID (use relocate instead)")]
    RepointNeedsGtid {
        /// The instance.
        key: InstanceKey,
        /// The other master.
        target: InstanceKey,
    },
    /// A replica has not executed the binary log to be purged.
    #[error("unsafe to purge binary logs on {key} up to {log_file}: replica {replica} has only executed up to {executed} (use ?force=true to purge anyway)")]
    ReplicaNeedsBinlog {
        /// The server.
        key: InstanceKey,
        /// The file asked.
        log_file: String,
        /// The replica that needs it.
        replica: InstanceKey,
        /// Where the replica is.
        executed: String,
    },
    /// Nothing this project implements gets there in one safe step.
    #[error("relocating {key} below {target} turns to be too complex (no GTID, not a sibling nor the grandparent); please do it in steps")]
    TooComplex {
        /// The instance.
        key: InstanceKey,
        /// The target.
        target: InstanceKey,
    },
}
