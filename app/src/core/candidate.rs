//! Candidate choice for a dead master: which replica to promote, and what becomes of the others
//! (orchestrator's `GetCandidateReplica` / `chooseCandidateReplica`, as a pure function).
//!
//! Choice, in order:
//! 1. Replicas are ranked by **executed** position, most advanced first: GTID when every replica
//!    replicates by GTID and their executed positions are mutually comparable (MariaDB:
//!    `gtid_slave_pos`, else the executed set; MySQL: `gtid_executed`), otherwise the exec
//!    master coordinates (`Relay_Master_Log_File:Exec_Master_Log_Pos`). Never by received/read
//!    position, so a delayed replica with a long relay backlog does not win.
//! 2. At equal position: lower major version, then smaller binlog format (so the others can
//!    replicate from the winner; orchestrator does the same), then no errant GTID, then the
//!    better promotion rule (`prefer` > `neutral` > `prefer_not`), then the failed master's
//!    data center, then the smallest key. orchestrator puts the data center before the rule
//!    and relies on a second "replacement" phase to reach a `prefer` server; ranking the rule
//!    first reaches the same choice in one step when positions are equal.
//! 3. The chosen one is the first ranked replica that is eligible: last check valid, `log_bin`
//!    and `log_slave_updates`, not `must_not`, not newer in major version nor larger in binlog
//!    format than the most common among the replicas.
//! 4. `must_not` replicas are never promoted. If one is the most advanced, the best eligible
//!    replica is promoted anyway and the `must_not` one lands in `ahead` and hence in `lost`
//!    (orchestrator's semantics: it is not caught up first; it is left behind and downtimed).
//! 5. The others are split into `ahead` (more advanced than the chosen one: lost), `equal`,
//!    `later` (both move under the chosen one), and `cannot_replicate` (lost).
//!
//! No I/O: stopping replicas and repointing them is the server's job.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::core::gtid::GtidPosition;
use crate::core::instance::{major_version, BinlogFormat, Flavor, Instance};
use crate::core::instance_key::InstanceKey;
use crate::core::promotion_rule::PromotionRule;

/// `ReasonableMaintenanceReplicationLagSeconds` (20): a source delayed by more than this cannot
/// serve a less-delayed replica.
pub const REASONABLE_MAINTENANCE_REPLICATION_LAG_SECONDS: u32 = 20;

/// What the positions of the replicas were compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionBasis {
    /// Executed GTID positions.
    Gtid,
    /// Exec master coordinates.
    ExecCoordinates,
}

/// The outcome of a successful choice. Every replica of the failed master other than
/// `chosen` is in exactly one of `ahead`, `equal`, `later`, `cannot_replicate` (each in key
/// order); `lost` is `ahead` + `cannot_replicate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateChoice {
    /// The replica to promote.
    pub chosen: InstanceKey,
    /// The most advanced replica (differs from `chosen` when that one was not eligible).
    pub most_advanced: InstanceKey,
    /// How positions were compared.
    pub basis: PositionBasis,
    /// More advanced than `chosen`: cannot be moved under it without losing data.
    pub ahead: Vec<InstanceKey>,
    /// At the same position: move under `chosen`.
    pub equal: Vec<InstanceKey>,
    /// Behind `chosen`: move under it and catch up.
    pub later: Vec<InstanceKey>,
    /// Cannot replicate from `chosen` (version, format, identity, delay).
    pub cannot_replicate: Vec<InstanceKey>,
    /// `ahead` and `cannot_replicate`, in key order.
    pub lost: Vec<InstanceKey>,
    /// Replicas ranked before `chosen` that could not be promoted, with the reason, in rank
    /// order (what the promotion plan shows).
    #[serde(default)]
    pub passed_over: Vec<Rejection>,
}

