//! Pure mapping from what one probe read (result rows as column → text) to an [`Instance`],
//! for both dialects: MariaDB 10.x and Oracle MySQL 5.7 / 8.0 / 8.4 (whose 8.0.22+ statements
//! spell columns `Source_*` / `Replica_*`). No I/O, no clock: timestamps are the caller's.

use std::collections::BTreeMap;

use app::core::gtid::MysqlGtidSet;
use app::core::instance::{
    BinlogCoordinates, BinlogFormat, Flavor, SemiSyncState, ThreadState, UsingGtid,
};
use app::core::{Instance, InstanceKey};
use thiserror::Error;

/// One result row: canonical column name (see [`canonical`]) → value (`None` for SQL NULL).
pub type Row = BTreeMap<String, Option<String>>;

/// Everything one probe read from a server, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawProbe {
    /// Identity and dialect variables, by the aliases the queries give them (`server_id`, ...).
    pub variables: Row,
    /// `SHOW MASTER STATUS` / `SHOW BINARY LOG STATUS` (no row without binlogs).
    pub master_status: Option<Row>,
    /// First row of `SHOW SLAVE STATUS` / `SHOW REPLICA STATUS` (no row: not a replica).
    pub replica_status: Option<Row>,
    /// `SHOW SLAVE HOSTS` / `SHOW REPLICAS` rows.
    pub replica_hosts: Vec<Row>,
    /// `HOST` (`ip:port`) of the processlist's `Binlog Dump` threads.
    pub dump_thread_hosts: Vec<String>,
    /// `SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'` as canonical name → value.
    pub semi_sync_variables: Row,
    /// `SHOW GLOBAL STATUS LIKE 'rpl_semi_sync%'` as canonical name → value.
    pub semi_sync_status: Row,
    /// Results of the configured `Detect*Query` settings.
    pub detected: Detected,
}

/// Values returned by the optional detection queries (empty when unset or failed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detected {
    /// `DetectDataCenterQuery`.
    pub data_center: String,
    /// `DetectRegionQuery`.
    pub region: String,
    /// `DetectPhysicalEnvironmentQuery`.
    pub physical_environment: String,
    /// `DetectClusterAliasQuery`.
    pub cluster_alias: String,
    /// `DetectInstanceAliasQuery`.
    pub instance_alias: String,
    /// `ReplicationLagQuery`.
    pub replication_lag: String,
    /// `DetectPromotionRuleQuery`.
    pub promotion_rule: String,
    /// `DetectSemiSyncEnforcedQuery`.
    pub semi_sync_priority: String,
}

/// The identity query's answer is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// A required value is absent or NULL.
    #[error("{0} is missing from the server's answer")]
    Missing(&'static str),
    /// A value that must be a number is not.
    #[error("{what} is not a number: {value:?}")]
    NotNumber {
        /// The variable or column.
        what: &'static str,
        /// What the server sent.
        value: String,
    },
}

/// Canonical column name: lower case, with MySQL 8.0.22+ `source`/`replica_` spellings mapped to
/// the classic `master`/`slave_` ones (`Replica_IO_Running` → `slave_io_running`,
/// `Seconds_Behind_Source` → `seconds_behind_master`, `Source_Id` → `master_id`).
pub fn canonical(name: &str) -> String {
    let lower = name.to_ascii_lowercase().replace("source", "master");
    let lower = lower
        .replace("rpl_semi_sync_replica", "rpl_semi_sync_slave")
        .replace("replica_count", "slave_count");
    match lower.strip_prefix("replica_") {
        Some(rest) => format!("slave_{rest}"),
        None => lower,
    }
}

/// Server family from `@@version`: "MariaDB" in it means MariaDB (orchestrator's rule).
pub fn flavor_of(version: &str) -> Flavor {
    if version.to_ascii_lowercase().contains("mariadb") {
        Flavor::MariaDB
    } else {
        Flavor::MySQL
    }
}

