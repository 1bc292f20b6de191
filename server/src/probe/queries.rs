//! The SQL one probe runs, per dialect, and running it: the identity query first (it decides
//! the dialect and, when it succeeds, makes the probe a "partial success"), then every other
//! statement in one multi-statement round trip, then the optional `Detect*Query` settings.
//!
//! Statements by dialect:
//! - MariaDB 10.x: `gtid_current_pos`/`gtid_slave_pos`/`gtid_binlog_pos`, `SHOW MASTER STATUS`,
//!   `SHOW SLAVE STATUS`, `SHOW SLAVE HOSTS` (`SHOW REPLICAS` is a syntax error there).
//! - MySQL 5.7 – 8.0.21: `gtid_mode`/`server_uuid`/`gtid_executed`, `SHOW MASTER STATUS`,
//!   `SHOW SLAVE STATUS`, `SHOW SLAVE HOSTS`.
//! - MySQL ≥ 8.0.22: `SHOW REPLICA STATUS`, `SHOW REPLICAS`; ≥ 8.0.26 `log_replica_updates`;
//!   ≥ 8.2 `SHOW BINARY LOG STATUS` (`SHOW MASTER STATUS` and the `SLAVE` forms are gone in 8.4).
//!
//! Every result is read in the text protocol (no prepared statements), so every value arrives
//! as text whatever its column type; `parse` does the typing.

use app::core::instance::{major_version, Flavor};
use futures::TryStreamExt;
use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::{Column, Either, Row as _};

use super::parse::{canonical, flavor_of, Detected, RawProbe, Row};
use super::ProbeError;
use crate::config::DiscoveryConfig;

/// Identity: runs on every server; if it fails, the probe fails.
pub const IDENTITY: &str = "SELECT @@global.server_id AS server_id, @@global.version AS version, \
     @@global.version_comment AS version_comment, @@global.read_only AS read_only, \
     @@global.log_bin AS log_bin, @@global.binlog_format AS binlog_format, \
     @@global.hostname AS hostname, @@global.report_host AS report_host";

const MARIADB_VARIABLES: &str = "SELECT @@global.log_slave_updates AS log_slave_updates, \
     @@global.gtid_current_pos AS gtid_current_pos, @@global.gtid_slave_pos AS gtid_slave_pos, \
     @@global.gtid_binlog_pos AS gtid_binlog_pos, @@global.gtid_binlog_state AS gtid_binlog_state";
const MYSQL_VARIABLES: &str = "SELECT @@global.log_slave_updates AS log_slave_updates, \
     @@global.gtid_mode AS gtid_mode, @@global.server_uuid AS server_uuid, @@global.gtid_executed AS gtid_executed";
const MYSQL_8026_VARIABLES: &str = "SELECT @@global.log_replica_updates AS log_slave_updates, \
     @@global.gtid_mode AS gtid_mode, @@global.server_uuid AS server_uuid, @@global.gtid_executed AS gtid_executed";
const DUMP_THREADS: &str =
    "SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE COMMAND IN ('Binlog Dump', 'Binlog Dump GTID')";
const SEMI_SYNC_VARIABLES: &str = "SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'";
const SEMI_SYNC_STATUS: &str = "SHOW GLOBAL STATUS LIKE 'rpl_semi_sync%'";

/// What a statement of the bundle feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Dialect variables (merged into `RawProbe::variables`).
    Variables,
    /// Own binlog position.
    MasterStatus,
    /// Replication status.
    ReplicaStatus,
    /// Registered replicas.
    ReplicaHosts,
    /// `Binlog Dump` threads.
    DumpThreads,
    /// `rpl_semi_sync%` variables.
    SemiSyncVariables,
    /// `Rpl_semi_sync%` status.
    SemiSyncStatus,
}

/// `(major, minor, patch)` of a version string (`8.0.22-log` → `(8, 0, 22)`).
pub fn version_triplet(version: &str) -> (u32, u32, u32) {
    let (major, minor) = major_version(version);
    let patch = version
        .split(['.', '-'])
        .nth(2)
        .map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    (major, minor, patch)
}