/// Why a replica may not be promoted.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Its last probe failed.
    #[error("last check invalid")]
    LastCheckInvalid,
    /// `log_bin` is off.
    #[error("binary log disabled")]
    NoBinaryLog,
    /// `log_slave_updates` is off.
    #[error("log_slave_updates disabled")]
    NoLogSlaveUpdates,
    /// Promotion rule `must_not`.
    #[error("promotion rule must_not")]
    MustNot,
    /// Newer major version than most replicas (they could not replicate from it).
    #[error("major version {found} newer than the common {common}")]
    NewerMajorVersion {
        /// Its `major.minor`.
        found: String,
        /// The most common `major.minor`.
        common: String,
    },
    /// Larger binlog format than most replicas.
    #[error("binlog format {found} larger than the common {common}")]
    LargerBinlogFormat {
        /// Its format.
        found: String,
        /// The most common format.
        common: String,
    },
    /// `PreventCrossDataCenterMasterFailover`: in another data center than the failed master.
    #[error("data center {found:?} is not the failed master's {wanted:?} (PreventCrossDataCenterMasterFailover)")]
    OtherDataCenter {
        /// Its data center.
        found: String,
        /// The failed master's.
        wanted: String,
    },
    /// `PreventCrossRegionMasterFailover`: in another region than the failed master.
    #[error(
        "region {found:?} is not the failed master's {wanted:?} (PreventCrossRegionMasterFailover)"
    )]
    OtherRegion {
        /// Its region.
        found: String,
        /// The failed master's.
        wanted: String,
    },
    /// It has transactions its master never had (never promoted unless forced).
    #[error("errant GTID {gtid} (promote it only with force)")]
    ErrantGtid {
        /// The errant set.
        gtid: String,
    },
    /// `FailMasterPromotionOnLagMinutes`: it lags too much to be promoted.
    #[error(
        "replication lag {lag_seconds}s reaches FailMasterPromotionOnLagMinutes ({limit_seconds}s)"
    )]
    Lagging {
        /// Its last known lag.
        lag_seconds: i64,
        /// The limit.
        limit_seconds: i64,
    },
    /// `FailMasterPromotionIfSQLThreadNotUpToDate`: relay logs not yet applied.
    #[error(
        "SQL thread has not applied its relay logs (FailMasterPromotionIfSQLThreadNotUpToDate)"
    )]
    SqlThreadNotUpToDate,
}

/// The promotion rules a choice obeys besides eligibility (orchestrator's config keys), and the
/// failed master's location. `Default` is no constraint and an unknown location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromotionConstraints {
    /// The failed master's data center (empty = unknown).
    pub failed_data_center: String,
    /// The failed master's region (empty = unknown).
    pub failed_region: String,
    /// `PreventCrossDataCenterMasterFailover`: only a replica in the failed master's data
    /// center may be promoted.
    pub prevent_cross_data_center: bool,
    /// `PreventCrossRegionMasterFailover`: only a replica in the failed master's region.
    pub prevent_cross_region: bool,
    /// `FailMasterPromotionOnLagMinutes` × 60 (0 = off): the promotion fails when the chosen
    /// replica's last known lag reaches it.
    pub fail_on_lag_seconds: i64,
    /// `FailMasterPromotionIfSQLThreadNotUpToDate`: the promotion fails when the chosen replica
    /// has not applied everything it received.
    pub fail_if_sql_thread_not_up_to_date: bool,
    /// A forced promotion (`-force`, a designated candidate): errant GTIDs do not disqualify.
    pub allow_errant_gtid: bool,
}

impl PromotionConstraints {
    /// Whether `replica` may be promoted at all under the location and errant-GTID rules.
    fn admits(&self, replica: &Instance) -> Result<(), RejectReason> {
        if self.prevent_cross_data_center && replica.data_center != self.failed_data_center {
            return Err(RejectReason::OtherDataCenter {
                found: replica.data_center.clone(),
                wanted: self.failed_data_center.clone(),
            });
        }
        if self.prevent_cross_region && replica.region != self.failed_region {
            return Err(RejectReason::OtherRegion {
                found: replica.region.clone(),
                wanted: self.failed_region.clone(),
            });
        }
        if !self.allow_errant_gtid && !replica.gtid_errant.trim().is_empty() {
            return Err(RejectReason::ErrantGtid { gtid: replica.gtid_errant.clone() });
        }
        Ok(())
    }

    /// orchestrator's checks of the chosen replica before promotion (lag, SQL thread): a
    /// failure refuses the promotion rather than choosing a less advanced replica.
    pub fn check_chosen(&self, chosen: &Instance) -> Result<(), RejectReason> {
        let lag = chosen.replication_lag_seconds.unwrap_or(0);
        if self.fail_on_lag_seconds > 0 && lag >= self.fail_on_lag_seconds {
            return Err(RejectReason::Lagging {
                lag_seconds: lag,
                limit_seconds: self.fail_on_lag_seconds,
            });
        }
        if self.fail_if_sql_thread_not_up_to_date && !sql_thread_up_to_date(chosen) {
            return Err(RejectReason::SqlThreadNotUpToDate);
        }
        Ok(())
    }
}

