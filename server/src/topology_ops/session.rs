//! One connection to one MySQL server for the statements of an operation: each statement
//! bounded by a timeout, every failure naming the server, the step and the driver's reason;
//! replication status read back with canonical column names (`SHOW REPLICA STATUS` too).

use std::collections::BTreeMap;
use std::time::Duration;

use app::core::instance::BinlogCoordinates;
use app::core::InstanceKey;
use futures::TryStreamExt;
use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::{Column, Either, Row as _};
use thiserror::Error;

use super::dialect::Dialect;
use crate::config::DiscoveryConfig;
use crate::probe::connect;
use crate::probe::parse::canonical;

/// Longest a single statement may take.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A statement that failed on a server.
#[derive(Debug, Clone, Error)]
#[error("{key}: {what}: {reason}")]
pub struct StepError {
    /// The server.
    pub key: InstanceKey,
    /// What was attempted.
    pub what: String,
    /// Why it failed.
    pub reason: String,
}

/// A row by canonical column name.
pub type Row = BTreeMap<String, Option<String>>;

/// The parts of `SHOW SLAVE STATUS` an operation needs, as the server printed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaStatus {
    /// `Master_Host` as configured (a detached one starts with `//`).
    pub master_host: String,
    /// `Master_Port`.
    pub master_port: u16,
    /// `Slave_IO_Running` is `Yes`.
    pub io_running: bool,
    /// `Slave_SQL_Running` is `Yes`.
    pub sql_running: bool,
    /// `Relay_Master_Log_File:Exec_Master_Log_Pos`.
    pub exec: Option<BinlogCoordinates>,
    /// `Master_Log_File:Read_Master_Log_Pos`.
    pub read: Option<BinlogCoordinates>,
    /// `Last_IO_Error`, `Last_SQL_Error`.
    pub last_errors: String,
}

fn text(row: &Row, name: &str) -> String {
    row.get(name).cloned().flatten().unwrap_or_default().trim().to_string()
}

fn coordinates(row: &Row, file: &str, pos: &str) -> Option<BinlogCoordinates> {
    let file = text(row, file);
    let pos = text(row, pos).parse().ok()?;
    (!file.is_empty()).then(|| BinlogCoordinates::new(&file, pos))
}

impl ReplicaStatus {
    /// From a status row with canonical names (`master_*`, `slave_*`).
    pub fn from_row(row: &Row) -> Self {
        let errors: Vec<String> = ["last_io_error", "last_sql_error"]
            .iter()
            .map(|c| text(row, c))
            .filter(|e| !e.is_empty())
            .collect();
        ReplicaStatus {
            master_host: text(row, "master_host"),
            master_port: text(row, "master_port").parse().unwrap_or(0),
            io_running: text(row, "slave_io_running") == "Yes",
            sql_running: text(row, "slave_sql_running") == "Yes",
            exec: coordinates(row, "relay_master_log_file", "exec_master_log_pos"),
            read: coordinates(row, "master_log_file", "read_master_log_pos"),
            last_errors: errors.join("; "),
        }
    }
}

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

/// An open connection to one server.
pub struct Session {
    key: InstanceKey,
    conn: MySqlConnection,
    /// The server's dialect.
    pub dialect: Dialect,
    /// `UseSuperReadOnly`.
    pub use_super_read_only: bool,
}

impl Session {
    /// Connects to `key` (speaking `dialect`).
    pub async fn open(
        key: &InstanceKey,
        dialect: Dialect,
        config: &DiscoveryConfig,
    ) -> Result<Self, StepError> {
        let conn = connect::connect(key, config).await.map_err(|e| StepError {
            key: key.clone(),
            what: "connect".into(),
            reason: e.to_string(),
        })?;
        Ok(Session {
            key: key.clone(),
            conn,
            dialect,
            use_super_read_only: config.use_super_read_only,
        })
    }

