//! Relocation rules: whether an instance may be moved, and how (GTID or binlog coordinates),
//! as orchestrator decides it in `relocateBelowInternal`, `MoveUp`, `MoveBelow`, `TakeMaster`,
//! `MakeCoMaster` and `CheckMoveViaGTID` — as pure functions over observed instances, so the
//! API, the dashboard's confirmation and the leader's live re-check give the same answer.
//!
//! What is not done here (orchestrator's binlog servers, Pseudo-GTID, equivalence coordinates)
//! is refused as "too complex" with the reason, never attempted.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::core::candidate::can_replicate_from;
use crate::core::gtid::{GtidPosition, MysqlGtidSet};
use crate::core::instance::{supports_oracle_gtid, BinlogCoordinates, Flavor, Instance, UsingGtid};
use crate::core::instance_key::InstanceKey;
pub use crate::core::refusal::Refusal;
use crate::core::topology::Topology;

/// orchestrator's `ReasonableMaintenanceReplicationLagSeconds` default.
pub const MAINTENANCE_LAG_SECONDS: i64 = 20;

/// How an instance gets below another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// It already replicates from the target: repoint at the same coordinates.
    Repoint,
    /// `CHANGE MASTER TO` the target by GTID (MariaDB `slave_pos`, MySQL auto-position).
    Gtid,
    /// Siblings by binlog coordinates: stop both, `START SLAVE UNTIL` the one behind reaches
    /// the other, then point it at the other's own binlog position (orchestrator's `MoveBelow`).
    MoveBelow,
    /// To the grandparent by binlog coordinates: stop the master, `START SLAVE UNTIL` the
    /// instance reaches it, then take the master's own master position (`MoveUp`).
    MoveUp,
}

impl Method {
    /// In words, for confirmations and audit lines.
    pub fn describe(self) -> &'static str {
        match self {
            Method::Repoint => "repoint (it already replicates from there)",
            Method::Gtid => "GTID",
            Method::MoveBelow => "binlog coordinates (move below its sibling)",
            Method::MoveUp => "binlog coordinates (move up to its grandparent)",
        }
    }
}

/// orchestrator's `CanMove`: last check valid, both threads running, known and reasonable lag.
pub fn can_move(instance: &Instance, max_lag_seconds: i64) -> Result<(), Refusal> {
    let key = || instance.key.clone();
    if !instance.is_last_check_valid {
        return Err(Refusal::LastCheckInvalid { key: key() });
    }
    if !instance.replication_running() {
        return Err(Refusal::NotReplicating { key: key() });
    }
    let Some(lag) = instance.seconds_behind_master else {
        return Err(Refusal::UnknownLag { key: key() });
    };
    let effective =
        if instance.sql_delay > 0 { (lag - i64::from(instance.sql_delay)).abs() } else { lag };
    if effective > max_lag_seconds {
        return Err(Refusal::Lagging { key: key(), seconds: lag, max: max_lag_seconds });
    }
    Ok(())
}

/// orchestrator's `CanReplicateFrom`, as a refusal.
pub fn check_can_replicate(instance: &Instance, target: &Instance) -> Result<(), Refusal> {
    can_replicate_from(instance, target).map_err(|blocker| Refusal::CannotReplicate {
        key: instance.key.clone(),
        target: target.key.clone(),
        blocker,
    })
}

/// orchestrator's `instancesAreGTIDAndCompatible`: the instance replicates by MariaDB GTID and
/// the target is MariaDB, or it auto-positions and the target has MySQL GTID on.
pub fn gtid_compatible(instance: &Instance, target: &Instance) -> bool {
    (instance.using_gtid.is_mariadb() && target.flavor == Flavor::MariaDB)
        || (instance.using_gtid == UsingGtid::AutoPosition
            && supports_oracle_gtid(&target.gtid_mode))
}

/// What a GTID move must wait for first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatchUp {
    /// Nothing: the target has everything the instance executed.
    None,
    /// MariaDB: the target is behind the instance; it must reach this position before the
    /// instance connects (a MariaDB master refuses a replica that is ahead of it).
    TargetReaches(String),
}