/// orchestrator's `SQLThreadUpToDate`: executed everything read from the master.
pub fn sql_thread_up_to_date(i: &Instance) -> bool {
    i.read_master_coordinates == i.exec_master_coordinates
}

/// One replica that could not be chosen, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The replica.
    pub key: InstanceKey,
    /// Why.
    pub reason: RejectReason,
}

/// No replica can be promoted. Never carries a partial choice.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum NoCandidate {
    /// The failed master has no known replica.
    #[error("no replicas of {failed_master} are known")]
    NoReplicas {
        /// The failed master.
        failed_master: InstanceKey,
    },
    /// Replicas exist but none is eligible.
    #[error("no replica of {failed_master} can be promoted: {}", describe(rejected))]
    NoneEligible {
        /// The failed master.
        failed_master: InstanceKey,
        /// Every replica with the reason it was refused, in rank order.
        rejected: Vec<Rejection>,
    },
    /// The replica that would be promoted fails a pre-promotion check (lag, SQL thread):
    /// orchestrator refuses the promotion rather than promote a less advanced replica.
    #[error("promotion of {} refused: {}", refused.key, refused.reason)]
    PromotionRefused {
        /// The failed master.
        failed_master: InstanceKey,
        /// The would-be candidate and why it is refused.
        refused: Rejection,
    },
}

fn describe(rejected: &[Rejection]) -> String {
    rejected.iter().map(|r| format!("{} ({})", r.key, r.reason)).collect::<Vec<_>>().join(", ")
}

/// Why `replica` cannot replicate from `source` (orchestrator's `CanReplicateFrom`).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationBlocker {
    /// Same instance.
    #[error("an instance cannot replicate from itself")]
    SameInstance,
    /// The source writes no binlog.
    #[error("source has binary logs disabled")]
    SourceHasNoBinlog,
    /// The source is a replica that does not log what it replicates.
    #[error("source does not log replica updates")]
    SourceDoesNotLogReplicaUpdates,
    /// The replica runs an older major version than the source.
    #[error("replica major version is older than the source's")]
    OlderMajorVersion,
    /// The replica logs a smaller binlog format than the source sends.
    #[error("replica binlog format is smaller than the source's")]
    SmallerBinlogFormat,
    /// Same `server_id`.
    #[error("identical server_id")]
    SameServerId,
    /// Same `server_uuid`.
    #[error("identical server_uuid")]
    SameServerUuid,
    /// The source is delayed (beyond the maintenance lag) more than the replica.
    #[error("source has a larger SQL_Delay than the replica")]
    SourceMoreDelayed,
}

/// Whether `replica` could replicate from `source` (orchestrator's `CanReplicateFrom`;
/// replication filters are not compared, as with its default `VerifyReplicationFilters=false`).
pub fn can_replicate_from(replica: &Instance, source: &Instance) -> Result<(), ReplicationBlocker> {
    if replica.key == source.key {
        return Err(ReplicationBlocker::SameInstance);
    }
    if !source.log_bin {
        return Err(ReplicationBlocker::SourceHasNoBinlog);
    }
    if source.is_replica() && !source.log_slave_updates {
        return Err(ReplicationBlocker::SourceDoesNotLogReplicaUpdates);
    }
    if major_version(&replica.version) < major_version(&source.version) {
        return Err(ReplicationBlocker::OlderMajorVersion);
    }
    if replica.is_logging_replica_updates() && replica.binlog_format < source.binlog_format {
        return Err(ReplicationBlocker::SmallerBinlogFormat);
    }
    if replica.server_id == source.server_id {
        return Err(ReplicationBlocker::SameServerId);
    }
    if !replica.server_uuid.is_empty() && replica.server_uuid == source.server_uuid {
        return Err(ReplicationBlocker::SameServerUuid);
    }
    if replica.sql_delay < source.sql_delay
        && source.sql_delay > REASONABLE_MAINTENANCE_REPLICATION_LAG_SECONDS
    {
        return Err(ReplicationBlocker::SourceMoreDelayed);
    }
    Ok(())
}