    /// The server.
    pub fn key(&self) -> &InstanceKey {
        &self.key
    }

    fn fail(&self, what: &str, reason: String) -> StepError {
        StepError { key: self.key.clone(), what: what.to_string(), reason }
    }

    /// Rows of one statement (text protocol, so every value is text).
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Row>, StepError> {
        self.rows_within(sql, STATEMENT_TIMEOUT).await
    }

    /// Rows of one statement that may take up to `limit` (a server-side wait).
    pub async fn rows_within(&mut self, sql: &str, limit: Duration) -> Result<Vec<Row>, StepError> {
        let run = async {
            let mut rows = Vec::new();
            let mut stream =
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).fetch_many(&mut self.conn);
            while let Some(item) = stream.try_next().await? {
                if let Either::Right(row) = item {
                    rows.push(to_row(&row));
                }
            }
            Ok::<_, sqlx::Error>(rows)
        };
        match tokio::time::timeout(limit, run).await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(e)) => Err(self.fail(sql, e.to_string())),
            Err(_) => Err(self.fail(sql, format!("timed out after {limit:?}"))),
        }
    }

    /// Runs one statement.
    pub async fn exec(&mut self, sql: &str) -> Result<(), StepError> {
        self.rows(sql).await.map(|_| ())
    }

    /// The first column of the first row (`None` for no row or NULL).
    pub async fn scalar(&mut self, sql: &str) -> Result<Option<String>, StepError> {
        let rows = self.rows(sql).await?;
        Ok(rows.into_iter().next().and_then(|r| r.into_values().next().flatten()))
    }

    /// Replication status; `None` when the server is not a replica.
    pub async fn status(&mut self) -> Result<Option<ReplicaStatus>, StepError> {
        let sql = self.dialect.show_status();
        Ok(self.rows(&sql).await?.first().map(ReplicaStatus::from_row))
    }

    /// The server's own binlog position (`SHOW MASTER STATUS` / `SHOW BINARY LOG STATUS`).
    pub async fn own_coordinates(&mut self) -> Result<BinlogCoordinates, StepError> {
        let rows = match self.rows("SHOW MASTER STATUS").await {
            Ok(rows) => rows,
            Err(_) => self.rows("SHOW BINARY LOG STATUS").await?,
        };
        rows.first()
            .and_then(|r| coordinates(r, "file", "position"))
            .ok_or_else(|| self.fail("SHOW MASTER STATUS", "no binary log position".into()))
    }

    /// Closes politely.
    pub async fn close(self) {
        connect::close(self.conn).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A MySQL 8.0 `SHOW REPLICA STATUS` row as recorded, with canonical names applied.
    #[test]
    fn reads_mysql_8_replica_status_columns() {
        let recorded = [
            ("Source_Host", "db-1.example.com"),
            ("Source_Port", "3306"),
            ("Replica_IO_Running", "Yes"),
            ("Replica_SQL_Running", "No"),
            ("Source_Log_File", "binlog.000007"),
            ("Read_Source_Log_Pos", "2201"),
            ("Relay_Source_Log_File", "binlog.000007"),
            ("Exec_Source_Log_Pos", "1980"),
            ("Last_SQL_Error", "Error 'Duplicate entry' on query"),
            ("Last_IO_Error", ""),
        ];
        let row: Row =
            recorded.iter().map(|(k, v)| (canonical(k), Some((*v).to_string()))).collect();
        let s = ReplicaStatus::from_row(&row);
        assert_eq!((s.master_host.as_str(), s.master_port), ("db-1.example.com", 3306));
        assert!(s.io_running && !s.sql_running);
        assert_eq!(s.exec, Some(BinlogCoordinates::new("binlog.000007", 1980)));
        assert_eq!(s.read, Some(BinlogCoordinates::new("binlog.000007", 2201)));
        assert_eq!(s.last_errors, "Error 'Duplicate entry' on query");
    }
}
