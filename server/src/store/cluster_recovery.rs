//! Replicated per-cluster recovery switch (`disable-cluster-recovery` /
//! `enable-cluster-recovery`): the clusters, by alias or name, whose automated recovery an
//! operator turned off. Written only by the raft state machine.

use app::core::CommandOutcome;
use sqlx::AnyConnection;

use super::{Store, StoreError};

/// `disable-cluster-recovery`.
pub async fn disable(
    conn: &mut AnyConnection,
    cluster: &str,
    now_ms: i64,
) -> Result<CommandOutcome, StoreError> {
    sqlx::query("DELETE FROM cluster_recovery_disable WHERE cluster = ?")
        .bind(cluster)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO cluster_recovery_disable (cluster, set_at_ms) VALUES (?, ?)")
        .bind(cluster)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    Ok(CommandOutcome::Applied)
}

/// `enable-cluster-recovery`.
pub async fn enable(conn: &mut AnyConnection, cluster: &str) -> Result<CommandOutcome, StoreError> {
    let n = sqlx::query("DELETE FROM cluster_recovery_disable WHERE cluster = ?")
        .bind(cluster)
        .execute(&mut *conn)
        .await?
        .rows_affected();
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
pub async fn restore(conn: &mut AnyConnection, clusters: &[String]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM cluster_recovery_disable").execute(&mut *conn).await?;
    for c in clusters {
        sqlx::query("INSERT INTO cluster_recovery_disable (cluster, set_at_ms) VALUES (?, 0)")
            .bind(c)
            .execute(&mut *conn)
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