/// Promotion rules as registered on the instances themselves (`Instance::promotion_rule`).
pub fn registered_rules(replicas: &[Instance]) -> impl Fn(&InstanceKey) -> PromotionRule + '_ {
    move |key| {
        replicas.iter().find(|i| &i.key == key).map_or(PromotionRule::Neutral, |i| i.promotion_rule)
    }
}

/// Chooses the replica of `failed_master` to promote. Only instances in `replicas` whose master
/// is `failed_master` are considered (others are ignored). `rules` gives each replica's
/// promotion rule; `failed_dc` is the failed master's data center (empty = unknown). No
/// constraint beyond eligibility, errant GTIDs allowed (topology operations use this).
pub fn choose_candidate(
    failed_master: &InstanceKey,
    replicas: &[Instance],
    rules: &dyn Fn(&InstanceKey) -> PromotionRule,
    failed_dc: Option<&str>,
) -> Result<CandidateChoice, NoCandidate> {
    let constraints = PromotionConstraints {
        failed_data_center: failed_dc.unwrap_or_default().to_string(),
        allow_errant_gtid: true,
        ..PromotionConstraints::default()
    };
    choose_candidate_with(failed_master, replicas, rules, &constraints)
}

/// [`choose_candidate`] under `constraints` (data center, region, errant GTID, lag, SQL
/// thread): the one function both a master recovery and the promotion plan call.
pub fn choose_candidate_with(
    failed_master: &InstanceKey,
    replicas: &[Instance],
    rules: &dyn Fn(&InstanceKey) -> PromotionRule,
    constraints: &PromotionConstraints,
) -> Result<CandidateChoice, NoCandidate> {
    let failed_dc = Some(constraints.failed_data_center.as_str());
    let replicas: Vec<&Instance> = replicas
        .iter()
        .filter(|i| i.master_key.as_ref() == Some(failed_master) && &i.key != failed_master)
        .collect();
    if replicas.is_empty() {
        return Err(NoCandidate::NoReplicas { failed_master: failed_master.clone() });
    }
    let positions = Positions::of(&replicas);
    let failed_dc = failed_dc.filter(|dc| !dc.is_empty());
    let mut ranked: Vec<(&Instance, PromotionRule)> =
        replicas.iter().map(|&i| (i, rules(&i.key))).collect();
    ranked.sort_by(|(a, rule_a), (b, rule_b)| {
        positions
            .compare(b, a)
            .then_with(|| major_version(&a.version).cmp(&major_version(&b.version)))
            .then(a.binlog_format.cmp(&b.binlog_format))
            .then(a.gtid_errant.is_empty().cmp(&b.gtid_errant.is_empty()).reverse())
            .then(rule_a.cmp(rule_b))
            .then_with(|| in_dc(b, failed_dc).cmp(&in_dc(a, failed_dc)))
            .then_with(|| a.key.cmp(&b.key))
    });

    let common_version = most_common(ranked.iter().map(|(i, _)| major_version(&i.version)));
    let common_format = most_common(ranked.iter().map(|(i, _)| i.binlog_format));
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut chosen: Option<&Instance> = None;
    for &(replica, rule) in &ranked {
        let verdict = eligibility(replica, rule, common_version, common_format)
            .and_then(|()| constraints.admits(replica));
        match verdict {
            Ok(()) => {
                chosen = Some(replica);
                break;
            }
            Err(reason) => rejected.push(Rejection { key: replica.key.clone(), reason }),
        }
    }
    let Some(chosen) = chosen else {
        return Err(NoCandidate::NoneEligible { failed_master: failed_master.clone(), rejected });
    };
    if let Err(reason) = constraints.check_chosen(chosen) {
        return Err(NoCandidate::PromotionRefused {
            failed_master: failed_master.clone(),
            refused: Rejection { key: chosen.key.clone(), reason },
        });
    }

    let mut choice = CandidateChoice {
        chosen: chosen.key.clone(),
        most_advanced: ranked.first().map_or_else(|| chosen.key.clone(), |(i, _)| i.key.clone()),
        basis: positions.basis(),
        ahead: Vec::new(),
        equal: Vec::new(),
        later: Vec::new(),
        cannot_replicate: Vec::new(),
        lost: Vec::new(),
        passed_over: rejected,
    };
    for replica in replicas.iter().filter(|r| r.key != chosen.key) {
        let bucket = if can_replicate_from(replica, chosen).is_err() {
            &mut choice.cannot_replicate
        } else {
            match positions.compare(replica, chosen) {
                Ordering::Less => &mut choice.later,
                Ordering::Equal => &mut choice.equal,
                Ordering::Greater => &mut choice.ahead,
            }
        };
        bucket.push(replica.key.clone());
    }
    for bucket in
        [&mut choice.ahead, &mut choice.equal, &mut choice.later, &mut choice.cannot_replicate]
    {
        bucket.sort();
    }
    choice.lost = choice.ahead.iter().chain(&choice.cannot_replicate).cloned().collect();
    choice.lost.sort();
    Ok(choice)
}