/// The non-NULL, trimmed text of `name` in `row` ("" when absent).
pub fn text<'a>(row: &'a Row, name: &str) -> &'a str {
    row.get(name).and_then(|v| v.as_deref()).map_or("", str::trim)
}

/// MySQL booleans as servers print them: `1`/`ON`/`YES`/`TRUE`.
fn flag(row: &Row, name: &str) -> bool {
    matches!(text(row, name).to_ascii_uppercase().as_str(), "1" | "ON" | "YES" | "TRUE")
}

fn number<T: std::str::FromStr>(row: &Row, name: &str) -> Option<T> {
    text(row, name).parse().ok()
}

fn thread_state(value: &str) -> ThreadState {
    match value.to_ascii_lowercase().as_str() {
        "yes" => ThreadState::Yes,
        "connecting" => ThreadState::Connecting,
        _ => ThreadState::No,
    }
}

fn binlog_format(value: &str) -> BinlogFormat {
    match value.to_ascii_uppercase().as_str() {
        "STATEMENT" => BinlogFormat::Statement,
        "MIXED" => BinlogFormat::Mixed,
        _ => BinlogFormat::Row,
    }
}

fn coordinates(row: &Row, file: &str, pos: &str) -> Option<BinlogCoordinates> {
    let file = text(row, file);
    let pos = number::<u64>(row, pos)?;
    (!file.is_empty()).then(|| BinlogCoordinates::new(file, pos))
}

/// A `host:port` from server output; `None` for empty, detached (`//host`) or invalid hosts.
fn key_of(host: &str, port: Option<u16>) -> Option<InstanceKey> {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    InstanceKey::new(host, port?).ok()
}

/// Builds the observation. Check timestamps and validity are left for the caller to stamp;
/// so are location (`locate`), cluster name and errant GTIDs.
pub fn to_instance(key: &InstanceKey, raw: &RawProbe) -> Result<Instance, ParseError> {
    let vars = &raw.variables;
    let server_id_text = text(vars, "server_id");
    if server_id_text.is_empty() {
        return Err(ParseError::Missing("@@server_id"));
    }
    let server_id = server_id_text.parse().map_err(|_| ParseError::NotNumber {
        what: "@@server_id",
        value: server_id_text.to_string(),
    })?;
    let version = text(vars, "version");
    if version.is_empty() {
        return Err(ParseError::Missing("@@version"));
    }
    let mut i = Instance::new(key.clone());
    i.server_id = server_id;
    i.version = version.to_string();
    i.version_comment = text(vars, "version_comment").to_string();
    i.flavor = flavor_of(version);
    i.read_only = flag(vars, "read_only");
    i.log_bin = flag(vars, "log_bin");
    i.log_slave_updates = flag(vars, "log_slave_updates");
    i.binlog_format = binlog_format(text(vars, "binlog_format"));
    match i.flavor {
        Flavor::MariaDB => {
            i.executed_gtid_set = text(vars, "gtid_current_pos").to_string();
            i.gtid_slave_pos = text(vars, "gtid_slave_pos").to_string();
            i.gtid_binlog_state = text(vars, "gtid_binlog_state").to_string();
        }
        Flavor::MySQL => {
            i.gtid_mode = text(vars, "gtid_mode").to_string();
            i.server_uuid = text(vars, "server_uuid").to_string();
            i.executed_gtid_set = text(vars, "gtid_executed").split_whitespace().collect();
        }
    }
    if i.log_bin {
        i.self_binlog_coordinates =
            raw.master_status.as_ref().and_then(|r| coordinates(r, "file", "position"));
    }
    if let Some(status) = &raw.replica_status {
        apply_replica_status(&mut i, status);
    }
    i.replica_hosts = replica_hosts(key, raw);
    i.semi_sync = semi_sync(&raw.semi_sync_variables, &raw.semi_sync_status);
    i.suggested_cluster_alias = raw.detected.cluster_alias.clone();
    i.instance_alias = raw.detected.instance_alias.clone();
    // `ReplicationLagQuery`: its value replaces Seconds_Behind_Master (orchestrator's
    // heartbeat-based lag); an unparseable answer leaves the measured lag.
    if let Ok(lag) = raw.detected.replication_lag.trim().parse::<f64>() {
        if lag.is_finite() {
            i.replication_lag_seconds = Some(lag.max(0.0).round() as i64);
        }
    }
    if let Ok(rule) = raw.detected.promotion_rule.trim().parse() {
        i.promotion_rule = rule;
    }
    if let Ok(priority) = raw.detected.semi_sync_priority.trim().parse() {
        i.semi_sync.priority = priority;
    }
    Ok(i)
}

