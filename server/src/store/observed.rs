//! Observed instances (`database_instance`): what this node's own prober last saw of each
//! MySQL/MariaDB server. Node-local, never replicated; only the prober writes it.
//!
//! A row is the whole [`Instance`] as JSON plus the columns other code filters on: the key,
//! `cluster_name`, and the check timestamps and validity. The columns are authoritative: reads
//! copy them over the JSON, so a failed probe only has to update them.
//!
//! Cluster names are **stored on write**: the prober computes them with `Topology::build` over
//! its in-memory view at each flush (so `WHERE cluster_name = ?` works, e.g. for
//! `forget-cluster`). Callers that need the structure (depth, co-masters, aliases) run
//! `Topology::build` over [`Store::all_instances`], which derives the same names.
//!
//! Timestamps follow orchestrator: a successful probe sets `last_checked`, `last_seen`
//! and `last_attempted_check`; a failed one sets only `last_checked` and
//! `last_attempted_check`, marks the check invalid and keeps the last good observation.

use app::core::{Instance, InstanceKey};
use sqlx::AnyConnection;

use super::{Dialect, Store, StoreError};

const COLUMNS: [&str; 10] = [
    "hostname",
    "port",
    "cluster_name",
    "last_checked_ms",
    "last_seen_ms",
    "last_attempted_check_ms",
    "is_last_check_valid",
    "last_check_partial_success",
    "first_seen_ms",
    "instance_json",
];
/// Updated when a successful probe overwrites an existing row (all but key and first-seen).
const ON_SUCCESS: [&str; 7] = [
    "cluster_name",
    "last_checked_ms",
    "last_seen_ms",
    "last_attempted_check_ms",
    "is_last_check_valid",
    "last_check_partial_success",
    "instance_json",
];
/// Updated when a failed probe hits an existing row: the last good observation stays.
const ON_FAILURE: [&str; 5] = [
    "cluster_name",
    "last_checked_ms",
    "last_attempted_check_ms",
    "is_last_check_valid",
    "last_check_partial_success",
];

type Row = (String, i32, String, i64, i64, i64, i32, i32, String);
const SELECT: &str =
    "SELECT hostname, port, cluster_name, last_checked_ms, last_seen_ms, last_attempted_check_ms,
    is_last_check_valid, last_check_partial_success, instance_json FROM database_instance";

/// `INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE` of every column, updating only `update`.
fn upsert_sql(dialect: Dialect, update: &[&str]) -> String {
    let placeholders = vec!["?"; COLUMNS.len()].join(", ");
    let head =
        format!("INSERT INTO database_instance ({}) VALUES ({placeholders})", COLUMNS.join(", "));
    match dialect {
        Dialect::Sqlite => {
            let set: Vec<String> = update.iter().map(|c| format!("{c} = excluded.{c}")).collect();
            format!("{head} ON CONFLICT(hostname, port) DO UPDATE SET {}", set.join(", "))
        }
        Dialect::MySql => {
            let set: Vec<String> = update.iter().map(|c| format!("{c} = VALUES({c})")).collect();
            format!("{head} ON DUPLICATE KEY UPDATE {}", set.join(", "))
        }
    }
}

fn port_of(port: i32) -> Result<u16, StoreError> {
    u16::try_from(port).map_err(|_| StoreError::Malformed(format!("port {port} out of range")))
}

/// Decodes a row; the columns override what the JSON says. `None` (logged) if the JSON is bad.
fn decode(row: Row) -> Result<Option<Instance>, StoreError> {
    let (
        hostname,
        port,
        cluster_name,
        last_checked_ms,
        last_seen_ms,
        last_attempted_check_ms,
        valid,
        partial,
        json,
    ) = row;
    let key = InstanceKey { hostname, port: port_of(port)? };
    let mut instance: Instance = match serde_json::from_str(&json) {
        Ok(instance) => instance,
        Err(e) => {
            tracing::warn!(instance = %key, error = %e, "skipping unreadable database_instance row");
            return Ok(None);
        }
    };
    instance.key = key;
    instance.cluster_name = cluster_name;
    instance.last_checked_ms = last_checked_ms;
    instance.last_seen_ms = last_seen_ms;
    instance.last_attempted_check_ms = last_attempted_check_ms;
    instance.is_last_check_valid = valid != 0;
    instance.last_check_partial_success = partial != 0;
    Ok(Some(instance))
}

