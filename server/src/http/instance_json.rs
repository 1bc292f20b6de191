//! orchestrator's instance JSON (`/api/instance`, `/api/cluster`, `/api/search`, ...) built from
//! this node's observations: an [`Instance`] placed in its [`Topology`], plus the downtimes and
//! the clock of the read. Field names, value encodings and derived flags follow orchestrator's
//! `inst.Instance` (Go), so that scripts reading its API keep working:
//! - keys are `{Hostname, Port}`; "no master" is `{Hostname: "", Port: 0}`;
//! - nullable numbers are Go's `sql.NullInt64`: `{Int64, Valid}`;
//! - coordinates are `{LogFile, LogPos, Type}` (`Type` 0 binary log, 1 relay log);
//! - thread states are orchestrator's numbers: -1 no thread (not a replica), 0 stopped,
//!   1 running, 2 anything else (`Connecting`);
//! - the API-compatibility duplicates are kept (`Slave_SQL_Running` = `ReplicationSQLThreadRuning`,
//!   `SlaveLagSeconds`, `SlaveHosts`, `LogSlaveUpdatesEnabled`);
//! - `Problems` are orchestrator's per-instance problem words (`last_check_invalid`,
//!   `not_recently_checked`, `not_replicating`, `replication_lag`, `errant_gtid`) from
//!   `core::problems`, not analysis codes (those are in `/api/replication-analysis`).
//!
//! Not observed here, so always empty or zero: `Uptime`, `BinlogRowImage`, `MasterUUID`,
//! `AncestryUUID`, `GtidPurged`, `RelaylogCoordinates`, `UnresolvedHostname`, `AllowTLS`,
//! `CountMySQLSnapshots`, `LastDiscoveryLatency`, semi-sync timeout/priority.

use app::core::instance::{
    supports_oracle_gtid, BinlogCoordinates, Flavor, ThreadState, UsingGtid,
};
use app::core::problems::{instance_problems, is_listed_problem, ProblemContext};
use app::core::time_fmt::format_utc;
use app::core::{Downtime, Instance, InstanceKey, PromotionRule, Topology};
use serde::Serialize;

/// Go's `sql.NullInt64` as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NullInt64 {
    /// The value (0 when not valid).
    #[serde(rename = "Int64")]
    pub int64: i64,
    /// Whether the value is set.
    #[serde(rename = "Valid")]
    pub valid: bool,
}

impl From<Option<i64>> for NullInt64 {
    fn from(value: Option<i64>) -> Self {
        NullInt64 { int64: value.unwrap_or(0), valid: value.is_some() }
    }
}

/// orchestrator's `BinlogCoordinates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CoordinatesJson {
    /// File name (empty when unknown).
    pub log_file: String,
    /// Position.
    pub log_pos: u64,
    /// 0 binary log, 1 relay log.
    #[serde(rename = "Type")]
    pub kind: u8,
}

impl CoordinatesJson {
    /// Binary-log coordinates, empty when `None`.
    pub fn binlog(c: Option<&BinlogCoordinates>) -> Self {
        CoordinatesJson {
            log_file: c.map(|c| c.file.clone()).unwrap_or_default(),
            log_pos: c.map_or(0, |c| c.pos),
            kind: 0,
        }
    }
}

/// The key orchestrator writes for "none": `{Hostname: "", Port: 0}`.
pub fn empty_key() -> InstanceKey {
    InstanceKey { hostname: String::new(), port: 0 }
}

/// What a read needs besides the instance: the clock, thresholds and downtimes in force.
#[derive(Debug, Clone)]
pub struct ReadContext<'a> {
    /// Now (unix ms).
    pub now_ms: i64,
    /// `InstancePollSeconds`.
    pub poll_seconds: i64,
    /// `ReasonableReplicationLagSeconds` (lag above it is a problem).
    pub reasonable_lag_seconds: i64,
    /// Downtimes in force now.
    pub downtimes: &'a [Downtime],
}

