//! Replicated probe-sharing node set (`probe-share-nodes`): the healthy nodes and their data
//! centers as the leader last committed them, from which every node derives who probes which
//! replica. Written only by the raft state machine.

use app::core::probe_share::ShareNode;
use app::core::CommandOutcome;
use sqlx::AnyConnection;

use super::apply_tx::{int, text, ApplyTx};
use super::{Store, StoreError};

/// `probe-share-nodes`: replaces the set.
pub async fn set(tx: &mut ApplyTx<'_>, nodes: &[ShareNode]) -> Result<CommandOutcome, StoreError> {
    tx.exec("DELETE FROM probe_share_node", &[]).await?;
    for n in nodes {
        tx.exec(
            "REPLACE INTO probe_share_node (node_id, data_center) VALUES (?, ?)",
            &[int(id_of(n.id)?), text(&n.data_center)],
        )
        .await?;
    }
    Ok(CommandOutcome::Applied)
}

/// The set, by node id (snapshot content).
pub async fn dump(conn: &mut AnyConnection) -> Result<Vec<ShareNode>, StoreError> {
    rows(sqlx::query_as::<_, (i64, String)>(SELECT).fetch_all(&mut *conn).await?)
}

/// Replaces the table's content (snapshot install).
pub async fn restore(tx: &mut ApplyTx<'_>, nodes: &[ShareNode]) -> Result<(), StoreError> {
    set(tx, nodes).await.map(|_| ())
}

const SELECT: &str = "SELECT node_id, data_center FROM probe_share_node ORDER BY node_id";

fn id_of(id: u64) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| StoreError::Malformed(format!("node id {id} out of range")))
}

fn rows(rows: Vec<(i64, String)>) -> Result<Vec<ShareNode>, StoreError> {
    rows.into_iter()
        .map(|(id, data_center)| {
            let id = u64::try_from(id)
                .map_err(|_| StoreError::Malformed(format!("node id {id} out of range")))?;
            Ok(ShareNode { id, data_center })
        })
        .collect()
}

impl Store {
    /// The probe-sharing node set last committed, by node id (empty: none yet).
    pub async fn probe_share_nodes(&self) -> Result<Vec<ShareNode>, StoreError> {
        rows(sqlx::query_as::<_, (i64, String)>(SELECT).fetch_all(self.pool()).await?)
    }
}