/// orchestrator's `CheckMoveViaGTID`, plus the MariaDB position comparison: compatible GTID,
/// no purged gap on a MySQL target (`target_purged`: its `gtid_purged`), no divergence.
pub fn check_gtid_move(
    instance: &Instance,
    target: &Instance,
    target_purged: &str,
) -> Result<CatchUp, Refusal> {
    if !gtid_compatible(instance, target) {
        return Err(Refusal::NotGtidCompatible {
            key: instance.key.clone(),
            target: target.key.clone(),
        });
    }
    if !instance.gtid_errant.is_empty() {
        // Executed here and not on its master: no other server has them either.
        return Err(Refusal::Diverged {
            key: instance.key.clone(),
            target: target.key.clone(),
            own: format!("errant {}", instance.gtid_errant),
            other: target.executed_gtid_set.clone(),
        });
    }
    match target.flavor {
        Flavor::MySQL => {
            let purged = MysqlGtidSet::parse(target_purged).unwrap_or_default();
            let executed = MysqlGtidSet::parse(&instance.executed_gtid_set).unwrap_or_default();
            let missing = purged.subtract(&executed);
            if missing.is_empty() {
                Ok(CatchUp::None)
            } else {
                Err(Refusal::PurgedOnTarget {
                    key: instance.key.clone(),
                    target: target.key.clone(),
                    missing: missing.to_string(),
                })
            }
        }
        Flavor::MariaDB => {
            let own = GtidPosition::parse(Flavor::MariaDB, &instance.executed_gtid_set);
            let other = GtidPosition::parse(Flavor::MariaDB, &target.executed_gtid_set);
            let diverged = || Refusal::Diverged {
                key: instance.key.clone(),
                target: target.key.clone(),
                own: instance.executed_gtid_set.clone(),
                other: target.executed_gtid_set.clone(),
            };
            match (own, other) {
                (Ok(own), Ok(other)) => match own.compare(&other) {
                    Some(Ordering::Less | Ordering::Equal) => Ok(CatchUp::None),
                    Some(Ordering::Greater) if target.is_replica() => {
                        Ok(CatchUp::TargetReaches(instance.executed_gtid_set.clone()))
                    }
                    _ => Err(diverged()),
                },
                _ => Err(diverged()),
            }
        }
    }
}

/// Whether `candidate` replicates, directly or not, from `ancestor`.
pub fn is_descendant(topology: &Topology, candidate: &InstanceKey, ancestor: &InstanceKey) -> bool {
    topology.descendants_of(ancestor).contains(candidate)
}

/// The instance with `key`, or `Unknown`.
pub fn known<'a>(topology: &'a Topology, key: &InstanceKey) -> Result<&'a Instance, Refusal> {
    topology.instance(key).ok_or_else(|| Refusal::Unknown { key: key.clone() })
}

/// orchestrator's `RelocateBelow`: how `key` gets below `target`, or why it cannot.
pub fn plan_relocation(
    topology: &Topology,
    key: &InstanceKey,
    target: &InstanceKey,
) -> Result<Method, Refusal> {
    if key == target {
        return Err(Refusal::SelfTarget { key: key.clone() });
    }
    let instance = known(topology, key)?;
    let other = known(topology, target)?;
    if is_descendant(topology, target, key) {
        return Err(Refusal::WouldLoop { key: key.clone(), target: target.clone() });
    }
    check_can_replicate(instance, other)?;
    if instance.master_key.as_ref() == Some(target) {
        return Ok(Method::Repoint);
    }
    if gtid_compatible(instance, other) {
        return Ok(Method::Gtid);
    }
    let siblings = instance.is_replica() && instance.master_key == other.master_key;
    if siblings && (!topology.is_co_master(target) || other.read_only) {
        return Ok(Method::MoveBelow);
    }
    let master = instance.master_key.as_ref().and_then(|m| topology.instance(m));
    if master.is_some_and(|m| m.master_key.as_ref() == Some(target)) {
        return Ok(Method::MoveUp);
    }
    Err(Refusal::TooComplex { key: key.clone(), target: target.clone() })
}

/// orchestrator's `MoveUp` checks: a replica whose master replicates too; returns the
/// grandparent.
pub fn plan_move_up<'a>(
    topology: &'a Topology,
    key: &InstanceKey,
) -> Result<&'a InstanceKey, Refusal> {
    let instance = known(topology, key)?;
    let master_key =
        instance.master_key.as_ref().ok_or_else(|| Refusal::NotReplica { key: key.clone() })?;
    let master = known(topology, master_key)?;
    let grandparent = master.master_key.as_ref().ok_or_else(|| Refusal::MasterNotReplica {
        key: key.clone(),
        master: master_key.clone(),
    })?;
    if let Some(g) = topology.instance(grandparent) {
        check_can_replicate(instance, g)?;
    }
    Ok(grandparent)
}

