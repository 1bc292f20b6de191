//! Instance: what one probe observed about one MySQL/MariaDB server, as stored per node.
//!
//! This is a plain record (orchestrator's `database_instance` row). It derives nothing from
//! other instances: cluster naming, depth and co-master detection are the topology's job
//! (`core::topology`), which recomputes them from the master/replica edges.
//! It must not read clocks or talk to servers; the prober fills it, the analysis reads it.

use serde::{Deserialize, Serialize};

pub use crate::core::binlog::{BinlogCoordinates, BinlogFormat};
use crate::core::instance_key::InstanceKey;
use crate::core::promotion_rule::PromotionRule;

/// Which server family an instance runs (orchestrator: "MariaDB" in the version string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Flavor {
    /// MariaDB: domain-server-seq GTIDs, `Using_Gtid`.
    #[default]
    MariaDB,
    /// Oracle MySQL / Percona: uuid:interval GTID sets, `Auto_Position`.
    MySQL,
}

/// State of a replication thread as `SHOW SLAVE STATUS` reports it.
/// Only `Yes` counts as running (orchestrator maps anything but "Yes" to not running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ThreadState {
    /// `Yes`: the thread runs.
    Yes,
    /// `No` (or not a replica at all).
    #[default]
    No,
    /// `Connecting`: the IO thread is trying to (re)connect to its master.
    Connecting,
}

impl ThreadState {
    /// Whether the thread counts as running.
    pub fn is_running(self) -> bool {
        self == ThreadState::Yes
    }
}

/// How the replica positions itself on its master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsingGtid {
    /// Binlog file/position replication (`Using_Gtid: No`, `Auto_Position: 0`).
    #[default]
    No,
    /// MariaDB `master_use_gtid=slave_pos`.
    SlavePos,
    /// MariaDB `master_use_gtid=current_pos`.
    CurrentPos,
    /// MySQL `master_auto_position=1`.
    AutoPosition,
}

impl UsingGtid {
    /// Whether the replica replicates by GTID (either flavor).
    pub fn is_gtid(self) -> bool {
        self != UsingGtid::No
    }

    /// Whether this is MariaDB GTID replication.
    pub fn is_mariadb(self) -> bool {
        matches!(self, UsingGtid::SlavePos | UsingGtid::CurrentPos)
    }
}

/// Semi-synchronous replication settings and status (`rpl_semi_sync_%`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SemiSyncState {
    /// `rpl_semi_sync_master_enabled`.
    pub master_enabled: bool,
    /// `Rpl_semi_sync_master_status` (ON while the master waits for acknowledgements).
    pub master_status: bool,
    /// `rpl_semi_sync_master_wait_for_slave_count` (1 on MariaDB, which has no such variable).
    pub master_wait_for_replica_count: u32,
    /// `Rpl_semi_sync_master_clients`.
    pub master_clients: u32,
    /// `rpl_semi_sync_slave_enabled`.
    pub replica_enabled: bool,
    /// `Rpl_semi_sync_slave_status`.
    pub replica_status: bool,
    /// Semi-sync priority (`DetectSemiSyncEnforcedQuery`; 0 = always asynchronous).
    pub priority: u32,
}