async fn upsert(
    conn: &mut AnyConnection,
    dialect: Dialect,
    instances: &[Instance],
) -> Result<(), StoreError> {
    let (on_success, on_failure) =
        (upsert_sql(dialect, &ON_SUCCESS), upsert_sql(dialect, &ON_FAILURE));
    for instance in instances {
        let json =
            serde_json::to_string(instance).map_err(|e| StoreError::Malformed(e.to_string()))?;
        let sql = if instance.is_last_check_valid { &on_success } else { &on_failure };
        let first_seen = instance.last_checked_ms.max(instance.last_attempted_check_ms);
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&instance.key.hostname)
            .bind(i32::from(instance.key.port))
            .bind(&instance.cluster_name)
            .bind(instance.last_checked_ms)
            .bind(instance.last_seen_ms)
            .bind(instance.last_attempted_check_ms)
            .bind(i32::from(instance.is_last_check_valid))
            .bind(i32::from(instance.last_check_partial_success))
            .bind(first_seen)
            .bind(json)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn attempts(
    conn: &mut AnyConnection,
    attempts: &[(InstanceKey, i64)],
) -> Result<(), StoreError> {
    for (key, at) in attempts {
        sqlx::query("UPDATE database_instance SET last_attempted_check_ms = ? WHERE hostname = ? AND port = ?")
            .bind(*at)
            .bind(&key.hostname)
            .bind(i32::from(key.port))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Writes probe results in one transaction. A valid instance (successful probe) replaces
    /// the row; an invalid one (failed probe) updates only the check columns and cluster name
    /// of an existing row, or inserts the given record when the key has no row yet.
    pub async fn write_batch(&self, instances: &[Instance]) -> Result<(), StoreError> {
        self.write_probe_batch(&[], instances, &[]).await
    }

    /// Records that probes of `keys` started at `now_ms` (only for keys that have a row).
    pub async fn mark_attempt(&self, keys: &[InstanceKey], now_ms: i64) -> Result<(), StoreError> {
        let marks: Vec<(InstanceKey, i64)> = keys.iter().map(|k| (k.clone(), now_ms)).collect();
        self.write_probe_batch(&marks, &[], &[]).await
    }

    /// One flush of the prober, in one transaction: probe-start marks, results, then deletions.
    pub async fn write_probe_batch(
        &self,
        attempt_marks: &[(InstanceKey, i64)],
        instances: &[Instance],
        forget: &[InstanceKey],
    ) -> Result<(), StoreError> {
        if attempt_marks.is_empty() && instances.is_empty() && forget.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        attempts(&mut tx, attempt_marks).await?;
        upsert(&mut tx, self.dialect(), instances).await?;
        for key in forget {
            delete(&mut tx, key).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every observed instance, in key order, with its stored cluster name.
    pub async fn all_instances(&self) -> Result<Vec<Instance>, StoreError> {
        let sql = format!("{SELECT} ORDER BY hostname, port");
        let rows =
            sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.extend(decode(row)?);
        }
        Ok(out)
    }

    /// One observed instance.
    pub async fn instance(&self, key: &InstanceKey) -> Result<Option<Instance>, StoreError> {
        let sql = format!("{SELECT} WHERE hostname = ? AND port = ?");
        let row = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
            .bind(&key.hostname)
            .bind(i32::from(key.port))
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => decode(row)?,
            None => None,
        })
    }

    /// Deletes an instance's row; `true` if there was one.
    pub async fn forget(&self, key: &InstanceKey) -> Result<bool, StoreError> {
        let mut conn = self.pool().acquire().await?;
        delete(&mut conn, key).await
    }

    /// Deletes instances not seen since `older_than_ms` (never-seen ones: recorded before it);
    /// returns their keys (orchestrator's `UnseenInstanceForgetHours`).
    pub async fn forget_unseen(&self, older_than_ms: i64) -> Result<Vec<InstanceKey>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query_as::<_, (String, i32)>(
            "SELECT hostname, port FROM database_instance WHERE last_seen_ms < ? AND first_seen_ms < ?
             ORDER BY hostname, port",
        )
        .bind(older_than_ms)
        .bind(older_than_ms)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM database_instance WHERE last_seen_ms < ? AND first_seen_ms < ?")
            .bind(older_than_ms)
            .bind(older_than_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(hostname, port)| Ok(InstanceKey { hostname, port: port_of(port)? }))
            .collect()
    }

    /// Keys in the replicated `forgotten_instance` table forgotten after `since_ms`: the prober
    /// must not rediscover them.
    pub async fn forgotten_since(&self, since_ms: i64) -> Result<Vec<InstanceKey>, StoreError> {
        let rows = sqlx::query_as::<_, (String, i32)>(
            "SELECT hostname, port FROM forgotten_instance WHERE forgotten_at_ms > ? ORDER BY hostname, port",
        )
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(hostname, port)| Ok(InstanceKey { hostname, port: port_of(port)? }))
            .collect()
    }

    /// Keys of the replicated `discovered_instance` table (the leader's `discover` commands)
    /// stamped at or after `since_ms`, with their stamps: every node adds them to its discovery.
    pub async fn discovered_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<(InstanceKey, i64)>, StoreError> {
        let rows = sqlx::query_as::<_, (String, i32, i64)>(
            "SELECT hostname, port, discovered_at_ms FROM discovered_instance WHERE discovered_at_ms >= ?",
        )
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(hostname, port, at)| Ok((InstanceKey { hostname, port: port_of(port)? }, at)))
            .collect()
    }
}