/// The fields of `SHOW SLAVE STATUS` (canonical names, so `SHOW REPLICA STATUS` too).
fn apply_replica_status(i: &mut Instance, s: &Row) {
    i.master_key = key_of(text(s, "master_host"), number(s, "master_port"));
    i.slave_io_running = thread_state(text(s, "slave_io_running"));
    i.slave_sql_running = thread_state(text(s, "slave_sql_running"));
    i.read_master_coordinates = coordinates(s, "master_log_file", "read_master_log_pos");
    i.exec_master_coordinates = coordinates(s, "relay_master_log_file", "exec_master_log_pos");
    i.seconds_behind_master = number::<i64>(s, "seconds_behind_master").map(|v| v.max(0));
    i.replication_lag_seconds = i.seconds_behind_master;
    i.sql_delay = number(s, "sql_delay").unwrap_or(0);
    i.last_io_errno = number(s, "last_io_errno").unwrap_or(0);
    i.last_io_error = text(s, "last_io_error").to_string();
    i.last_sql_errno = number(s, "last_sql_errno").unwrap_or(0);
    i.last_sql_error = text(s, "last_sql_error").to_string();
    i.using_gtid = match text(s, "using_gtid").to_ascii_lowercase().as_str() {
        "slave_pos" => UsingGtid::SlavePos,
        "current_pos" => UsingGtid::CurrentPos,
        _ if text(s, "auto_position") == "1" => UsingGtid::AutoPosition,
        _ => UsingGtid::No,
    };
    i.has_replication_filters = [
        "replicate_do_db",
        "replicate_ignore_db",
        "replicate_do_table",
        "replicate_ignore_table",
        "replicate_wild_do_table",
        "replicate_wild_ignore_table",
    ]
    .iter()
    .any(|c| !text(s, c).is_empty());
}

/// Replicas as the server reports them: `SHOW SLAVE HOSTS` (report_host/report_port). When that
/// leaves some replica unnamed (a row without Host, or fewer rows than `Binlog Dump` threads),
/// dump threads from addresses not listed there are added too, assumed to listen on this
/// server's port (orchestrator's processlist rule; a replica reporting a name while connecting
/// from an address may then appear twice). Never the server itself; sorted, no duplicates.
fn replica_hosts(me: &InstanceKey, raw: &RawProbe) -> Vec<InstanceKey> {
    let mut keys: Vec<InstanceKey> = raw
        .replica_hosts
        .iter()
        .filter_map(|row| key_of(text(row, "host"), number(row, "port")))
        .collect();
    let unnamed = raw.replica_hosts.iter().any(|row| text(row, "host").is_empty());
    if unnamed || keys.len() < raw.dump_thread_hosts.len() {
        for host in &raw.dump_thread_hosts {
            let ip = host.rsplit_once(':').map_or(host.as_str(), |(ip, _)| ip);
            let ip = ip.trim_start_matches('[').trim_end_matches(']');
            if !keys.iter().any(|k| k.hostname == ip) {
                keys.extend(key_of(ip, Some(me.port)));
            }
        }
    }
    keys.retain(|k| k != me);
    keys.sort();
    keys.dedup();
    keys
}

