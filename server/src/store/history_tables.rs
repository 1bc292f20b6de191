//! Node-local history (never replicated, as in orchestrator, where each node writes its own
//! backend): topology snapshots (`database_instance_topology_history`, `snapshot-topologies`)
//! and the analysis changelog (`database_instance_last_analysis`,
//! `database_instance_analysis_changelog`: a row each time an instance's analysis code changes).

use app::core::InstanceKey;

use super::{Store, StoreError};

/// One instance as a topology snapshot records it.
#[derive(Debug, Clone)]
pub struct TopologyRow {
    /// The instance.
    pub key: InstanceKey,
    /// Its master (`None`: a top master).
    pub master: Option<InstanceKey>,
    /// Its cluster.
    pub cluster_name: String,
    /// Its server version.
    pub version: String,
}

/// The analysis changes of one instance: (unix ms, code), oldest first.
pub type InstanceChangelog = (InstanceKey, Vec<(i64, String)>);

fn port_of(port: i32) -> Result<u16, StoreError> {
    u16::try_from(port).map_err(|_| StoreError::Malformed(format!("port {port} out of range")))
}

impl Store {
    /// Records every row as the snapshot taken at `at_ms` (orchestrator keys it by the second;
    /// a second snapshot within the same second replaces the first). Answers the row count.
    pub async fn snapshot_topologies(
        &self,
        at_ms: i64,
        rows: &[TopologyRow],
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool().begin().await?;
        for r in rows {
            let (master_host, master_port) =
                r.master.as_ref().map_or(("", 0), |m| (m.hostname.as_str(), i32::from(m.port)));
            sqlx::query(
                "REPLACE INTO database_instance_topology_history (snapshot_unix_timestamp, \
                 hostname, port, master_host, master_port, cluster_name, version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(at_ms.div_euclid(1000))
            .bind(&r.key.hostname)
            .bind(i32::from(r.key.port))
            .bind(master_host)
            .bind(master_port)
            .bind(&r.cluster_name)
            .bind(&r.version)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// How many instance rows the topology snapshots hold.
    pub async fn topology_history_rows(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM database_instance_topology_history")
            .fetch_one(self.pool())
            .await?)
    }

    /// orchestrator's `auditInstanceAnalysisInChangelog`: remembers `code` as the instance's
    /// last analysis and, when it differs from the one remembered before, adds a changelog row
    /// (the first analysis of an instance is remembered, not logged). True when logged.
    pub async fn record_analysis(
        &self,
        key: &InstanceKey,
        code: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let last: Option<String> = sqlx::query_scalar::<_, String>(
            "SELECT analysis FROM database_instance_last_analysis WHERE hostname = ? AND port = ?",
        )
        .bind(&key.hostname)
        .bind(i32::from(key.port))
        .fetch_optional(&mut *tx)
        .await?;
        if last.as_deref() == Some(code) {
            return Ok(false);
        }
        sqlx::query(
            "REPLACE INTO database_instance_last_analysis \
             (hostname, port, analysis, analysis_timestamp_ms) VALUES (?, ?, ?, ?)",
        )
        .bind(&key.hostname)
        .bind(i32::from(key.port))
        .bind(code)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let changed = last.is_some();
        if changed {
            sqlx::query(
                "REPLACE INTO database_instance_analysis_changelog \
                 (hostname, port, analysis_timestamp_ms, analysis) VALUES (?, ?, ?, ?)",
            )
            .bind(&key.hostname)
            .bind(i32::from(key.port))
            .bind(now_ms)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The changelog, by instance (`hostname, port`), each instance's changes oldest first.
    pub async fn analysis_changelog(&self) -> Result<Vec<InstanceChangelog>, StoreError> {
        let rows = sqlx::query_as::<_, (String, i32, i64, String)>(
            "SELECT hostname, port, analysis_timestamp_ms, analysis \
             FROM database_instance_analysis_changelog \
             ORDER BY hostname, port, analysis_timestamp_ms",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<InstanceChangelog> = Vec::new();
        for (hostname, port, at_ms, code) in rows {
            let key = InstanceKey { hostname, port: port_of(port)? };
            match out.last_mut() {
                Some((last, entries)) if *last == key => entries.push((at_ms, code)),
                _ => out.push((key, vec![(at_ms, code)])),
            }
        }
        Ok(out)
    }

    /// orchestrator's `ExpireInstanceAnalysisChangelog`: drops changelog rows older than
    /// `before_ms`. Answers how many.
    pub async fn prune_analysis_changelog(&self, before_ms: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "DELETE FROM database_instance_analysis_changelog WHERE analysis_timestamp_ms < ?",
        )
        .bind(before_ms)
        .execute(self.pool())
        .await?
        .rows_affected())
    }
}
