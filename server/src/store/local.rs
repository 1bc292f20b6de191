//! Node-local tables: state-machine bookkeeping and this node's health row. Never replicated.

use sqlx::AnyConnection;

use super::{Store, StoreError};

/// Reads a state-machine bookkeeping value.
pub async fn read_meta(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar::<_, String>("SELECT meta_value FROM raft_sm_meta WHERE meta_key = ?")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Writes a state-machine bookkeeping value (inside the apply transaction).
pub async fn write_meta(
    tx: &mut super::apply_tx::ApplyTx<'_>,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    use super::apply_tx::text;
    tx.exec(
        "REPLACE INTO raft_sm_meta (meta_key, meta_value) VALUES (?, ?)",
        &[text(key), text(value)],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Records that this node is alive; the backend health check is this write succeeding.
    pub async fn write_node_health(&self, node_id: u64, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("REPLACE INTO node_health (node_id, last_seen_ms) VALUES (?, ?)")
            .bind(node_id as i64)
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