/// Semi-sync settings and status from either plugin generation (`master`/`slave` or
/// `source`/`replica` names, canonicalised). Wait count defaults to 1 where the master side
/// exists without that variable (MariaDB).
fn semi_sync(vars: &Row, status: &Row) -> SemiSyncState {
    let has_master_side = vars.contains_key("rpl_semi_sync_master_enabled");
    SemiSyncState {
        master_enabled: flag(vars, "rpl_semi_sync_master_enabled"),
        master_status: flag(status, "rpl_semi_sync_master_status"),
        master_wait_for_replica_count: number(vars, "rpl_semi_sync_master_wait_for_slave_count")
            .unwrap_or(u32::from(has_master_side)),
        master_clients: number(status, "rpl_semi_sync_master_clients").unwrap_or(0),
        replica_enabled: flag(vars, "rpl_semi_sync_slave_enabled"),
        replica_status: flag(status, "rpl_semi_sync_slave_status"),
        priority: 0,
    }
}

/// First capture group of `pattern` on `hostname` (orchestrator's `DataCenterPattern` rule).
pub fn pattern_value(pattern: Option<&regex::Regex>, hostname: &str) -> String {
    pattern
        .and_then(|re| re.captures(hostname))
        .and_then(|c| c.get(1))
        .map_or_else(String::new, |m| m.as_str().to_string())
}

/// MariaDB errant transactions: GTIDs the replica itself originated (its own `server_id`, from
/// `@@gtid_binlog_state`, one entry per domain and server) that its master's binlog state does
/// not reach. Transactions replicated from anywhere carry another server id and are never
/// errant; a former master's own writes are in its new master's state too.
pub fn mariadb_errant_gtids(replica: &Instance, master: &Instance) -> String {
    let entries = |text: &str| -> Vec<(u64, u64, u64)> {
        text.split(',')
            .filter_map(|g| {
                let mut parts = g.trim().splitn(3, '-').map(|p| p.parse::<u64>());
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(Ok(d)), Some(Ok(s)), Some(Ok(n))) => Some((d, s, n)),
                    _ => None,
                }
            })
            .collect()
    };
    let theirs = entries(&master.gtid_binlog_state);
    entries(&replica.gtid_binlog_state)
        .into_iter()
        .filter(|(_, server, _)| replica.server_id == *server)
        .filter(|(d, s, n)| !theirs.iter().any(|(td, ts, tn)| td == d && ts == s && tn >= n))
        .map(|(d, s, n)| format!("{d}-{s}-{n}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Errant GTIDs: what the replica executed that its master has not, ignoring every
/// transaction that originates from the master or its ancestors (`ancestor_uuids`), so a
/// master observation older than the replica's does not make replicated work look errant.
/// MariaDB: [`mariadb_errant_gtids`]. Empty for unparsable sets or no master.
pub fn errant_gtids(replica: &Instance, master: &Instance, ancestor_uuids: &[&str]) -> String {
    if replica.flavor == Flavor::MariaDB && master.flavor == Flavor::MariaDB {
        return mariadb_errant_gtids(replica, master);
    }
    if replica.flavor != Flavor::MySQL
        || master.flavor != Flavor::MySQL
        || replica.executed_gtid_set.is_empty()
    {
        return String::new();
    }
    let (Ok(mine), Ok(theirs)) = (
        MysqlGtidSet::parse(&replica.executed_gtid_set),
        MysqlGtidSet::parse(&master.executed_gtid_set),
    ) else {
        return String::new();
    };
    let mut errant = mine.subtract(&theirs);
    for uuid in ancestor_uuids.iter().filter(|u| !u.is_empty()) {
        if let Ok(all) = MysqlGtidSet::parse(&format!("{uuid}:1-{}", i64::MAX)) {
            errant = errant.subtract(&all);
        }
    }
    if errant.is_empty() {
        String::new()
    } else {
        errant.to_string()
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
