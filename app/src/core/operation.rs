//! Topology operations on MySQL servers — replica control and relocation — as requests: each
//! with orchestrator's name (its API path and audit type), its validated parameters, and the one
//! wording of its result, shared by the HTTP API and the dashboard. The leader runs them
//! (`server::topology_ops`); nothing here talks to a server.

use serde::{Deserialize, Serialize};

use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;

/// What to do to the instance of an [`OperationRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// `START SLAVE`.
    StartReplica,
    /// `STOP SLAVE`.
    StopReplica,
    /// Stop the IO thread, let the SQL thread drain the relay log, then stop.
    StopReplicaNice,
    /// Stop and start.
    RestartReplica,
    /// `RESET SLAVE ALL`: forget the master.
    ResetReplica,
    /// Point replication at `//host` (an impossible, reversible host).
    DetachReplicaMasterHost,
    /// Undo a detach.
    ReattachReplicaMasterHost,
    /// Skip one failed statement (binlog coordinates or MySQL GTID).
    SkipQuery,
    /// Replicate by GTID (MariaDB `slave_pos`, MySQL auto-position) from now on.
    EnableGtid,
    /// Replicate by binlog coordinates from now on.
    DisableGtid,
    /// `SET GLOBAL read_only=1`.
    SetReadOnly,
    /// `SET GLOBAL read_only=0`.
    SetWriteable,
    /// `FLUSH BINARY LOGS`.
    FlushBinaryLogs,
    /// `PURGE BINARY LOGS TO` a file (`latest`: the current one); refused while a replica still
    /// needs it unless `force`.
    PurgeBinaryLogs {
        /// Binlog file name or `latest`.
        log_file: String,
        /// Purge even if a replica has not executed it.
        force: bool,
    },
    /// `rpl_semi_sync_master_enabled`.
    SetSemiSyncMaster {
        /// On or off.
        enable: bool,
    },
    /// `rpl_semi_sync_slave_enabled` (IO thread restarted to apply it).
    SetSemiSyncReplica {
        /// On or off.
        enable: bool,
    },
    /// `MASTER_DELAY`, keeping the threads as they were.
    DelayReplication {
        /// Seconds.
        seconds: u32,
    },
    /// The statements that apply `query` with replication stopped and restored (nothing runs).
    RestartReplicaStatements {
        /// The statement to wrap.
        query: String,
    },
    /// `KILL QUERY`.
    KillQuery {
        /// Process id.
        process: u64,
    },
    /// Probe the instance now.
    Refresh,
    /// Probe the instance and add it to every node's discovery (`discover`).
    Discover,
    /// Move below `below`, by whatever method applies.
    Relocate {
        /// The new master.
        below: InstanceKey,
    },
    /// Move the instance's replicas below `below`.
    RelocateReplicas {
        /// The new master.
        below: InstanceKey,
    },
    /// Become a sibling of the master (binlog coordinates, or GTID).
    MoveUp,
    /// Move every replica up one level.
    MoveUpReplicas,
    /// Move below a sibling (binlog coordinates).
    MoveBelow {
        /// The sibling.
        sibling: InstanceKey,
    },
    /// Move below `below` at equivalent coordinates (GTID here).
    MoveEquivalent {
        /// The new master.
        below: InstanceKey,
    },
    /// Point at `below` (or the same master) keeping the executed coordinates.
    Repoint {
        /// The new master; `None`: the current one.
        below: Option<InstanceKey>,
    },
    /// Repoint every replica at the instance.
    RepointReplicas,
    /// Siblings become the instance's replicas.
    TakeSiblings,
    /// Swap places with the master.
    TakeMaster,
    /// Make the master replicate from this replica.
    MakeCoMaster,
    /// Promote the best replica above its siblings.
    RegroupReplicas,
    /// Move below `below` by GTID.
    MoveBelowGtid {
        /// The new master.
        below: InstanceKey,
    },
    /// Move the instance's replicas below `below` by GTID.
    MoveReplicasGtid {
        /// The new master.
        below: InstanceKey,
    },
    /// Promote the best replica above its siblings, by GTID.
    RegroupReplicasGtid,
    /// Whether it could replicate from `below` (nothing changes).
    CanReplicateFrom {
        /// The would-be master.
        below: InstanceKey,
    },
    /// Whether it could move below `below` by GTID (nothing changes).
    CanReplicateFromGtid {
        /// The would-be master.
        below: InstanceKey,
    },
    /// The binary logs holding the instance's errant GTIDs (`locate-gtid-errant`).
    LocateGtidErrant,
    /// Drop the instance's errant GTIDs by `RESET MASTER` and restoring the rest of its GTID
    /// state (`gtid-errant-reset-master`; the instance must have no replicas).
    GtidErrantResetMaster,
    /// Inject one empty transaction per errant GTID on the cluster's master, so that they are no
    /// longer errant (`gtid-errant-inject-empty`).
    GtidErrantInjectEmpty,
}

