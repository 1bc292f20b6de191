//! Statements a recovery (or an operation) runs on MySQL/MariaDB servers, in each flavor's
//! dialect, each bounded by a timeout so a hung server cannot stall the recovery.

use std::time::Duration;

use app::core::instance::Flavor;
use app::core::{Instance, InstanceKey};
use sqlx::{Executor, Row};
use thiserror::Error;

use super::dialect::Dialect;
use crate::config::DiscoveryConfig;
use crate::probe::connect;

/// Longest any single statement may take.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A failed operation on a server.
#[derive(Debug, Error)]
#[error("{key}: {what}: {reason}")]
pub struct OpError {
    /// The server.
    pub key: InstanceKey,
    /// What was attempted.
    pub what: String,
    /// Why it failed.
    pub reason: String,
}

pub use crate::config::recovery::ReplicaCredentials;

/// Operations on one server, in its dialect.
pub struct Server<'a> {
    key: &'a InstanceKey,
    flavor: Flavor,
    modern: bool,
    dialect: Dialect,
    config: &'a DiscoveryConfig,
}

/// SQL string literal (hostnames are validated already; quote anyway).
fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl<'a> Server<'a> {
    /// Operations on `instance` (its flavor and version pick the dialect).
    pub fn new(instance: &'a Instance, config: &'a DiscoveryConfig) -> Self {
        let (major, minor) = instance.major_version();
        // MySQL 8.0.22+ speaks REPLICA/SOURCE (8.4 no longer accepts SLAVE/MASTER).
        let patch: u32 =
            instance.version.split(['.', '-']).nth(2).and_then(|p| p.parse().ok()).unwrap_or(0);
        let modern = instance.flavor == Flavor::MySQL && (major, minor, patch) >= (8, 0, 22);
        Server {
            key: &instance.key,
            flavor: instance.flavor,
            modern,
            dialect: Dialect::of(instance),
            config,
        }
    }

    async fn run(&self, what: &str, sql: String) -> Result<(), OpError> {
        let fail =
            |reason: String| OpError { key: self.key.clone(), what: what.to_string(), reason };
        let mut conn =
            connect::connect(self.key, self.config).await.map_err(|e| fail(e.to_string()))?;
        let result =
            tokio::time::timeout(STATEMENT_TIMEOUT, conn.execute(sqlx::AssertSqlSafe(sql))).await;
        connect::close(conn).await;
        match result {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(fail(e.to_string())),
            Err(_) => Err(fail(format!("timed out after {STATEMENT_TIMEOUT:?}"))),
        }
    }

    /// `STOP SLAVE` / `STOP REPLICA`.
    pub async fn stop_replication(&self) -> Result<(), OpError> {
        self.run("stop replication", if self.modern { "STOP REPLICA" } else { "STOP SLAVE" }.into())
            .await
    }

    /// `STOP SLAVE IO_THREAD` (lets the SQL thread drain the relay log).
    pub async fn stop_io_thread(&self) -> Result<(), OpError> {
        let sql = if self.modern { "STOP REPLICA IO_THREAD" } else { "STOP SLAVE IO_THREAD" };
        self.run("stop IO thread", sql.into()).await
    }

    /// `START SLAVE` / `START REPLICA`.
    pub async fn start_replication(&self) -> Result<(), OpError> {
        self.run(
            "start replication",
            if self.modern { "START REPLICA" } else { "START SLAVE" }.into(),
        )
        .await
    }

    /// `RESET SLAVE ALL` / `RESET REPLICA ALL`: forget the old master.
    pub async fn reset_replication_all(&self) -> Result<(), OpError> {
        self.run(
            "reset replication",
            if self.modern { "RESET REPLICA ALL" } else { "RESET SLAVE ALL" }.into(),
        )
        .await
    }

    /// `SET GLOBAL read_only`.
    pub async fn set_read_only(&self, read_only: bool) -> Result<(), OpError> {
        let what = if read_only { "set read_only=1" } else { "set read_only=0" };
        for sql in self.dialect.read_only_statements(read_only, self.config.use_super_read_only) {
            self.run(what, sql).await?;
        }
        Ok(())
    }

    /// Replication credentials for a server that will replicate from this one
    /// (`ReplicationCredentialsQuery` run here: user and password from its first two columns),
    /// else `fallback` (`MySQLReplicaUser`/`MySQLReplicaPassword`).
    pub async fn replication_credentials(
        &self,
        query: &str,
        fallback: &ReplicaCredentials,
    ) -> ReplicaCredentials {
        if query.trim().is_empty() {
            return fallback.clone();
        }
        let read = async {
            let mut conn =
                connect::connect(self.key, self.config).await.map_err(|e| e.to_string())?;
            let row = tokio::time::timeout(
                STATEMENT_TIMEOUT,
                conn.fetch_optional(sqlx::AssertSqlSafe(query.to_string())),
            )
            .await;
            connect::close(conn).await;
            let row = row.map_err(|_| "timed out".to_string())?.map_err(|e| e.to_string())?;
            let row = row.ok_or_else(|| "no row".to_string())?;
            let text = |i: usize| row.try_get_unchecked::<Option<String>, _>(i).ok().flatten();
            let user = text(0).unwrap_or_default();
            if user.is_empty() {
                return Err("empty user".to_string());
            }
            Ok(ReplicaCredentials { user, password: text(1).unwrap_or_default() })
        };
        match read.await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(key = %self.key, error = %e, "ReplicationCredentialsQuery failed; using MySQLReplicaUser");
                fallback.clone()
            }
        }
    }

    /// `rpl_semi_sync_slave_enabled` (`rpl_semi_sync_replica_enabled` on MySQL 8.0.26+), then
    /// the IO thread is restarted so the master sees the change (orchestrator's
    /// `SetSemiSyncReplica`).
    pub async fn set_semi_sync_replica(&self, enable: bool) -> Result<(), OpError> {
        let what = format!("set semi-sync replica {}", if enable { "on" } else { "off" });
        self.run(&what, self.dialect.semi_sync_replica(enable)).await?;
        self.stop_io_thread().await?;
        let start_io =
            if self.modern { "START REPLICA IO_THREAD" } else { "START SLAVE IO_THREAD" };
        self.run("start IO thread", start_io.into()).await
    }

    /// `rpl_semi_sync_master_enabled` (`rpl_semi_sync_source_enabled` on MySQL 8.0.26+).
    pub async fn set_semi_sync_master(&self, enable: bool) -> Result<(), OpError> {
        let what = format!("set semi-sync master {}", if enable { "on" } else { "off" });
        self.run(&what, self.dialect.semi_sync_master(enable)).await
    }

    /// orchestrator's `detach-replica-master-host`: replication is pointed at `//<master host>`
    /// so it can never resume from that master by itself (positions are kept: a GTID replica
    /// resumes from its own executed set once reattached). Replication is stopped around it.
    pub async fn detach_master_host(&self, master: &InstanceKey) -> Result<(), OpError> {
        if master.hostname.starts_with("//") {
            return Ok(());
        }
        self.stop_replication().await?;
        let host = lit(&format!("//{}", master.hostname));
        let sql = if self.modern {
            format!("CHANGE REPLICATION SOURCE TO SOURCE_HOST={host}, SOURCE_PORT={}", master.port)
        } else {
            format!("CHANGE MASTER TO MASTER_HOST={host}, MASTER_PORT={}", master.port)
        };
        self.run(&format!("detach from {master}"), sql).await?;
        self.start_replication().await
    }

    /// Points replication at `master` using GTID (MariaDB `MASTER_USE_GTID=slave_pos`
    /// or `current_pos` for a former master; MySQL auto-positioning). Credentials are set when given.
    pub async fn change_master_gtid(
        &self,
        master: &InstanceKey,
        credentials: Option<&ReplicaCredentials>,
        former_master: bool,
    ) -> Result<(), OpError> {
        let creds = |user_kw: &str, pass_kw: &str| match credentials.filter(|c| !c.user.is_empty())
        {
            Some(c) => format!(", {user_kw}={}, {pass_kw}={}", lit(&c.user), lit(&c.password)),
            None => String::new(),
        };
        let sql = match (self.flavor, self.modern) {
            (Flavor::MariaDB, _) => format!(
                "CHANGE MASTER TO MASTER_HOST={}, MASTER_PORT={}, MASTER_USE_GTID={}, MASTER_CONNECT_RETRY=1{}",
                lit(&master.hostname),
                master.port,
                if former_master { "current_pos" } else { "slave_pos" },
                creds("MASTER_USER", "MASTER_PASSWORD")
            ),
            (Flavor::MySQL, true) => format!(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST={}, SOURCE_PORT={}, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1{}",
                lit(&master.hostname),
                master.port,
                creds("SOURCE_USER", "SOURCE_PASSWORD")
            ),
            (Flavor::MySQL, false) => format!(
                "CHANGE MASTER TO MASTER_HOST={}, MASTER_PORT={}, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=1{}",
                lit(&master.hostname),
                master.port,
                creds("MASTER_USER", "MASTER_PASSWORD")
            ),
        };
        self.run(&format!("point replication at {master}"), sql).await
    }

    /// The server's executed GTID position (MariaDB `gtid_binlog_pos`, MySQL `gtid_executed`).
    pub async fn executed_gtid(&self) -> Result<String, OpError> {
        let sql = match self.flavor {
            Flavor::MariaDB => "SELECT @@GLOBAL.gtid_binlog_pos",
            Flavor::MySQL => "SELECT @@GLOBAL.gtid_executed",
        };
        let fail = |reason: String| OpError {
            key: self.key.clone(),
            what: "read GTID position".into(),
            reason,
        };
        let mut conn =
            connect::connect(self.key, self.config).await.map_err(|e| fail(e.to_string()))?;
        let row = tokio::time::timeout(STATEMENT_TIMEOUT, conn.fetch_one(sql)).await;
        connect::close(conn).await;
        let row = row.map_err(|_| fail("timed out".into()))?.map_err(|e| fail(e.to_string()))?;
        let text: Option<String> = row.try_get(0).map_err(|e| fail(e.to_string()))?;
        Ok(text.unwrap_or_default())
    }

    /// Waits until this server has executed `gtid` (MariaDB `MASTER_GTID_WAIT`, MySQL
    /// `WAIT_FOR_EXECUTED_GTID_SET`), at most `timeout`.
    pub async fn wait_for_gtid(&self, gtid: &str, timeout: Duration) -> Result<(), OpError> {
        let secs = timeout.as_secs_f64();
        let sql = match self.flavor {
            Flavor::MariaDB => format!("SELECT MASTER_GTID_WAIT({}, {secs})", lit(gtid)),
            Flavor::MySQL => format!("SELECT WAIT_FOR_EXECUTED_GTID_SET({}, {secs})", lit(gtid)),
        };
        let fail = |reason: String| OpError {
            key: self.key.clone(),
            what: format!("wait for GTID {gtid}"),
            reason,
        };
        let mut conn =
            connect::connect(self.key, self.config).await.map_err(|e| fail(e.to_string()))?;
        let row = tokio::time::timeout(
            timeout + Duration::from_secs(2),
            conn.fetch_one(sqlx::AssertSqlSafe(sql)),
        )
        .await;
        connect::close(conn).await;
        let row = row.map_err(|_| fail("timed out".into()))?.map_err(|e| fail(e.to_string()))?;
        let result: Option<i64> = row.try_get(0).map_err(|e| fail(e.to_string()))?;
        match result {
            Some(0) => Ok(()),
            Some(-1) | Some(1) => Err(fail(format!("not caught up within {timeout:?}"))),
            other => Err(fail(format!("unexpected result {other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lit;

    #[test]
    fn literals_are_quoted() {
        assert_eq!(lit("h"), "'h'");
        assert_eq!(lit("a'b\\c"), "'a\\'b\\\\c'");
    }
}