/// The observed state of one server as this node's last probe recorded it.
///
/// Field names are snake_case; the orchestrator-named JSON view lives in the API layer.
/// Every field but `key` has a serde default so that stored rows and fixtures stay readable
/// as fields are added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Identity (`host:port`).
    pub key: InstanceKey,
    /// The master it replicates from (`Master_Host:Master_Port`); `None` when not a replica.
    #[serde(default)]
    pub master_key: Option<InstanceKey>,
    /// `@@server_id`.
    #[serde(default)]
    pub server_id: u64,
    /// `@@server_uuid` (MySQL; empty on MariaDB).
    #[serde(default)]
    pub server_uuid: String,
    /// `@@version`, e.g. `10.11.19-MariaDB-log`.
    #[serde(default)]
    pub version: String,
    /// `@@version_comment`.
    #[serde(default)]
    pub version_comment: String,
    /// Server family.
    #[serde(default)]
    pub flavor: Flavor,
    /// `@@read_only`.
    #[serde(default)]
    pub read_only: bool,
    /// `@@log_bin`.
    #[serde(default)]
    pub log_bin: bool,
    /// `@@log_slave_updates` (`log_replica_updates`).
    #[serde(default, alias = "log_replica_updates")]
    pub log_slave_updates: bool,
    /// `@@binlog_format`.
    #[serde(default)]
    pub binlog_format: BinlogFormat,
    /// Own binary log position (`SHOW MASTER STATUS`); `None` without binlogs.
    #[serde(default)]
    pub self_binlog_coordinates: Option<BinlogCoordinates>,
    /// Since when (unix ms) `self_binlog_coordinates` has not moved, as the prober tracked it
    /// (orchestrator's stale-binlog-coordinates table). Used for `LockedSemiSyncMaster`.
    #[serde(default)]
    pub self_binlog_unchanged_since_ms: Option<i64>,
    /// MySQL `@@gtid_mode` (`OFF`, `ON`, ...); empty on MariaDB.
    #[serde(default)]
    pub gtid_mode: String,
    /// GTID use of the replication connection.
    #[serde(default)]
    pub using_gtid: UsingGtid,
    /// Executed GTIDs: MariaDB `@@gtid_current_pos` (or `gtid_binlog_pos`), MySQL `@@gtid_executed`.
    #[serde(default)]
    pub executed_gtid_set: String,
    /// MariaDB `@@gtid_slave_pos`: what the SQL thread applied from masters (empty on MySQL).
    #[serde(default)]
    pub gtid_slave_pos: String,
    /// MariaDB `@@gtid_binlog_state`: the last GTID of every (domain, server) in its binlogs
    /// (empty on MySQL); errant transactions are found with it.
    #[serde(default)]
    pub gtid_binlog_state: String,
    /// Errant GTIDs (executed here but not on the master), as the prober computed them.
    #[serde(default)]
    pub gtid_errant: String,
    /// `Slave_IO_Running`.
    #[serde(default)]
    pub slave_io_running: ThreadState,
    /// `Slave_SQL_Running`.
    #[serde(default)]
    pub slave_sql_running: ThreadState,
    /// `Master_Log_File` / `Read_Master_Log_Pos`: what the IO thread received.
    #[serde(default)]
    pub read_master_coordinates: Option<BinlogCoordinates>,
    /// `Relay_Master_Log_File` / `Exec_Master_Log_Pos`: what the SQL thread applied.
    #[serde(default)]
    pub exec_master_coordinates: Option<BinlogCoordinates>,
    /// `Seconds_Behind_Master` (`None` for NULL; negative values clamp to 0).
    #[serde(default)]
    pub seconds_behind_master: Option<i64>,
    /// `SQL_Delay` in seconds.
    #[serde(default)]
    pub sql_delay: u32,
    /// `Last_IO_Errno`.
    #[serde(default)]
    pub last_io_errno: u32,
    /// `Last_IO_Error`.
    #[serde(default)]
    pub last_io_error: String,
    /// `Last_SQL_Errno`.
    #[serde(default)]
    pub last_sql_errno: u32,
    /// `Last_SQL_Error`.
    #[serde(default)]
    pub last_sql_error: String,
    /// Lag used for decisions: `ReplicationLagQuery` result or `Seconds_Behind_Master`.
    #[serde(default)]
    pub replication_lag_seconds: Option<i64>,
    /// Data center (detected or from a hostname pattern).
    #[serde(default)]
    pub data_center: String,
    /// Region.
    #[serde(default)]
    pub region: String,
    /// Physical environment.
    #[serde(default)]
    pub physical_environment: String,
    /// Co-master flag as stored; `Topology` recomputes it from the edges.
    #[serde(default)]
    pub is_co_master: bool,
    /// Whether replication filters (`Replicate_Do_DB`, ...) are configured.
    #[serde(default)]
    pub has_replication_filters: bool,
    /// Semi-sync settings and status.
    #[serde(default)]
    pub semi_sync: SemiSyncState,
    /// Whether the last probe succeeded (`last_checked <= last_seen`).
    #[serde(default)]
    pub is_last_check_valid: bool,
    /// Whether the last probe got at least its first query through.
    #[serde(default)]
    pub last_check_partial_success: bool,
    /// When the last probe ended, successfully or not (unix ms).
    #[serde(default)]
    pub last_checked_ms: i64,
    /// When a probe last succeeded (unix ms).
    #[serde(default)]
    pub last_seen_ms: i64,
    /// When a probe was last started (unix ms); ahead of `last_seen_ms` while probes hang.
    #[serde(default)]
    pub last_attempted_check_ms: i64,
    /// Cluster name as stored; `Topology` recomputes it.
    #[serde(default)]
    pub cluster_name: String,
    /// Cluster alias suggested by `DetectClusterAliasQuery` or `ClusterNameToAlias`.
    #[serde(default)]
    pub suggested_cluster_alias: String,
    /// Instance alias (`DetectInstanceAliasQuery`), shown in the ASCII topology.
    #[serde(default)]
    pub instance_alias: String,
    /// Replicas as the master itself reports them (processlist / `SHOW SLAVE HOSTS`).
    #[serde(default)]
    pub replica_hosts: Vec<InstanceKey>,
    /// Promotion rule from candidate registration (`neutral` when none).
    #[serde(default = "neutral")]
    pub promotion_rule: PromotionRule,
}