impl Op {
    /// orchestrator's name of the operation (API path, audit type).
    pub fn name(&self) -> &'static str {
        match self {
            Op::StartReplica => "start-replica",
            Op::StopReplica => "stop-replica",
            Op::StopReplicaNice => "stop-replica-nice",
            Op::RestartReplica => "restart-replica",
            Op::ResetReplica => "reset-replica",
            Op::DetachReplicaMasterHost => "detach-replica-master-host",
            Op::ReattachReplicaMasterHost => "reattach-replica-master-host",
            Op::SkipQuery => "skip-query",
            Op::EnableGtid => "enable-gtid",
            Op::DisableGtid => "disable-gtid",
            Op::SetReadOnly => "set-read-only",
            Op::SetWriteable => "set-writeable",
            Op::FlushBinaryLogs => "flush-binary-logs",
            Op::PurgeBinaryLogs { .. } => "purge-binary-logs",
            Op::SetSemiSyncMaster { enable: true } => "enable-semi-sync-master",
            Op::SetSemiSyncMaster { enable: false } => "disable-semi-sync-master",
            Op::SetSemiSyncReplica { enable: true } => "enable-semi-sync-replica",
            Op::SetSemiSyncReplica { enable: false } => "disable-semi-sync-replica",
            Op::DelayReplication { .. } => "delay-replication",
            Op::RestartReplicaStatements { .. } => "restart-replica-statements",
            Op::KillQuery { .. } => "kill-query",
            Op::Refresh => "refresh",
            Op::Discover => "discover",
            Op::Relocate { .. } => "relocate",
            Op::RelocateReplicas { .. } => "relocate-replicas",
            Op::MoveUp => "move-up",
            Op::MoveUpReplicas => "move-up-replicas",
            Op::MoveBelow { .. } => "move-below",
            Op::MoveEquivalent { .. } => "move-equivalent",
            Op::Repoint { .. } => "repoint",
            Op::RepointReplicas => "repoint-replicas",
            Op::TakeSiblings => "take-siblings",
            Op::TakeMaster => "take-master",
            Op::MakeCoMaster => "make-co-master",
            Op::RegroupReplicas => "regroup-replicas",
            Op::MoveBelowGtid { .. } => "move-below-gtid",
            Op::MoveReplicasGtid { .. } => "move-replicas-gtid",
            Op::RegroupReplicasGtid => "regroup-replicas-gtid",
            Op::CanReplicateFrom { .. } => "can-replicate-from",
            Op::CanReplicateFromGtid { .. } => "can-replicate-from-gtid",
            Op::LocateGtidErrant => "locate-gtid-errant",
            Op::GtidErrantResetMaster => "gtid-errant-reset-master",
            Op::GtidErrantInjectEmpty => "gtid-errant-inject-empty",
        }
    }

    /// Whether it only reads (no lock, no audit, no change to any server).
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Op::RestartReplicaStatements { .. }
                | Op::CanReplicateFrom { .. }
                | Op::CanReplicateFromGtid { .. }
                | Op::Refresh
                | Op::Discover
                | Op::LocateGtidErrant
        )
    }

    /// The other instance it names, if any.
    pub fn target(&self) -> Option<&InstanceKey> {
        match self {
            Op::Relocate { below }
            | Op::RelocateReplicas { below }
            | Op::MoveEquivalent { below }
            | Op::MoveBelowGtid { below }
            | Op::MoveReplicasGtid { below }
            | Op::CanReplicateFrom { below }
            | Op::CanReplicateFromGtid { below }
            | Op::MoveBelow { sibling: below } => Some(below),
            Op::Repoint { below } => below.as_ref(),
            _ => None,
        }
    }

    /// The operations without parameters, by orchestrator's name (the dashboard's buttons).
    pub fn simple(name: &str) -> Result<Op, DomainError> {
        Ok(match name.trim() {
            "start-replica" => Op::StartReplica,
            "stop-replica" => Op::StopReplica,
            "stop-replica-nice" => Op::StopReplicaNice,
            "restart-replica" => Op::RestartReplica,
            "reset-replica" => Op::ResetReplica,
            "detach-replica-master-host" => Op::DetachReplicaMasterHost,
            "reattach-replica-master-host" => Op::ReattachReplicaMasterHost,
            "skip-query" => Op::SkipQuery,
            "enable-gtid" => Op::EnableGtid,
            "disable-gtid" => Op::DisableGtid,
            "set-read-only" => Op::SetReadOnly,
            "set-writeable" => Op::SetWriteable,
            "flush-binary-logs" => Op::FlushBinaryLogs,
            "enable-semi-sync-master" => Op::SetSemiSyncMaster { enable: true },
            "disable-semi-sync-master" => Op::SetSemiSyncMaster { enable: false },
            "enable-semi-sync-replica" => Op::SetSemiSyncReplica { enable: true },
            "disable-semi-sync-replica" => Op::SetSemiSyncReplica { enable: false },
            "refresh" => Op::Refresh,
            "move-up" => Op::MoveUp,
            "take-master" => Op::TakeMaster,
            "take-siblings" => Op::TakeSiblings,
            "make-co-master" => Op::MakeCoMaster,
            other => {
                return Err(DomainError::field("op", format!("{other:?} is not an operation")))
            }
        })
    }

    /// `delay-replication/:seconds`.
    pub fn delay(seconds: &str) -> Result<Op, DomainError> {
        let seconds = seconds.trim().parse::<u32>().map_err(|_| {
            DomainError::field("seconds", format!("{seconds:?} is not a non-negative number"))
        })?;
        Ok(Op::DelayReplication { seconds })
    }

    /// `purge-binary-logs/:logFile` (`?force=true`).
    pub fn purge(log_file: &str, force: bool) -> Result<Op, DomainError> {
        let log_file = log_file.trim();
        let valid = !log_file.is_empty()
            && log_file.len() <= 255
            && log_file.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            return Err(DomainError::field(
                "logFile",
                format!("{log_file:?}: expected a binary log file name or 'latest'"),
            ));
        }
        Ok(Op::PurgeBinaryLogs { log_file: log_file.to_string(), force })
    }

    /// `kill-query/:process`.
    pub fn kill(process: &str) -> Result<Op, DomainError> {
        let process = process.trim().parse::<u64>().map_err(|_| {
            DomainError::field("process", format!("{process:?} is not a process id"))
        })?;
        Ok(Op::KillQuery { process })
    }

    /// `restart-replica-statements?q=`: a single statement, required.
    pub fn restart_statements(query: &str) -> Result<Op, DomainError> {
        let query = query.trim().trim_end_matches(';').trim();
        if query.is_empty() {
            return Err(DomainError::field("q", "a statement is required (?q=...)"));
        }
        if query.len() > 4096 || query.contains(';') {
            return Err(DomainError::field("q", "one statement of at most 4096 characters"));
        }
        Ok(Op::RestartReplicaStatements { query: query.to_string() })
    }

    /// An operation by orchestrator's name with its one parameter as typed in a form (the
    /// dashboard's "delay", "purge up to" and "kill query" fields); the parameterless ones
    /// ignore an empty `value`.
    pub fn with_value(name: &str, value: &str) -> Result<Op, DomainError> {
        match name.trim() {
            "delay-replication" => Op::delay(value),
            "purge-binary-logs" => Op::purge(value, false),
            "kill-query" => Op::kill(value),
            "restart-replica-statements" => Op::restart_statements(value),
            other if value.trim().is_empty() => Op::simple(other),
            other => Err(DomainError::field("op", format!("{other:?} takes no parameter"))),
        }
    }

    /// An operation as a dashboard form sends it for `instance`: a destructive one
    /// (`reset-replica`, which runs `RESET SLAVE ALL` and forgets the master for good) runs
    /// only when `value` repeats the instance's key, typed by the person confirming it.
    pub fn from_form(name: &str, value: &str, instance: &str) -> Result<Op, DomainError> {
        if Op::simple(name).is_ok_and(|op| op.needs_confirmation()) {
            if value.trim() != instance.trim() {
                return Err(DomainError::field(
                    "value",
                    format!("type {} to confirm {}", instance.trim(), name.trim()),
                ));
            }
            return Op::simple(name);
        }
        Op::with_value(name, value)
    }

    /// Whether the dashboard asks for the instance's key before running this operation.
    pub fn needs_confirmation(&self) -> bool {
        matches!(self, Op::ResetReplica)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_validated() {
        assert_eq!(Op::delay("30"), Ok(Op::DelayReplication { seconds: 30 }));
        assert!(Op::delay("-1").is_err());
        assert!(Op::purge("mysql-bin.000003", false).is_ok());
        assert!(Op::purge("x; DROP", false).is_err());
        assert!(Op::kill("12x").is_err());
        assert!(Op::restart_statements("").is_err());
        assert_eq!(Op::simple("stop-replica"), Ok(Op::StopReplica));
        assert_eq!(
            Op::simple("enable-semi-sync-master").map(|o| o.name()),
            Ok("enable-semi-sync-master")
        );
        assert!(Op::simple("drop-database").is_err());
        assert_eq!(
            Op::with_value("delay-replication", " 7 "),
            Ok(Op::DelayReplication { seconds: 7 })
        );
        assert_eq!(Op::with_value("kill-query", "42"), Ok(Op::KillQuery { process: 42 }));
        assert!(Op::with_value("purge-binary-logs", "").is_err());
        assert_eq!(Op::with_value("stop-replica-nice", ""), Ok(Op::StopReplicaNice));
        assert!(Op::with_value("stop-replica", "5").is_err());
        assert!(Op::from_form("reset-replica", "", "r:3306").is_err());
        assert!(Op::from_form("reset-replica", "other:3306", "r:3306").is_err());
        assert_eq!(Op::from_form("reset-replica", " r:3306 ", "r:3306"), Ok(Op::ResetReplica));
        assert_eq!(Op::from_form("stop-replica", "", "r:3306"), Ok(Op::StopReplica));
        assert_eq!(
            Op::from_form("delay-replication", "3", "r:3306"),
            Ok(Op::DelayReplication { seconds: 3 })
        );
        let below = InstanceKey::new("m", 3306).unwrap();
        assert_eq!(Op::Relocate { below: below.clone() }.target(), Some(&below));
        assert!(Op::CanReplicateFrom { below }.is_read_only());
        assert!(Op::restart_statements("set a=1; set b=2").is_err());
        assert_eq!(
            Op::restart_statements("SET GLOBAL rpl_semi_sync_slave_enabled=1;"),
            Ok(Op::RestartReplicaStatements {
                query: "SET GLOBAL rpl_semi_sync_slave_enabled=1".into()
            })
        );
    }
}