/// The statements after the identity query, for a server of this flavor and version.
pub fn statements(flavor: Flavor, version: &str) -> Vec<(Part, &'static str)> {
    let (variables, master_status, replica_status, replica_hosts) = match flavor {
        Flavor::MariaDB => {
            (MARIADB_VARIABLES, "SHOW MASTER STATUS", "SHOW SLAVE STATUS", "SHOW SLAVE HOSTS")
        }
        Flavor::MySQL => {
            let v = version_triplet(version);
            (
                if v >= (8, 0, 26) { MYSQL_8026_VARIABLES } else { MYSQL_VARIABLES },
                if v >= (8, 2, 0) { "SHOW BINARY LOG STATUS" } else { "SHOW MASTER STATUS" },
                if v >= (8, 0, 22) { "SHOW REPLICA STATUS" } else { "SHOW SLAVE STATUS" },
                if v >= (8, 0, 22) { "SHOW REPLICAS" } else { "SHOW SLAVE HOSTS" },
            )
        }
    };
    vec![
        (Part::Variables, variables),
        (Part::MasterStatus, master_status),
        (Part::ReplicaStatus, replica_status),
        (Part::ReplicaHosts, replica_hosts),
        (Part::DumpThreads, DUMP_THREADS),
        (Part::SemiSyncVariables, SEMI_SYNC_VARIABLES),
        (Part::SemiSyncStatus, SEMI_SYNC_STATUS),
    ]
}

/// A row as canonical column name → text.
fn to_row(row: &MySqlRow) -> Row {
    row.columns()
        .iter()
        .map(|c| {
            (
                canonical(c.name()),
                row.try_get_unchecked::<Option<String>, _>(c.ordinal()).ok().flatten(),
            )
        })
        .collect()
}

/// `SHOW VARIABLES`-style rows as canonical name → value.
fn pairs(rows: Vec<Row>) -> Row {
    rows.into_iter()
        .filter_map(|mut r| {
            let name = r.remove("variable_name").flatten()?;
            Some((canonical(&name), r.remove("value").flatten()))
        })
        .collect()
}

fn query_error(what: &str, source: sqlx::Error) -> ProbeError {
    ProbeError::Query { what: what.to_string(), source }
}

/// Runs every query of one probe. `partial` becomes true once the identity query succeeded.
pub async fn read(
    conn: &mut MySqlConnection,
    config: &DiscoveryConfig,
    partial: &mut bool,
) -> Result<RawProbe, ProbeError> {
    let rows = sqlx::raw_sql(IDENTITY)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| query_error("identity", e))?;
    let mut raw =
        RawProbe { variables: rows.first().map(to_row).unwrap_or_default(), ..RawProbe::default() };
    *partial = true;
    let version = raw.variables.get("version").cloned().flatten().unwrap_or_default();
    let statements = statements(flavor_of(&version), &version);
    let bundle = statements.iter().map(|(_, sql)| *sql).collect::<Vec<_>>().join(";\n");
    let mut results: Vec<Vec<Row>> = vec![Vec::new()];
    let mut stream = sqlx::raw_sql(sqlx::AssertSqlSafe(bundle)).fetch_many(&mut *conn);
    while let Some(item) =
        stream.try_next().await.map_err(|e| query_error("replication status", e))?
    {
        match item {
            Either::Left(_) => results.push(Vec::new()),
            Either::Right(row) => {
                if let Some(rows) = results.last_mut() {
                    rows.push(to_row(&row));
                }
            }
        }
    }
    drop(stream);
    for ((part, _), rows) in statements.iter().zip(results) {
        match part {
            Part::Variables => raw.variables.extend(rows.into_iter().next().unwrap_or_default()),
            Part::MasterStatus => raw.master_status = rows.into_iter().next(),
            Part::ReplicaStatus => raw.replica_status = rows.into_iter().next(),
            Part::ReplicaHosts => raw.replica_hosts = rows,
            Part::DumpThreads => {
                raw.dump_thread_hosts =
                    rows.into_iter().filter_map(|mut r| r.remove("host").flatten()).collect();
            }
            Part::SemiSyncVariables => raw.semi_sync_variables = pairs(rows),
            Part::SemiSyncStatus => raw.semi_sync_status = pairs(rows),
        }
    }
    raw.detected = detect(conn, config).await;
    Ok(raw)
}