impl ReadContext<'_> {
    /// The clock and thresholds of this read, as `core::problems` takes them.
    pub fn problem_context(&self) -> ProblemContext {
        ProblemContext {
            now_ms: self.now_ms,
            instance_poll_seconds: self.poll_seconds,
            reasonable_replication_lag_seconds: self.reasonable_lag_seconds,
        }
    }

    fn seconds_since_checked(&self, instance: &Instance) -> i64 {
        self.problem_context().seconds_since_checked(instance)
    }

    /// orchestrator's `IsRecentlyChecked`: checked within 5 × `InstancePollSeconds`.
    pub fn is_recently_checked(&self, instance: &Instance) -> bool {
        self.problem_context().is_recently_checked(instance)
    }

    /// The downtime in force on `key`, if any (the latest ending one).
    pub fn downtime(&self, key: &InstanceKey) -> Option<&Downtime> {
        self.downtimes
            .iter()
            .filter(|d| &d.key == key && d.is_active(self.now_ms))
            .max_by_key(|d| d.ends_at_ms)
    }
}

/// orchestrator's replication thread state number.
pub fn thread_state(is_replica: bool, state: ThreadState) -> i8 {
    match (is_replica, state) {
        (false, _) => -1,
        (true, ThreadState::No) => 0,
        (true, ThreadState::Yes) => 1,
        (true, ThreadState::Connecting) => 2,
    }
}

/// orchestrator's `Problems` of one instance (`core::problems` without the analysis: the words
/// its `readInstanceRow` computes).
pub fn problems(instance: &Instance, ctx: &ReadContext<'_>) -> Vec<String> {
    instance_problems(instance, None, &ctx.problem_context())
        .into_iter()
        .map(|p| p.name().to_string())
        .collect()
}

/// Whether `/api/problems` lists the instance (orchestrator's `ReadProblemInstances`, see
/// `core::problems::is_listed_problem`): not downtimed, and with a problem.
pub fn is_problem(instance: &Instance, ctx: &ReadContext<'_>) -> bool {
    let downtimed = ctx.downtime(&instance.key).is_some();
    is_listed_problem(instance, downtimed, &ctx.problem_context())
}

