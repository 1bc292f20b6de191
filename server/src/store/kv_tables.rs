//! Key-value master discovery in the backend: the replicated pairs (`kv_pair`, written only by
//! the state machine) and this node's outbox bookkeeping (`kv_published`: what it last wrote
//! to each of its own stores). A pair whose value differs from what a store last received is
//! pending for that store; the publisher (`crate::kv`) retries it until it succeeds, across
//! restarts, and a node that was down or restored from a snapshot catches up the same way.

use app::core::kv::KvPair;
use app::core::CommandOutcome;
use sqlx::AnyConnection;

use super::apply_tx::{text, ApplyTx};
use super::{Store, StoreError};

/// Applies `put-key-value` (inside the state machine's transaction).
pub async fn put(tx: &mut ApplyTx<'_>, pairs: &[KvPair]) -> Result<CommandOutcome, StoreError> {
    for p in pairs {
        tx.exec(
            "REPLACE INTO kv_pair (kv_key, kv_value) VALUES (?, ?)",
            &[text(&p.key), text(&p.value)],
        )
        .await?;
    }
    Ok(CommandOutcome::Applied)
}

/// Every replicated pair, by key.
pub async fn dump(conn: &mut AnyConnection) -> Result<Vec<KvPair>, StoreError> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "SELECT kv_key, kv_value FROM kv_pair ORDER BY kv_key",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(key, value)| KvPair { key, value })
    .collect())
}

/// Replaces the replicated pairs (snapshot install).
pub async fn restore(tx: &mut ApplyTx<'_>, pairs: &[KvPair]) -> Result<(), StoreError> {
    tx.exec("DELETE FROM kv_pair", &[]).await?;
    put(tx, pairs).await.map(|_| ())
}

impl Store {
    /// Every replicated pair, by key.
    pub async fn kv_pairs(&self) -> Result<Vec<KvPair>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        dump(&mut conn).await
    }

    /// Pairs whose value `store` has not received yet, by key.
    pub async fn kv_pending(&self, store: &str) -> Result<Vec<KvPair>, StoreError> {
        Ok(sqlx::query_as::<_, (String, String)>(
            "SELECT p.kv_key, p.kv_value FROM kv_pair p
             LEFT JOIN kv_published s ON s.store_name = ? AND s.kv_key = p.kv_key
             WHERE s.kv_value IS NULL OR s.kv_value <> p.kv_value
             ORDER BY p.kv_key",
        )
        .bind(store)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|(key, value)| KvPair { key, value })
        .collect())
    }

    /// Records that `store` received `pairs`.
    pub async fn kv_mark_published(&self, store: &str, pairs: &[KvPair]) -> Result<(), StoreError> {
        for p in pairs {
            sqlx::query(
                "REPLACE INTO kv_published (store_name, kv_key, kv_value) VALUES (?, ?, ?)",
            )
            .bind(store)
            .bind(&p.key)
            .bind(&p.value)
            .execute(self.pool())
            .await?;
        }
        Ok(())
    }
}