async fn delete(conn: &mut AnyConnection, key: &InstanceKey) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM database_instance WHERE hostname = ? AND port = ?")
        .bind(&key.hostname)
        .bind(i32::from(key.port))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BackendConfig;
    use std::time::Duration;

    async fn store(dir: &tempfile::TempDir) -> Store {
        let config = BackendConfig::Sqlite { path: dir.path().join("orc.db") };
        Store::open(&config, Duration::from_secs(5)).await.expect("open store")
    }

    fn observed(name: &str, at: i64, valid: bool) -> Instance {
        let mut i = Instance::new(InstanceKey::new(name, 3306).expect("key"));
        i.version = "10.11.19-MariaDB".into();
        i.cluster_name = format!("{name}:3306");
        i.last_checked_ms = at;
        i.last_attempted_check_ms = at;
        i.is_last_check_valid = valid;
        if valid {
            i.last_seen_ms = at;
            i.server_id = 7;
        }
        i
    }

    #[tokio::test]
    async fn success_then_failure_keeps_last_good_observation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir).await;
        store
            .write_batch(&[observed("a", 1_000, true), observed("b", 1_000, false)])
            .await
            .expect("write");
        let mut failed = observed("a", 2_000, false);
        failed.server_id = 0;
        store.write_batch(&[failed]).await.expect("write failure");
        let a = store
            .instance(&InstanceKey::new("a", 3306).expect("key"))
            .await
            .expect("read")
            .expect("row");
        assert_eq!((a.server_id, a.last_seen_ms, a.last_checked_ms), (7, 1_000, 2_000));
        assert!(!a.is_last_check_valid);
        let all = store.all_instances().await.expect("all");
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].key.hostname, "b");
        assert_eq!(all[1].last_seen_ms, 0);

        store.mark_attempt(std::slice::from_ref(&a.key), 3_000).await.expect("mark");
        let a = store.instance(&a.key).await.expect("read").expect("row");
        assert_eq!((a.last_attempted_check_ms, a.last_checked_ms), (3_000, 2_000));
    }

    #[tokio::test]
    async fn forgets_by_key_and_by_age() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir).await;
        store
            .write_batch(&[
                observed("old", 1_000, true),
                observed("never", 1_500, false),
                observed("new", 9_000, true),
            ])
            .await
            .expect("write");
        let gone = store.forget_unseen(5_000).await.expect("forget unseen");
        let names: Vec<&str> = gone.iter().map(|k| k.hostname.as_str()).collect();
        assert_eq!(names, ["never", "old"]);
        let key = InstanceKey::new("new", 3306).expect("key");
        assert!(store.forget(&key).await.expect("forget"));
        assert!(!store.forget(&key).await.expect("forget again"));
        assert!(store.all_instances().await.expect("all").is_empty());
    }

    #[test]
    fn upserts_per_dialect() {
        assert!(upsert_sql(Dialect::Sqlite, &ON_FAILURE)
            .contains("DO UPDATE SET cluster_name = excluded.cluster_name"));
        let mysql = upsert_sql(Dialect::MySql, &ON_SUCCESS);
        assert!(mysql.contains("ON DUPLICATE KEY UPDATE cluster_name = VALUES(cluster_name)"));
        assert!(!mysql.contains("first_seen_ms = "));
    }
}