fn neutral() -> PromotionRule {
    PromotionRule::Neutral
}

impl Instance {
    /// A record with only a key: never seen, not a replica, every flag off.
    pub fn new(key: InstanceKey) -> Self {
        Instance {
            key,
            master_key: None,
            server_id: 0,
            server_uuid: String::new(),
            version: String::new(),
            version_comment: String::new(),
            flavor: Flavor::default(),
            read_only: false,
            log_bin: false,
            log_slave_updates: false,
            binlog_format: BinlogFormat::default(),
            self_binlog_coordinates: None,
            self_binlog_unchanged_since_ms: None,
            gtid_mode: String::new(),
            using_gtid: UsingGtid::No,
            executed_gtid_set: String::new(),
            gtid_slave_pos: String::new(),
            gtid_binlog_state: String::new(),
            gtid_errant: String::new(),
            slave_io_running: ThreadState::No,
            slave_sql_running: ThreadState::No,
            read_master_coordinates: None,
            exec_master_coordinates: None,
            seconds_behind_master: None,
            sql_delay: 0,
            last_io_errno: 0,
            last_io_error: String::new(),
            last_sql_errno: 0,
            last_sql_error: String::new(),
            replication_lag_seconds: None,
            data_center: String::new(),
            region: String::new(),
            physical_environment: String::new(),
            is_co_master: false,
            has_replication_filters: false,
            semi_sync: SemiSyncState::default(),
            is_last_check_valid: false,
            last_check_partial_success: false,
            last_checked_ms: 0,
            last_seen_ms: 0,
            last_attempted_check_ms: 0,
            cluster_name: String::new(),
            suggested_cluster_alias: String::new(),
            instance_alias: String::new(),
            replica_hosts: Vec::new(),
            promotion_rule: PromotionRule::Neutral,
        }
    }

    /// Whether it replicates from a master (orchestrator's `IsReplica`, simplified to "has a
    /// master key": a configured-but-never-started replica still counts).
    pub fn is_replica(&self) -> bool {
        self.master_key.is_some()
    }

    /// Both replication threads run (orchestrator's `ReplicaRunning`).
    pub fn replication_running(&self) -> bool {
        self.is_replica()
            && self.slave_io_running.is_running()
            && self.slave_sql_running.is_running()
    }

    /// The IO thread is down because it cannot connect to its master while the SQL thread
    /// still runs (orchestrator: `Last_IO_Error` like `%error %connecting to master%`).
    /// MySQL 8.0.22+ says "source" instead of "master"; both are accepted.
    pub fn is_failing_to_connect_to_master(&self) -> bool {
        !self.slave_io_running.is_running()
            && self.slave_sql_running.is_running()
            && io_error_is_connection_failure(&self.last_io_error)
    }

