//! Planned master change (`graceful-master-takeover[-auto]`): make the master read-only, wait
//! for the designated replica to catch up, promote it, move the other replicas under it, and
//! make the old master replicate from the new one. Registered through raft like a failover.

use std::sync::Arc;

use app::core::recovery::RecoveryResolution;
use app::core::{choose_candidate, AnalysisCode, InstanceKey};

use super::dead_master::{promotion_rules, reprobe};
use super::runner::{finish, register, run_gate, Recovery, RecoveryError, Trigger};
use super::Context;
use crate::topology_ops::mysql_ops::Server;

/// Runs a graceful takeover of `cluster`; `designated` picks the new master (auto: the best replica).
pub async fn takeover(
    ctx: Arc<Context>,
    cluster: &str,
    designated: Option<InstanceKey>,
) -> Result<RecoveryResolution, RecoveryError> {
    let snapshot = ctx.analysis.get();
    let master = snapshot
        .master_of_cluster(cluster)
        .ok_or_else(|| RecoveryError::Failed(format!("cluster {cluster} has no known master")))?;
    let mut analysis = snapshot
        .analysis_of(&master)
        .ok_or_else(|| RecoveryError::Failed(format!("no analysis for master {master}")))?;
    if analysis.analysis != AnalysisCode::NoProblem && !analysis.analysis.is_structure_warning() {
        return Err(RecoveryError::Failed(format!(
            "master {master} is not healthy ({}); use recover or force-master-failover",
            analysis.analysis.as_str()
        )));
    }
    analysis.analysis = AnalysisCode::NoProblem;
    let trigger = Trigger {
        manual: true,
        candidate: designated.clone(),
        operation: "graceful-master-takeover",
    };
    let rec = register(ctx.clone(), &analysis, &trigger).await?;
    let cfg = &ctx.config.recovery();
    let result = match run_gate(
        &rec,
        &cfg.hooks.pre_graceful_takeover,
        "PreGracefulTakeoverProcesses",
    )
    .await
    {
        Err(e) => Err(e),
        Ok(()) => run(&rec, &master, designated).await,
    };
    finish(&rec, result, &[&cfg.hooks.post_graceful_takeover]).await
}

async fn run(
    rec: &Recovery,
    master_key: &InstanceKey,
    designated: Option<InstanceKey>,
) -> Result<RecoveryResolution, RecoveryError> {
    let ctx = &rec.ctx;
    let discovery = &ctx.config.discovery;
    let snapshot = ctx.analysis.get();
    let replica_keys = snapshot.topology.replicas_of(master_key).to_vec();
    let mut fresh = reprobe(rec, std::slice::from_ref(master_key)).await;
    let master = fresh
        .pop()
        .ok_or_else(|| RecoveryError::Failed(format!("master {master_key} is unreachable")))?;
    let replicas = reprobe(rec, &replica_keys).await;
    let target = match designated {
        Some(d) => replicas.iter().find(|r| r.key == d).ok_or_else(|| {
            RecoveryError::Failed(format!("{d} is not a reachable direct replica of {master_key}"))
        })?,
        None => {
            let registered = promotion_rules(ctx).await?;
            let rules = |k: &InstanceKey| registered.rule(k);
            let dc = (!master.data_center.is_empty()).then_some(master.data_center.as_str());
            let choice = choose_candidate(master_key, &replicas, &rules, dc)
                .map_err(|e| RecoveryError::Failed(format!("no replica can take over: {e}")))?;
            replicas
                .iter()
                .find(|r| r.key == choice.chosen)
                .ok_or_else(|| RecoveryError::Failed("chosen replica vanished".into()))?
        }
    };
    if !target.log_bin || !target.has_gtid() {
        return Err(RecoveryError::Failed(format!(
            "{} needs binary logs and GTID to take over",
            target.key
        )));
    }
    let old = Server::new(&master, discovery);
    let new = Server::new(target, discovery);
    let failed = |e: crate::topology_ops::mysql_ops::OpError| RecoveryError::Failed(e.to_string());

    rec.ensure_leader()?;
    old.set_read_only(true).await.map_err(failed)?;
    rec.step(format!("{master_key} set read_only; waiting for {} to catch up", target.key)).await?;
    let position = old.executed_gtid().await.map_err(failed)?;
    if let Err(e) = new.wait_for_gtid(&position, ctx.config.recovery().maintenance_lag).await {
        // Undo: the master takes writes again; nothing else changed.
        let undo = old.set_read_only(false).await;
        return Err(RecoveryError::Failed(format!("{e}; master made writable again ({undo:?})")));
    }
    rec.step(format!("{} caught up with {position}", target.key)).await?;

    rec.ensure_leader()?;
    new.stop_replication().await.map_err(failed)?;
    new.reset_replication_all().await.map_err(failed)?;
    new.set_read_only(false).await.map_err(failed)?;
    rec.step(format!("promoted {}", target.key)).await?;

    let master_name = rec.master_name(&target.key).await?;
    let mut lost = vec![];
    let mut participating = vec![master_key.clone(), target.key.clone()];
    for replica in replicas.iter().filter(|r| r.key != target.key) {
        rec.ensure_leader()?;
        let s = Server::new(replica, discovery);
        let moved = async {
            s.stop_replication().await?;
            s.change_master_gtid(&master_name, None, false).await?;
            s.start_replication().await
        };
        match moved.await {
            Ok(()) => {
                participating.push(replica.key.clone());
                rec.step(format!("{} now replicates from {}", replica.key, target.key)).await?;
            }
            Err(e) => {
                lost.push(replica.key.clone());
                rec.step(format!("{}: could not move: {e}", replica.key)).await?;
            }
        }
    }

    rec.ensure_leader()?;
    let cfg = ctx.config.recovery();
    let creds = Server::new(target, &ctx.config.discovery)
        .replication_credentials(&cfg.replication_credentials_query, &cfg.replica_credentials)
        .await;
    let demote = async {
        old.change_master_gtid(&master_name, Some(&creds), true).await?;
        old.start_replication().await
    };
    match demote.await {
        Ok(()) => rec.step(format!("{master_key} now replicates from {}", target.key)).await?,
        Err(e) => {
            rec.step(format!("{master_key} could not be made a replica (left read-only): {e}"))
                .await?;
            lost.push(master_key.clone());
        }
    }
    Ok(RecoveryResolution {
        uid: rec.record.uid.clone(),
        ended_at_ms: ctx.clock.now_ms(),
        is_successful: true,
        successor: Some(target.key.clone()),
        lost_replicas: lost,
        participating,
        error: None,
    })
}
