//! The per-instance facts failure analysis decides on: the analyzed instance's own state and
//! counts over its direct replicas (orchestrator's big aggregation query, as plain Rust).
//!
//! Gathering only; no verdicts here (see `analysis_rules`).

use std::collections::BTreeSet;

use crate::core::analysis::AnalysisConfig;
use crate::core::downtime::Downtime;
use crate::core::instance::{major_version, BinlogFormat, Instance};
use crate::core::topology::Topology;

/// What analysis knows about one instance and its direct replicas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// No master.
    pub is_master: bool,
    /// In a co-master pair (orchestrator also counts "a replica is a co-master", which is the
    /// same thing once co-masters are derived from the edges).
    pub is_co_master: bool,
    /// Last check valid and no hung probe.
    pub last_check_valid: bool,
    /// Last probe partially succeeded.
    pub last_check_partial_success: bool,
    /// `read_only`.
    pub is_read_only: bool,
    /// Replication depth.
    pub depth: u32,
    /// Its IO thread fails to connect to its own master.
    pub is_failing_to_connect_to_master: bool,
    /// Its `gtid_mode`.
    pub gtid_mode: String,
    /// Semi-sync master enabled / status / wait count / clients.
    pub semi_sync_master_enabled: bool,
    /// `Rpl_semi_sync_master_status`.
    pub semi_sync_master_status: bool,
    /// `rpl_semi_sync_master_wait_for_slave_count`.
    pub semi_sync_master_wait_count: u32,
    /// `Rpl_semi_sync_master_clients`.
    pub semi_sync_master_clients: u32,
    /// Own binlog position unchanged for longer than the locked-semi-sync threshold.
    pub is_stale_binlog_coordinates: bool,
    /// Direct replicas known to this node.
    pub replicas: u32,
    /// ... last check valid.
    pub valid_replicas: u32,
    /// ... valid, IO and SQL running.
    pub valid_replicating_replicas: u32,
    /// ... valid, failing to connect.
    pub replicas_failing_to_connect: u32,
    /// ... lag above the threshold.
    pub lagging_replicas: u32,
    /// ... `SQL_Delay` > 0.
    pub delayed_replicas: u32,
    /// ... under active downtime.
    pub downtimed_replicas: u32,
    /// ... with log_bin and log_slave_updates.
    pub logging_replicas: u32,
    /// ... logging in STATEMENT / MIXED / ROW.
    pub logging_by_format: [u32; 3],
    /// ... distinct major versions among logging replicas.
    pub distinct_logging_major_versions: u32,
    /// ... valid and using MySQL GTID auto-positioning.
    pub valid_oracle_gtid_replicas: u32,
    /// ... valid and using MariaDB GTID.
    pub valid_mariadb_gtid_replicas: u32,
    /// Some replica's `gtid_mode` differs from this instance's.
    pub replica_gtid_mode_differs: bool,
    /// Some non-downtimed replica has errant GTIDs.
    pub replica_has_errant_gtid: bool,
}

