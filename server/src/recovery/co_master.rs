//! Co-master recovery (`DeadCoMaster`, `DeadCoMasterAndSomeReplicas`), orchestrator's
//! `RecoverDeadCoMaster`: of two masters replicating from each other, one died. The other
//! co-master is promoted (with `CoMasterRecoveryMustPromoteOtherCoMaster`, the default, or when
//! it is writeable); otherwise the core's candidate choice may pick a replica of the dead one.
//! The dead one's replicas move under the promoted server by GTID.
//!
//! Unlike orchestrator, which leaves the promoted co-master's replication pointing at the dead
//! one, the promoted server stops replicating from it (`RESET SLAVE ALL` with
//! `ApplyMySQLPromotionAfterMasterFailover`, else `detach-replica-master-host`), so a returning
//! dead co-master never becomes its master again by itself and the analysis sees one master.

use app::core::candidate::choose_candidate_with;
use app::core::recovery::RecoveryResolution;
use app::core::{Instance, InstanceKey, ReplicationAnalysis};

use super::dead_master::{promotion_rules, reprobe};
use super::runner::{Recovery, RecoveryError};
use crate::topology_ops::mysql_ops::Server;

/// Runs the recovery; returns its resolution.
pub async fn run(
    rec: &Recovery,
    analysis: &ReplicationAnalysis,
) -> Result<RecoveryResolution, RecoveryError> {
    let ctx = &rec.ctx;
    let cfg = ctx.config.recovery();
    let failed = analysis.analyzed_instance_key.clone();
    let other_key = analysis.analyzed_instance_master_key.clone().ok_or_else(|| {
        RecoveryError::Failed(format!("{failed}: the other co-master is unknown"))
    })?;
    let snapshot = ctx.analysis.get();
    let keys: Vec<InstanceKey> = snapshot.topology.replicas_of(&failed).to_vec();
    let fresh: Vec<Instance> = reprobe(rec, &keys)
        .await
        .into_iter()
        .filter(|i| i.master_key.as_ref() == Some(&failed))
        .collect();
    let other = fresh.iter().find(|i| i.key == other_key).cloned().ok_or_else(|| {
        RecoveryError::Failed(format!(
            "other co-master {other_key} is unreachable or no longer replicates from {failed}"
        ))
    })?;
    let must_promote_other = cfg.co_master_must_promote_other || !other.read_only;
    rec.step(format!(
        "other co-master {other_key} ({}); must promote it: {must_promote_other}",
        if other.read_only { "read-only" } else { "writeable" }
    ))
    .await?;

    let discovery = &ctx.config.discovery;
    let chosen: Instance = if must_promote_other {
        other.clone()
    } else {
        let mut rules = promotion_rules(ctx).await?;
        rules.detect_from(&fresh);
        let rule = |k: &InstanceKey| rules.rule(k);
        let constraints = cfg.promotion.constraints(
            &analysis.analyzed_instance_data_center,
            &analysis.analyzed_instance_region,
            false,
        );
        let choice = choose_candidate_with(&failed, &fresh, &rule, &constraints)
            .map_err(|e| RecoveryError::Failed(format!("no candidate to promote: {e}")))?;
        fresh
            .iter()
            .find(|i| i.key == choice.chosen)
            .cloned()
            .ok_or_else(|| RecoveryError::Failed("chosen replica vanished".into()))?
    };

    // Promote: stop replicating from the dead co-master.
    rec.ensure_leader()?;
    let server = Server::new(&chosen, discovery);
    let failed_op =
        |e: crate::topology_ops::mysql_ops::OpError| RecoveryError::Failed(e.to_string());
    if cfg.apply_mysql_promotion {
        server.stop_replication().await.map_err(failed_op)?;
        server.reset_replication_all().await.map_err(failed_op)?;
        server.set_read_only(false).await.map_err(failed_op)?;
    } else {
        server.detach_master_host(&failed).await.map_err(failed_op)?;
    }
    rec.step(format!("promoted {}", chosen.key)).await?;

    // Move the dead co-master's other replicas under it.
    let mut participating = vec![failed.clone(), chosen.key.clone()];
    let mut lost: Vec<InstanceKey> = keys
        .iter()
        .filter(|k| **k != chosen.key && !fresh.iter().any(|i| &i.key == *k))
        .cloned()
        .collect();
    let master_name = rec.master_name(&chosen.key).await?;
    for replica in fresh.iter().filter(|i| i.key != chosen.key) {
        rec.ensure_leader()?;
        let former_master = replica.key == other_key; // the other co-master, when not promoted
        let moved = async {
            let s = Server::new(replica, discovery);
            s.stop_replication().await?;
            s.change_master_gtid(&master_name, None, former_master).await?;
            s.start_replication().await
        };
        match moved.await {
            Ok(()) => {
                participating.push(replica.key.clone());
                rec.step(format!("{} now replicates from {}", replica.key, chosen.key)).await?;
            }
            Err(e) => {
                lost.push(replica.key.clone());
                rec.step(format!("{}: could not move under {}: {e}", replica.key, chosen.key))
                    .await?;
            }
        }
    }
    lost.sort();
    lost.dedup();
    if cfg.detach_lost_replicas {
        for replica in fresh.iter().filter(|i| lost.contains(&i.key)) {
            if let Err(e) = Server::new(replica, discovery).detach_master_host(&failed).await {
                rec.step(format!("{}: lost; could not detach: {e}", replica.key)).await?;
            }
        }
    }
    Ok(rec.promoted(&failed, chosen.key.clone(), lost, participating).await)
}