/// orchestrator's instance JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)] // Field names are orchestrator's; the module doc explains the encodings.
pub struct InstanceJson {
    pub key: InstanceKey,
    pub instance_alias: String,
    pub uptime: u64,
    #[serde(rename = "ServerID")]
    pub server_id: u64,
    #[serde(rename = "ServerUUID")]
    pub server_uuid: String,
    pub version: String,
    pub version_comment: String,
    pub flavor_name: String,
    pub read_only: bool,
    #[serde(rename = "Binlog_format")]
    pub binlog_format: String,
    pub binlog_row_image: String,
    pub log_bin_enabled: bool,
    pub log_slave_updates_enabled: bool,
    pub log_replication_updates_enabled: bool,
    pub self_binlog_coordinates: CoordinatesJson,
    pub master_key: InstanceKey,
    #[serde(rename = "MasterUUID")]
    pub master_uuid: String,
    #[serde(rename = "AncestryUUID")]
    pub ancestry_uuid: String,
    pub is_detached_master: bool,
    #[serde(rename = "Slave_SQL_Running")]
    pub slave_sql_running: bool,
    #[serde(rename = "ReplicationSQLThreadRuning")]
    pub replication_sql_thread_runing: bool,
    #[serde(rename = "Slave_IO_Running")]
    pub slave_io_running: bool,
    #[serde(rename = "ReplicationIOThreadRuning")]
    pub replication_io_thread_runing: bool,
    #[serde(rename = "ReplicationSQLThreadState")]
    pub replication_sql_thread_state: i8,
    #[serde(rename = "ReplicationIOThreadState")]
    pub replication_io_thread_state: i8,
    pub has_replication_filters: bool,
    #[serde(rename = "GTIDMode")]
    pub gtid_mode: String,
    #[serde(rename = "SupportsOracleGTID")]
    pub supports_oracle_gtid: bool,
    #[serde(rename = "UsingOracleGTID")]
    pub using_oracle_gtid: bool,
    #[serde(rename = "UsingMariaDBGTID")]
    pub using_mariadb_gtid: bool,
    #[serde(rename = "UsingPseudoGTID")]
    pub using_pseudo_gtid: bool,
    pub read_binlog_coordinates: CoordinatesJson,
    pub exec_binlog_coordinates: CoordinatesJson,
    pub is_detached: bool,
    pub relaylog_coordinates: CoordinatesJson,
    #[serde(rename = "LastSQLError")]
    pub last_sql_error: String,
    #[serde(rename = "LastIOError")]
    pub last_io_error: String,
    pub seconds_behind_master: NullInt64,
    #[serde(rename = "SQLDelay")]
    pub sql_delay: u32,
    pub executed_gtid_set: String,
    pub gtid_purged: String,
    pub gtid_errant: String,
    pub slave_lag_seconds: NullInt64,
    pub replication_lag_seconds: NullInt64,
    pub slave_hosts: Vec<InstanceKey>,
    pub replicas: Vec<InstanceKey>,
    pub cluster_name: String,
    pub suggested_cluster_alias: String,
    pub data_center: String,
    pub region: String,
    pub physical_environment: String,
    pub replication_depth: u32,
    pub is_co_master: bool,
    pub has_replication_credentials: bool,
    pub replication_credentials_available: bool,
    pub semi_sync_available: bool,
    pub semi_sync_priority: u32,
    pub semi_sync_enforced: bool,
    pub semi_sync_master_enabled: bool,
    pub semi_sync_replica_enabled: bool,
    pub semi_sync_master_timeout: u64,
    pub semi_sync_master_wait_for_replica_count: u32,
    pub semi_sync_master_status: bool,
    pub semi_sync_master_clients: u32,
    pub semi_sync_replica_status: bool,
    pub last_seen_timestamp: String,
    pub is_last_check_valid: bool,
    pub is_up_to_date: bool,
    pub is_recently_checked: bool,
    pub seconds_since_last_seen: NullInt64,
    #[serde(rename = "CountMySQLSnapshots")]
    pub count_mysql_snapshots: u32,
    pub is_candidate: bool,
    pub promotion_rule: String,
    pub is_downtimed: bool,
    pub downtime_reason: String,
    pub downtime_owner: String,
    pub downtime_end_timestamp: String,
    /// Nanoseconds (Go `time.Duration`).
    pub elapsed_downtime: i64,
    pub unresolved_hostname: String,
    #[serde(rename = "AllowTLS")]
    pub allow_tls: bool,
    pub problems: Vec<String>,
    /// Nanoseconds (Go `time.Duration`).
    pub last_discovery_latency: i64,
}

/// orchestrator's `FlavorName`.
fn flavor_name(instance: &Instance) -> &'static str {
    match instance.flavor {
        Flavor::MariaDB => "MariaDB",
        Flavor::MySQL if instance.version_comment.to_ascii_lowercase().contains("percona") => {
            "Percona"
        }
        Flavor::MySQL => "MySQL",
    }
}