fn in_dc(instance: &Instance, dc: Option<&str>) -> bool {
    dc.is_some_and(|dc| instance.data_center == dc)
}

fn eligibility(
    replica: &Instance,
    rule: PromotionRule,
    common_version: Option<(u32, u32)>,
    common_format: Option<BinlogFormat>,
) -> Result<(), RejectReason> {
    let version = major_version(&replica.version);
    if !replica.is_last_check_valid {
        Err(RejectReason::LastCheckInvalid)
    } else if !replica.log_bin {
        Err(RejectReason::NoBinaryLog)
    } else if !replica.log_slave_updates {
        Err(RejectReason::NoLogSlaveUpdates)
    } else if rule == PromotionRule::MustNot {
        Err(RejectReason::MustNot)
    } else if let Some(common) = common_version.filter(|common| version > *common) {
        Err(RejectReason::NewerMajorVersion {
            found: format!("{}.{}", version.0, version.1),
            common: format!("{}.{}", common.0, common.1),
        })
    } else if let Some(common) = common_format.filter(|common| replica.binlog_format > *common) {
        Err(RejectReason::LargerBinlogFormat {
            found: replica.binlog_format.as_str().to_string(),
            common: common.as_str().to_string(),
        })
    } else {
        Ok(())
    }
}

/// The most frequent value; ties go to the smallest (orchestrator: lower version, smaller format).
fn most_common<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    // max_by_key keeps the last maximum; iterate in reverse so the smallest value wins ties.
    counts.into_iter().rev().max_by_key(|&(_, count)| count).map(|(value, _)| value)
}

/// Executed positions of the replicas under one consistent basis.
enum Positions {
    Gtid(BTreeMap<InstanceKey, GtidPosition>),
    ExecCoordinates,
}

impl Positions {
    /// GTID when every replica replicates by GTID with a parseable executed position of one
    /// flavor and all positions are pairwise comparable (a total preorder, safe to sort by);
    /// exec coordinates otherwise.
    fn of(replicas: &[&Instance]) -> Self {
        let mut gtid: BTreeMap<InstanceKey, GtidPosition> = BTreeMap::new();
        for replica in replicas {
            let text = match replica.flavor {
                Flavor::MariaDB if !replica.gtid_slave_pos.is_empty() => &replica.gtid_slave_pos,
                _ => &replica.executed_gtid_set,
            };
            if !replica.using_gtid.is_gtid() || text.trim().is_empty() {
                return Positions::ExecCoordinates;
            }
            match GtidPosition::parse(replica.flavor, text) {
                Ok(position) => gtid.insert(replica.key.clone(), position),
                Err(_) => return Positions::ExecCoordinates,
            };
        }
        let values: Vec<&GtidPosition> = gtid.values().collect();
        let comparable = values
            .iter()
            .enumerate()
            .all(|(i, a)| values[i + 1..].iter().all(|b| a.compare(b).is_some()));
        if comparable {
            Positions::Gtid(gtid)
        } else {
            Positions::ExecCoordinates
        }
    }

    fn basis(&self) -> PositionBasis {
        match self {
            Positions::Gtid(_) => PositionBasis::Gtid,
            Positions::ExecCoordinates => PositionBasis::ExecCoordinates,
        }
    }

    /// `Greater` when `a` executed more than `b`.
    fn compare(&self, a: &Instance, b: &Instance) -> Ordering {
        match self {
            Positions::Gtid(map) => match (map.get(&a.key), map.get(&b.key)) {
                (Some(pa), Some(pb)) => pa.compare(pb).unwrap_or(Ordering::Equal),
                _ => Ordering::Equal,
            },
            // `None` (never applied anything) sorts below any coordinates.
            Positions::ExecCoordinates => a.exec_master_coordinates.cmp(&b.exec_master_coordinates),
        }
    }
}

#[cfg(test)]
#[path = "candidate_tests.rs"]
mod tests;