impl Counts {
    /// Gathers the facts about `instance` at `now_ms`.
    pub fn gather(
        topology: &Topology,
        instance: &Instance,
        downtimes: &[Downtime],
        now_ms: i64,
        config: &AnalysisConfig,
    ) -> Self {
        let downtimed =
            |i: &Instance| downtimes.iter().any(|d| d.key == i.key && d.is_active(now_ms));
        // A probe that started well after the last success and has not finished is as bad as
        // a failed one (orchestrator's hang condition on the analyzed instance).
        let hang_allowance_ms =
            (config.instance_poll_seconds + config.reasonable_instance_check_seconds) * 1000;
        let not_hung = instance.last_attempted_check_ms
            <= instance.last_seen_ms.saturating_add(hang_allowance_ms);
        let locked_threshold_s = if config.reasonable_locked_semi_sync_master_seconds > 0 {
            config.reasonable_locked_semi_sync_master_seconds
        } else {
            config.reasonable_replication_lag_seconds
        };
        let mut c = Counts {
            is_master: instance.master_key.is_none(),
            is_co_master: topology.is_co_master(&instance.key),
            last_check_valid: instance.is_last_check_valid && not_hung,
            last_check_partial_success: instance.last_check_partial_success,
            is_read_only: instance.read_only,
            depth: topology.depth_of(&instance.key).unwrap_or(0),
            is_failing_to_connect_to_master: instance.is_failing_to_connect_to_master(),
            gtid_mode: instance.gtid_mode.clone(),
            semi_sync_master_enabled: instance.semi_sync.master_enabled,
            semi_sync_master_status: instance.semi_sync.master_status,
            semi_sync_master_wait_count: instance.semi_sync.master_wait_for_replica_count,
            semi_sync_master_clients: instance.semi_sync.master_clients,
            is_stale_binlog_coordinates: instance
                .self_binlog_unchanged_since_ms
                .is_some_and(|since| now_ms.saturating_sub(since) > locked_threshold_s * 1000),
            ..Counts::default()
        };
        let mut logging_versions = BTreeSet::new();
        for replica in
            topology.replicas_of(&instance.key).iter().filter_map(|k| topology.instance(k))
        {
            c.replicas += 1;
            let valid = replica.is_last_check_valid;
            c.valid_replicas += u32::from(valid);
            c.valid_replicating_replicas += u32::from(valid && replica.replication_running());
            c.replicas_failing_to_connect +=
                u32::from(valid && replica.is_failing_to_connect_to_master());
            c.lagging_replicas += u32::from(
                replica
                    .replication_lag_seconds
                    .is_some_and(|lag| lag > config.reasonable_replication_lag_seconds),
            );
            c.delayed_replicas += u32::from(replica.sql_delay > 0);
            let replica_downtimed = downtimed(replica);
            c.downtimed_replicas += u32::from(replica_downtimed);
            if replica.is_logging_replica_updates() {
                c.logging_replicas += 1;
                let slot = match replica.binlog_format {
                    BinlogFormat::Statement => 0,
                    BinlogFormat::Mixed => 1,
                    BinlogFormat::Row => 2,
                };
                c.logging_by_format[slot] += 1;
                logging_versions.insert(major_version(&replica.version));
            }
            c.valid_oracle_gtid_replicas += u32::from(
                valid && replica.using_gtid == crate::core::instance::UsingGtid::AutoPosition,
            );
            c.valid_mariadb_gtid_replicas += u32::from(valid && replica.using_gtid.is_mariadb());
            c.replica_gtid_mode_differs |= replica.gtid_mode != instance.gtid_mode;
            c.replica_has_errant_gtid |= !replica_downtimed && !replica.gtid_errant.is_empty();
        }
        c.distinct_logging_major_versions =
            u32::try_from(logging_versions.len()).unwrap_or(u32::MAX);
        c
    }

    /// orchestrator's `ReduceReplicationAnalysisCount` filter: only instances that are invalid,
    /// have replicas, or fail to connect are worth classifying.
    pub fn is_interesting(&self) -> bool {
        !self.last_check_valid
            || self.replicas_failing_to_connect > 0
            || self.valid_replicas < self.replicas
            || self.valid_replicating_replicas < self.replicas
            || self.is_failing_to_connect_to_master
            || self.replicas > 0
    }

    /// All valid replicas use MySQL GTID auto-positioning (and there is one).
    pub fn oracle_gtid_immediate_topology(&self) -> bool {
        self.valid_replicas > 0 && self.valid_oracle_gtid_replicas == self.valid_replicas
    }

    /// All valid replicas use MariaDB GTID (and there is one).
    pub fn mariadb_gtid_immediate_topology(&self) -> bool {
        self.valid_replicas > 0 && self.valid_mariadb_gtid_replicas == self.valid_replicas
    }
}