/// Builds the JSON of `instance` as placed in `topology` at the time of `ctx`.
pub fn instance_json(
    topology: &Topology,
    instance: &Instance,
    ctx: &ReadContext<'_>,
) -> InstanceJson {
    let replica = instance.is_replica();
    let sql_running = replica && instance.slave_sql_running.is_running();
    let io_running = replica && instance.slave_io_running.is_running();
    let since_checked = ctx.seconds_since_checked(instance);
    let seen = instance.last_seen_ms > 0;
    let downtime = ctx.downtime(&instance.key);
    let cluster_name = topology
        .cluster_of(&instance.key)
        .map_or_else(|| instance.cluster_name.clone(), String::from);
    let lag = NullInt64::from(instance.replication_lag_seconds);
    InstanceJson {
        key: instance.key.clone(),
        instance_alias: instance.instance_alias.clone(),
        uptime: 0,
        server_id: instance.server_id,
        server_uuid: instance.server_uuid.clone(),
        version: instance.version.clone(),
        version_comment: instance.version_comment.clone(),
        flavor_name: flavor_name(instance).to_string(),
        read_only: instance.read_only,
        binlog_format: instance.binlog_format.as_str().to_string(),
        binlog_row_image: String::new(),
        log_bin_enabled: instance.log_bin,
        log_slave_updates_enabled: instance.log_slave_updates,
        log_replication_updates_enabled: instance.log_slave_updates,
        self_binlog_coordinates: CoordinatesJson::binlog(instance.self_binlog_coordinates.as_ref()),
        master_key: instance.master_key.clone().unwrap_or_else(empty_key),
        master_uuid: String::new(),
        ancestry_uuid: String::new(),
        is_detached_master: false,
        slave_sql_running: sql_running,
        replication_sql_thread_runing: sql_running,
        slave_io_running: io_running,
        replication_io_thread_runing: io_running,
        replication_sql_thread_state: thread_state(replica, instance.slave_sql_running),
        replication_io_thread_state: thread_state(replica, instance.slave_io_running),
        has_replication_filters: instance.has_replication_filters,
        gtid_mode: instance.gtid_mode.clone(),
        supports_oracle_gtid: supports_oracle_gtid(&instance.gtid_mode),
        using_oracle_gtid: instance.using_gtid == UsingGtid::AutoPosition,
        using_mariadb_gtid: instance.using_gtid.is_mariadb(),
        using_pseudo_gtid: false,
        read_binlog_coordinates: CoordinatesJson::binlog(instance.read_master_coordinates.as_ref()),
        exec_binlog_coordinates: CoordinatesJson::binlog(instance.exec_master_coordinates.as_ref()),
        is_detached: false,
        relaylog_coordinates: CoordinatesJson { log_file: String::new(), log_pos: 0, kind: 1 },
        last_sql_error: instance.last_sql_error.clone(),
        last_io_error: instance.last_io_error.clone(),
        seconds_behind_master: NullInt64::from(instance.seconds_behind_master),
        sql_delay: instance.sql_delay,
        executed_gtid_set: instance.executed_gtid_set.clone(),
        gtid_purged: String::new(),
        gtid_errant: instance.gtid_errant.clone(),
        slave_lag_seconds: lag,
        replication_lag_seconds: lag,
        slave_hosts: instance.replica_hosts.clone(),
        replicas: instance.replica_hosts.clone(),
        cluster_name,
        suggested_cluster_alias: instance.suggested_cluster_alias.clone(),
        data_center: instance.data_center.clone(),
        region: instance.region.clone(),
        physical_environment: instance.physical_environment.clone(),
        replication_depth: topology.depth_of(&instance.key).unwrap_or(0),
        is_co_master: topology.is_co_master(&instance.key),
        // A replica reporting a master was configured with CHANGE MASTER ... MASTER_USER.
        has_replication_credentials: replica,
        replication_credentials_available: false,
        semi_sync_available: false,
        semi_sync_priority: instance.semi_sync.priority,
        semi_sync_enforced: instance.semi_sync.priority > 0,
        semi_sync_master_enabled: instance.semi_sync.master_enabled,
        semi_sync_replica_enabled: instance.semi_sync.replica_enabled,
        semi_sync_master_timeout: 0,
        semi_sync_master_wait_for_replica_count: instance.semi_sync.master_wait_for_replica_count,
        semi_sync_master_status: instance.semi_sync.master_status,
        semi_sync_master_clients: instance.semi_sync.master_clients,
        semi_sync_replica_status: instance.semi_sync.replica_status,
        last_seen_timestamp: if seen { format_utc(instance.last_seen_ms) } else { String::new() },
        is_last_check_valid: instance.is_last_check_valid,
        is_up_to_date: since_checked <= ctx.poll_seconds,
        is_recently_checked: ctx.is_recently_checked(instance),
        seconds_since_last_seen: NullInt64 {
            int64: (ctx.now_ms - instance.last_seen_ms).max(0) / 1000,
            valid: seen,
        },
        count_mysql_snapshots: 0,
        is_candidate: instance.promotion_rule == PromotionRule::Prefer,
        promotion_rule: instance.promotion_rule.as_str().to_string(),
        is_downtimed: downtime.is_some(),
        downtime_reason: downtime.map(|d| d.reason.clone()).unwrap_or_default(),
        downtime_owner: downtime.map(|d| d.owner.clone()).unwrap_or_default(),
        downtime_end_timestamp: downtime.map(|d| format_utc(d.ends_at_ms)).unwrap_or_default(),
        elapsed_downtime: downtime
            .map_or(0, |d| (ctx.now_ms - d.begins_at_ms).max(0).saturating_mul(1_000_000)),
        unresolved_hostname: String::new(),
        allow_tls: false,
        problems: problems(instance, ctx),
        last_discovery_latency: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn key(port: u16) -> InstanceKey {
        InstanceKey::new("127.0.0.1", port).unwrap()
    }

    fn replica() -> Instance {
        let mut i = Instance::new(key(2));
        i.master_key = Some(key(1));
        i.is_last_check_valid = true;
        i.last_checked_ms = NOW - 500;
        i.last_seen_ms = NOW - 500;
        i.slave_io_running = ThreadState::Connecting;
        i.slave_sql_running = ThreadState::Yes;
        i.using_gtid = UsingGtid::SlavePos;
        i
    }

    fn ctx(downtimes: &[Downtime]) -> ReadContext<'_> {
        ReadContext { now_ms: NOW, poll_seconds: 5, reasonable_lag_seconds: 10, downtimes }
    }

    #[test]
    fn encodes_threads_keys_and_nulls_as_orchestrator() {
        let master = Instance::new(key(1));
        let r = replica();
        let t = Topology::build([master.clone(), r.clone()]);
        let v = serde_json::to_value(instance_json(&t, &r, &ctx(&[]))).unwrap();
        assert_eq!(v["Key"], serde_json::json!({"Hostname": "127.0.0.1", "Port": 2}));
        assert_eq!(v["MasterKey"]["Port"], 1);
        assert_eq!(v["Slave_IO_Running"], false);
        assert_eq!(v["Slave_SQL_Running"], true);
        assert_eq!(
            (v["ReplicationSQLThreadRuning"].clone(), v["ReplicationIOThreadRuning"].clone()),
            (true.into(), false.into())
        );
        assert_eq!(v["ReplicationIOThreadState"], 2);
        assert_eq!(v["ReplicationSQLThreadState"], 1);
        assert_eq!(v["SecondsBehindMaster"], serde_json::json!({"Int64": 0, "Valid": false}));
        assert_eq!(v["UsingMariaDBGTID"], true);
        assert_eq!(v["ReplicationDepth"], 1);
        assert_eq!(v["ClusterName"], "127.0.0.1:1");
        assert_eq!(v["Problems"], serde_json::json!(["not_replicating"]));
        let m = serde_json::to_value(instance_json(&t, &master, &ctx(&[]))).unwrap();
        assert_eq!(m["MasterKey"], serde_json::json!({"Hostname": "", "Port": 0}));
        assert_eq!(m["ReplicationIOThreadState"], -1);
        assert_eq!(m["SecondsSinceLastSeen"]["Valid"], false);
        assert_eq!(m["Problems"], serde_json::json!(["last_check_invalid"]));
    }

    #[test]
    fn problems_follow_orchestrator_and_downtime_hides_from_problem_list() {
        let mut r = replica();
        r.slave_io_running = ThreadState::Yes;
        r.replication_lag_seconds = Some(30);
        r.seconds_behind_master = Some(30);
        assert_eq!(problems(&r, &ctx(&[])), ["replication_lag"]);
        assert!(is_problem(&r, &ctx(&[])));
        r.sql_delay = 25;
        assert!(problems(&r, &ctx(&[])).is_empty());
        assert!(!is_problem(&r, &ctx(&[])));
        r.gtid_errant = "0-9-1".into();
        r.last_checked_ms = NOW - 60_000;
        assert_eq!(problems(&r, &ctx(&[])), ["not_recently_checked", "errant_gtid"]);
        let down = [Downtime {
            key: key(2),
            owner: "o".into(),
            reason: "r".into(),
            begins_at_ms: NOW - 2_000,
            ends_at_ms: NOW + 1,
        }];
        assert!(!is_problem(&r, &ctx(&down)));
        let t = Topology::build([r.clone()]);
        let v = serde_json::to_value(instance_json(&t, &r, &ctx(&down))).unwrap();
        assert_eq!(v["IsDowntimed"], true);
        assert_eq!(v["DowntimeOwner"], "o");
        assert_eq!(v["ElapsedDowntime"], 2_000_000_000_i64);
    }
}
