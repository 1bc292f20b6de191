//! Intermediate-master recovery: move the dead intermediate master's replicas up, under its own
//! master (or, when that is unreachable, under a valid sibling), using GTID.

use app::core::recovery::RecoveryResolution;
use app::core::{InstanceKey, ReplicationAnalysis};

use super::dead_master::reprobe;
use super::runner::{Recovery, RecoveryError};
use crate::topology_ops::mysql_ops::Server;

/// Runs the recovery; returns its resolution.
pub async fn run(
    rec: &Recovery,
    analysis: &ReplicationAnalysis,
) -> Result<RecoveryResolution, RecoveryError> {
    let ctx = &rec.ctx;
    let failed = analysis.analyzed_instance_key.clone();
    let snapshot = ctx.analysis.get();
    let orphans: Vec<InstanceKey> = snapshot.topology.replicas_of(&failed).to_vec();
    let grandparent = snapshot.topology.master_of(&failed).cloned().ok_or_else(|| {
        RecoveryError::Failed(format!("{failed} has no master to move its replicas under"))
    })?;
    let parent = reprobe(rec, std::slice::from_ref(&grandparent)).await;
    let new_parent = match parent.first() {
        Some(p) => p.key.clone(),
        None => {
            let siblings: Vec<InstanceKey> = snapshot
                .topology
                .replicas_of(&grandparent)
                .iter()
                .filter(|k| **k != failed)
                .cloned()
                .collect();
            let alive = reprobe(rec, &siblings).await;
            alive
                .into_iter()
                .find(|i| i.is_last_check_valid && i.log_bin && i.log_slave_updates)
                .map(|i| i.key)
                .ok_or_else(|| {
                    RecoveryError::Failed("neither the master nor a sibling is reachable".into())
                })?
        }
    };
    rec.step(format!("moving {} replicas of {failed} under {new_parent}", orphans.len())).await?;
    let discovery = &ctx.config.discovery;
    let parent_name = rec.master_name(&new_parent).await?;
    let mut moved = vec![];
    let mut lost = vec![];
    for replica in reprobe(rec, &orphans).await {
        rec.ensure_leader()?;
        let result = async {
            let s = Server::new(&replica, discovery);
            s.stop_replication().await?;
            s.change_master_gtid(&parent_name, None, false).await?;
            s.start_replication().await
        }
        .await;
        match result {
            Ok(()) => {
                rec.step(format!("{} now replicates from {new_parent}", replica.key)).await?;
                moved.push(replica.key.clone());
            }
            Err(e) => {
                rec.step(format!("{}: could not move: {e}", replica.key)).await?;
                lost.push(replica.key.clone());
            }
        }
    }
    let unreachable: Vec<InstanceKey> =
        orphans.iter().filter(|k| !moved.contains(k) && !lost.contains(k)).cloned().collect();
    lost.extend(unreachable);
    rec.downtime(&failed, "lost-in-recovery").await;
    let mut participating = vec![failed.clone(), new_parent.clone()];
    participating.extend(moved.iter().cloned());
    Ok(RecoveryResolution {
        uid: rec.record.uid.clone(),
        ended_at_ms: ctx.clock.now_ms(),
        is_successful: !moved.is_empty() || orphans.is_empty(),
        successor: Some(new_parent),
        lost_replicas: lost,
        participating,
        error: None,
    })
}