/// orchestrator's `MoveBelow` checks (coordinates): siblings, both movable, replicable.
pub fn plan_move_below(
    topology: &Topology,
    key: &InstanceKey,
    sibling: &InstanceKey,
    max_lag_seconds: i64,
) -> Result<(), Refusal> {
    if key == sibling {
        return Err(Refusal::SelfTarget { key: key.clone() });
    }
    let instance = known(topology, key)?;
    let other = known(topology, sibling)?;
    if !instance.is_replica() || instance.master_key != other.master_key {
        return Err(Refusal::NotSiblings { key: key.clone(), target: sibling.clone() });
    }
    can_move(instance, max_lag_seconds)?;
    can_move(other, max_lag_seconds)?;
    check_can_replicate(instance, other)
}

/// orchestrator's `TakeMaster` checks: the master is a replica, not a co-master, and can
/// replicate from the instance. Returns the master.
pub fn plan_take_master<'a>(
    topology: &'a Topology,
    key: &InstanceKey,
) -> Result<&'a Instance, Refusal> {
    let instance = known(topology, key)?;
    let master_key =
        instance.master_key.as_ref().ok_or_else(|| Refusal::NotReplica { key: key.clone() })?;
    let master = known(topology, master_key)?;
    if topology.is_co_master(master_key) {
        return Err(Refusal::CoMaster { key: master_key.clone() });
    }
    if !master.is_replica() {
        return Err(Refusal::MasterNotReplica { key: key.clone(), master: master_key.clone() });
    }
    check_can_replicate(master, instance)?;
    Ok(master)
}

/// orchestrator's `MakeCoMaster` checks: a read-only replica of a real master (not itself a
/// replica of a known instance, unless it is a co-master whose other side is read-only or
/// dead), which can replicate from it. Returns the master.
pub fn plan_make_co_master<'a>(
    topology: &'a Topology,
    key: &InstanceKey,
) -> Result<&'a Instance, Refusal> {
    let instance = known(topology, key)?;
    let master_key =
        instance.master_key.as_ref().ok_or_else(|| Refusal::NotReplica { key: key.clone() })?;
    let master = known(topology, master_key)?;
    let rule = |reason: String| Refusal::CoMasterRule {
        key: key.clone(),
        master: master_key.clone(),
        reason,
    };
    if !master.is_last_check_valid {
        return Err(Refusal::LastCheckInvalid { key: master_key.clone() });
    }
    if master.master_key.as_ref() == Some(key) {
        return Err(rule(format!("{key} is already co-master of {master_key}")));
    }
    if !instance.read_only {
        return Err(rule(format!(
            "{key} is not read-only; first make it read-only before making it co-master"
        )));
    }
    if let Some(grand) = master.master_key.as_ref() {
        let co_master = topology.is_co_master(master_key);
        match topology.instance(grand) {
            Some(other) if co_master && other.is_last_check_valid && !other.read_only => {
                return Err(rule(format!(
                    "{master_key} is already co-master with {grand}, which is alive and writable; make it read-only first"
                )));
            }
            Some(_) if !co_master => {
                return Err(rule(format!(
                    "{master_key} is not a real master; it replicates from {grand}"
                )))
            }
            _ => {}
        }
    }
    check_can_replicate(master, instance)?;
    Ok(master)
}

/// orchestrator's `PurgeBinaryLogsTo` safety check: every replica must have executed past the
/// start of `log_file` (its exec coordinates on this server), unless the purge is forced.
pub fn check_purge(
    key: &InstanceKey,
    log_file: &str,
    replicas: &[Instance],
) -> Result<(), Refusal> {
    let purge_to = BinlogCoordinates::new(log_file, 0);
    for replica in replicas.iter().filter(|r| r.master_key.as_ref() == Some(key)) {
        let executed = replica.exec_master_coordinates.clone().unwrap_or_default();
        if executed <= purge_to {
            return Err(Refusal::ReplicaNeedsBinlog {
                key: key.clone(),
                log_file: log_file.to_string(),
                replica: replica.key.clone(),
                executed: format!("{}:{}", executed.file, executed.pos),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "relocation_tests.rs"]
mod tests;
