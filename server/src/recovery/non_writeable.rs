//! `NoWriteableMasterStructureWarning` recovery (`RecoverNonWriteableMaster`): a master with
//! replicating replicas is read-only; make it writeable, as orchestrator's
//! `checkAndRecoverNonWriteableMaster` does.

use app::core::recovery::RecoveryResolution;
use app::core::ReplicationAnalysis;

use super::dead_master::reprobe_one;
use super::runner::{Recovery, RecoveryError};
use crate::topology_ops::mysql_ops::Server;

/// Runs the recovery; returns its resolution.
pub async fn run(
    rec: &Recovery,
    analysis: &ReplicationAnalysis,
) -> Result<RecoveryResolution, RecoveryError> {
    let ctx = &rec.ctx;
    let key = analysis.analyzed_instance_key.clone();
    let master = &reprobe_one(rec, &key).await?;
    if master.master_key.is_some() {
        return Err(RecoveryError::Failed(format!("{key} is no longer a master; nothing to do")));
    }
    if master.read_only {
        rec.ensure_leader()?;
        Server::new(master, &ctx.config.discovery)
            .set_read_only(false)
            .await
            .map_err(|e| RecoveryError::Failed(e.to_string()))?;
        rec.step(format!("{key}: read_only=0")).await?;
    } else {
        rec.step(format!("{key} is already writeable")).await?;
    }
    Ok(RecoveryResolution {
        uid: rec.record.uid.clone(),
        ended_at_ms: ctx.clock.now_ms(),
        is_successful: true,
        successor: Some(key.clone()),
        lost_replicas: vec![],
        participating: vec![key],
        error: None,
    })
}