    /// Whether it writes a binlog its replicas could follow (`log_bin` and `log_slave_updates`).
    pub fn is_logging_replica_updates(&self) -> bool {
        self.log_bin && self.log_slave_updates
    }

    /// Whether it replicates by GTID or, on MySQL, has GTID enabled (orchestrator's
    /// `UsingGTID() || SupportsOracleGTID`).
    pub fn has_gtid(&self) -> bool {
        self.using_gtid.is_gtid() || supports_oracle_gtid(&self.gtid_mode)
    }

    /// `(major, minor)` of the version, e.g. `10.11` for `10.11.19-MariaDB-log`.
    pub fn major_version(&self) -> (u32, u32) {
        major_version(&self.version)
    }
}

/// MySQL GTID support as orchestrator reads it: `gtid_mode` neither empty nor `OFF`.
pub fn supports_oracle_gtid(gtid_mode: &str) -> bool {
    !gtid_mode.is_empty() && !gtid_mode.eq_ignore_ascii_case("OFF")
}

/// `(major, minor)` of a version string; missing or non-numeric parts count as 0.
pub fn major_version(version: &str) -> (u32, u32) {
    let mut parts = version.split(['.', '-']).map(|part| part.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor)
}

/// Whether a `Last_IO_Error` text says the IO thread cannot connect: "error" followed later by
/// "connecting to master" or "connecting to source" (covers MariaDB's "error reconnecting to
/// master"), case-insensitively.
pub fn io_error_is_connection_failure(error: &str) -> bool {
    let lower = error.to_ascii_lowercase();
    let Some(error_at) = lower.find("error ") else {
        return false;
    };
    let rest = &lower[error_at..];
    rest.contains("connecting to master") || rest.contains("connecting to source")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_major_versions() {
        let cases = [
            ("10.11.19-MariaDB-log", (10, 11)),
            ("8.0.36", (8, 0)),
            ("5.7", (5, 7)),
            ("", (0, 0)),
            ("garbage", (0, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(major_version(text), expected, "{text}");
        }
    }

    #[test]
    fn recognises_connection_failures() {
        let cases = [
            ("error reconnecting to master 'repl@127.0.0.1:23306' - retry-time: 1", true),
            ("error connecting to master 'repl@db1:3306' - retry-time: 60 retries: 1", true),
            ("Error connecting to source 'repl@db1:3306'. This was attempt 1/86400", true),
            ("Got fatal error 1236 from master when reading data from binary log", false),
            ("", false),
        ];
        for (text, expected) in cases {
            assert_eq!(io_error_is_connection_failure(text), expected, "{text}");
        }
    }

    #[test]
    fn failing_to_connect_needs_sql_thread_running() {
        let mut inst = Instance::new(InstanceKey::new("r", 3306).unwrap());
        inst.master_key = Some(InstanceKey::new("m", 3306).unwrap());
        inst.last_io_error = "error reconnecting to master 'repl@m:3306'".into();
        inst.slave_io_running = ThreadState::Connecting;
        inst.slave_sql_running = ThreadState::Yes;
        assert!(inst.is_failing_to_connect_to_master());
        assert!(!inst.replication_running());
        inst.slave_sql_running = ThreadState::No;
        assert!(!inst.is_failing_to_connect_to_master());
    }

    #[test]
    fn deserializes_with_defaults_and_alias() {
        let json = r#"{"key":{"Hostname":"db1","Port":3306},"log_replica_updates":true,
                       "slave_io_running":"Connecting","binlog_format":"MIXED","using_gtid":"slave_pos"}"#;
        let inst: Instance = serde_json::from_str(json).unwrap();
        assert!(inst.log_slave_updates);
        assert_eq!(inst.slave_io_running, ThreadState::Connecting);
        assert_eq!(inst.binlog_format, BinlogFormat::Mixed);
        assert_eq!(inst.using_gtid, UsingGtid::SlavePos);
        assert_eq!(inst.promotion_rule, PromotionRule::Neutral);
        assert!(!inst.is_last_check_valid);
    }
}
