//! Semi-sync recoveries (`LockedSemiSyncMaster`, `MasterWithTooManySemiSyncReplicas`): enable or
//! disable `rpl_semi_sync_slave_enabled` on the master's replicas so that exactly (with
//! `EnforceExactSemiSyncReplicas`) or at least (`RecoverLockedSemiSyncMaster`) its wait count
//! acknowledges, as orchestrator's `recoverSemiSyncReplicas` does. The decision is the core's
//! `semi_sync_actions`.

use app::core::recovery::RecoveryResolution;
use app::core::semi_sync::semi_sync_actions;
use app::core::ReplicationAnalysis;

use super::dead_master::{reprobe, reprobe_one};
use super::runner::{Recovery, RecoveryError};
use crate::topology_ops::mysql_ops::Server;

/// Runs the recovery; returns its resolution.
pub async fn run(
    rec: &Recovery,
    analysis: &ReplicationAnalysis,
) -> Result<RecoveryResolution, RecoveryError> {
    let ctx = &rec.ctx;
    let key = analysis.analyzed_instance_key.clone();
    let master = reprobe_one(rec, &key).await?;
    let replica_keys = ctx.analysis.get().topology.replicas_of(&key).to_vec();
    let replicas = reprobe(rec, &replica_keys).await;
    let exact = ctx.config.analysis.config.enforce_exact_semi_sync_replicas;
    let actions = semi_sync_actions(&master, &replicas, exact);
    if actions.is_empty() {
        return Err(RecoveryError::Failed(format!(
            "semi-sync: no replica of {key} can be changed to match its wait count ({}); \
             replicas need a semi-sync priority (DetectSemiSyncEnforcedQuery) and must be replicating",
            master.semi_sync.master_wait_for_replica_count
        )));
    }
    let discovery = &ctx.config.discovery;
    // A replica must not itself wait for acknowledgements (orchestrator's MaybeDisableSemiSyncMaster).
    for replica in
        replicas.iter().filter(|r| r.semi_sync.priority > 0 && r.semi_sync.master_enabled)
    {
        let _ = Server::new(replica, discovery).set_semi_sync_master(false).await;
    }
    let mut participating = vec![key.clone()];
    for action in &actions {
        let Some(replica) = replicas.iter().find(|r| r.key == action.key) else { continue };
        rec.ensure_leader()?;
        Server::new(replica, discovery)
            .set_semi_sync_replica(action.enable)
            .await
            .map_err(|e| RecoveryError::Failed(format!("semi-sync: {e}")))?;
        rec.step(format!(
            "semi-sync: {}: rpl_semi_sync_slave_enabled={}, IO thread restarted",
            action.key,
            u8::from(action.enable)
        ))
        .await?;
        participating.push(action.key.clone());
    }
    Ok(RecoveryResolution {
        uid: rec.record.uid.clone(),
        ended_at_ms: ctx.clock.now_ms(),
        is_successful: true,
        successor: Some(key),
        lost_replicas: vec![],
        participating,
        error: None,
    })
}