/// Runs the configured `Detect*Query` settings; a failing one is logged and left empty.
async fn detect(conn: &mut MySqlConnection, config: &DiscoveryConfig) -> Detected {
    let mut detected = Detected::default();
    let wanted = [
        (&config.detect_data_center_query, &mut detected.data_center),
        (&config.detect_region_query, &mut detected.region),
        (&config.detect_physical_environment_query, &mut detected.physical_environment),
        (&config.detect_cluster_alias_query, &mut detected.cluster_alias),
        (&config.detect_instance_alias_query, &mut detected.instance_alias),
        (&config.replication_lag_query, &mut detected.replication_lag),
        (&config.detect_promotion_rule_query, &mut detected.promotion_rule),
        (&config.detect_semi_sync_enforced_query, &mut detected.semi_sync_priority),
    ];
    for (query, slot) in wanted {
        if query.is_empty() {
            continue;
        }
        match sqlx::raw_sql(sqlx::AssertSqlSafe(query.clone())).fetch_optional(&mut *conn).await {
            Ok(Some(row)) => {
                *slot = row
                    .try_get_unchecked::<Option<String>, _>(0)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(query = %query, error = %e, "detection query failed"),
        }
    }
    detected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql_for(flavor: Flavor, version: &str, part: Part) -> &'static str {
        statements(flavor, version)
            .into_iter()
            .find(|(p, _)| *p == part)
            .map(|(_, s)| s)
            .unwrap_or("")
    }

    #[test]
    fn picks_statements_by_dialect_and_version() {
        let cases = [
            (
                Flavor::MariaDB,
                "10.11.19-MariaDB-log",
                "SHOW MASTER STATUS",
                "SHOW SLAVE STATUS",
                "SHOW SLAVE HOSTS",
            ),
            (
                Flavor::MySQL,
                "5.7.44-log",
                "SHOW MASTER STATUS",
                "SHOW SLAVE STATUS",
                "SHOW SLAVE HOSTS",
            ),
            (
                Flavor::MySQL,
                "8.0.21",
                "SHOW MASTER STATUS",
                "SHOW SLAVE STATUS",
                "SHOW SLAVE HOSTS",
            ),
            (Flavor::MySQL, "8.0.22", "SHOW MASTER STATUS", "SHOW REPLICA STATUS", "SHOW REPLICAS"),
            (Flavor::MySQL, "8.0.35", "SHOW MASTER STATUS", "SHOW REPLICA STATUS", "SHOW REPLICAS"),
            (
                Flavor::MySQL,
                "8.4.3",
                "SHOW BINARY LOG STATUS",
                "SHOW REPLICA STATUS",
                "SHOW REPLICAS",
            ),
            (
                Flavor::MySQL,
                "9.1.0",
                "SHOW BINARY LOG STATUS",
                "SHOW REPLICA STATUS",
                "SHOW REPLICAS",
            ),
        ];
        for (flavor, version, master, status, hosts) in cases {
            assert_eq!(sql_for(flavor, version, Part::MasterStatus), master, "{version}");
            assert_eq!(sql_for(flavor, version, Part::ReplicaStatus), status, "{version}");
            assert_eq!(sql_for(flavor, version, Part::ReplicaHosts), hosts, "{version}");
        }
    }

    #[test]
    fn variables_follow_the_flavor() {
        let mariadb = sql_for(Flavor::MariaDB, "10.11.19-MariaDB", Part::Variables);
        assert!(mariadb.contains("gtid_slave_pos") && !mariadb.contains("server_uuid"));
        let old = sql_for(Flavor::MySQL, "8.0.25", Part::Variables);
        assert!(old.contains("@@global.log_slave_updates") && old.contains("gtid_executed"));
        let new = sql_for(Flavor::MySQL, "8.0.26", Part::Variables);
        assert!(new.contains("@@global.log_replica_updates AS log_slave_updates"));
    }

    #[test]
    fn parses_version_triplets() {
        let cases = [
            ("8.0.22-log", (8, 0, 22)),
            ("10.11.19-MariaDB", (10, 11, 19)),
            ("5.7", (5, 7, 0)),
            ("8.4.3", (8, 4, 3)),
        ];
        for (text, want) in cases {
            assert_eq!(version_triplet(text), want, "{text}");
        }
    }
}
