//! Replicated per-cluster recovery switch (`disable-cluster-recovery` /
//! `enable-cluster-recovery`): the clusters, by alias or name, whose automated recovery an
//! operator turned off. Written only by the raft state machine.

use app::core::CommandOutcome;
use sqlx::AnyConnection;

use super::apply_tx::{int, text, ApplyTx};
use super::{Store, StoreError};

/// `disable-cluster-recovery`.
pub async fn disable(
    tx: &mut ApplyTx<'_>,
    cluster: &str,
    now_ms: i64,
) -> Result<CommandOutcome, StoreError> {
    tx.exec("DELETE FROM cluster_recovery_disable WHERE cluster = ?", &[text(cluster)]).await?;
    tx.exec(
        "INSERT INTO cluster_recovery_disable (cluster, set_at_ms) VALUES (?, ?)",
        &[text(cluster), int(now_ms)],
    )
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `enable-cluster-recovery`.
pub async fn enable(tx: &mut ApplyTx<'_>, cluster: &str) -> Result<CommandOutcome, StoreError> {
    let n =
        tx.exec("DELETE FROM cluster_recovery_disable WHERE cluster = ?", &[text(cluster)]).await?;
    Ok(if n == 0 {
        CommandOutcome::Unchanged {
            reason: format!("automated recovery of cluster {cluster} was not disabled"),
        }
    } else {
        CommandOutcome::Applied
    })
}

/// The disabled clusters, sorted (snapshot content).
pub async fn dump(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT cluster FROM cluster_recovery_disable ORDER BY cluster",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Replaces the table's content (snapshot install).
pub async fn restore(tx: &mut ApplyTx<'_>, clusters: &[String]) -> Result<(), StoreError> {
    tx.exec("DELETE FROM cluster_recovery_disable", &[]).await?;
    for c in clusters {
        tx.exec(
            "INSERT INTO cluster_recovery_disable (cluster, set_at_ms) VALUES (?, 0)",
            &[text(c)],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Clusters (aliases or names) whose automated recovery is disabled, sorted.
    pub async fn disabled_clusters(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT cluster FROM cluster_recovery_disable ORDER BY cluster",
        )
        .fetch_all(self.pool())
        .await?)
    }
}
