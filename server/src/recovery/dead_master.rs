//! Master failover (`DeadMaster`, `DeadMasterAndSomeReplicas`): let the replicas drain their
//! relay logs, choose the most advanced eligible replica by executed position and promotion rule,
//! promote it, move the others under it with GTID, fence the old master.

use std::time::{Duration, Instant};

use app::core::candidate::{choose_candidate_with, sql_thread_up_to_date};
use app::core::recovery::RecoveryResolution;
use app::core::{Instance, InstanceKey, PromotionRule, ReplicationAnalysis};
use futures::future::join_all;

use super::runner::{Recovery, RecoveryError};
use crate::topology_ops::mysql_ops::Server;

/// How long replicas get to apply what they already received before the choice.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Fresh observations of `keys` (unreachable ones are left out).
pub async fn reprobe(rec: &Recovery, keys: &[InstanceKey]) -> Vec<Instance> {
    let probes = keys.iter().map(|k| rec.ctx.prober.probe_now(k.clone()));
    join_all(probes).await.into_iter().filter_map(Result::ok).collect()
}

/// A fresh probe of `key`, or why the recovery cannot go on without it.
pub async fn reprobe_one(rec: &Recovery, key: &InstanceKey) -> Result<Instance, RecoveryError> {
    rec.ctx
        .prober
        .probe_now(key.clone())
        .await
        .map_err(|_| RecoveryError::Failed(format!("{key} cannot be reached")))
}

/// Promotion rules as the recovery sees them: replicated registrations (fresh probes do not
/// carry them), with `PromotionIgnoreHostnameFilters` hosts forced to `must_not`.
pub struct Rules {
    registered: std::collections::HashMap<InstanceKey, PromotionRule>,
    detected: std::collections::HashMap<InstanceKey, PromotionRule>,
    ignore: Vec<regex::Regex>,
}

impl Rules {
    /// The rule for `key`: `PromotionIgnoreHostnameFilters`, else a registration, else the
    /// rule `DetectPromotionRuleQuery` found, else neutral.
    pub fn rule(&self, key: &InstanceKey) -> PromotionRule {
        if self.ignore.iter().any(|re| re.is_match(&key.hostname)) {
            PromotionRule::MustNot
        } else {
            self.registered
                .get(key)
                .or_else(|| self.detected.get(key))
                .copied()
                .unwrap_or(PromotionRule::Neutral)
        }
    }

    /// Takes the detected rules (`DetectPromotionRuleQuery`) of fresh probes.
    pub fn detect_from(&mut self, instances: &[Instance]) {
        self.detected = instances.iter().map(|i| (i.key.clone(), i.promotion_rule)).collect();
    }
}

/// Reads the rules in force now.
pub async fn promotion_rules(ctx: &super::Context) -> Result<Rules, RecoveryError> {
    let registered = ctx
        .store
        .active_candidates(ctx.clock.now_ms())
        .await
        .map_err(|e| RecoveryError::Failed(format!("cannot read promotion rules: {e}")))?
        .into_iter()
        .map(|c| (c.key, c.promotion_rule))
        .collect();
    Ok(Rules {
        registered,
        detected: Default::default(),
        ignore: ctx.config.recovery().promotion_ignore_hostname_filters.clone(),
    })
}

fn drained(i: &Instance) -> bool {
    i.sql_delay > 0
        || !i.slave_sql_running.is_running()
        || (i.read_master_coordinates.is_some()
            && i.read_master_coordinates == i.exec_master_coordinates)
}

/// `DelayMasterPromotionIfSQLThreadNotUpToDate`: how long replicas get to apply their relay logs.
const SQL_THREAD_DELAY_TIMEOUT: Duration = Duration::from_secs(600);

/// `DelayMasterPromotionIfSQLThreadNotUpToDate`: waits (up to 10 minutes) until every replica
/// whose SQL thread runs has applied what it received, so whichever is chosen is up to date.
async fn wait_sql_threads(
    rec: &Recovery,
    replicas: &mut Vec<Instance>,
    keys: &[InstanceKey],
) -> Result<(), RecoveryError> {
    let behind = |i: &Instance| i.slave_sql_running.is_running() && !sql_thread_up_to_date(i);
    if !replicas.iter().any(behind) {
        return Ok(());
    }
    rec.step("DelayMasterPromotionIfSQLThreadNotUpToDate: waiting for SQL threads").await?;
    let started = Instant::now();
    while replicas.iter().any(behind) && started.elapsed() < SQL_THREAD_DELAY_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let lags: Vec<_> =
            replicas.iter().map(|i| (i.key.clone(), i.replication_lag_seconds)).collect();
        *replicas = reprobe(rec, keys).await;
        for r in replicas.iter_mut() {
            if r.replication_lag_seconds.is_none() {
                r.replication_lag_seconds =
                    lags.iter().find(|(k, _)| k == &r.key).and_then(|(_, l)| *l);
            }
        }
    }
    rec.step("DelayMasterPromotionIfSQLThreadNotUpToDate: SQL threads caught up (or timed out)")
        .await
}

/// Runs the failover; returns the resolution (successful or not) or an error that aborts it.
pub async fn run(
    rec: &Recovery,
    analysis: &ReplicationAnalysis,
    wanted: Option<&InstanceKey>,
) -> Result<RecoveryResolution, RecoveryError> {
    let ctx = &rec.ctx;
    let failed = analysis.analyzed_instance_key.clone();
    let snapshot = ctx.analysis.get();
    let replica_keys: Vec<InstanceKey> = snapshot.topology.replicas_of(&failed).to_vec();
    if replica_keys.is_empty() {
        return Err(RecoveryError::Failed(format!("{failed} has no known replicas to promote")));
    }
    let discovery = &ctx.config.discovery;

    // 1. Only replicas that (freshly probed) still replicate from the failed master take part:
    //    an analysis a second old may predate an earlier recovery that moved them away.
    let fresh: Vec<Instance> = reprobe(rec, &replica_keys)
        .await
        .into_iter()
        .filter(|i| i.master_key.as_ref() == Some(&failed))
        .collect();
    if fresh.is_empty() {
        return Err(RecoveryError::Failed(format!(
            "no reachable replica still replicates from {failed}; nothing to do"
        )));
    }
    let replica_keys: Vec<InstanceKey> = fresh.iter().map(|i| i.key.clone()).collect();
    // Stop IO threads so every replica applies what it received and positions stop moving.
    rec.ensure_leader()?;
    rec.step(format!("stopping IO threads on {} replicas", replica_keys.len())).await?;
    let stops = fresh
        .iter()
        .map(|i| async move { (i.key.clone(), Server::new(i, discovery).stop_io_thread().await) });
    for (key, result) in join_all(stops).await {
        if let Err(e) = result {
            rec.step(format!("{key}: could not stop IO thread: {e}")).await?;
        }
    }
    let started = Instant::now();
    let mut replicas = reprobe(rec, &replica_keys).await;
    while !replicas.iter().all(drained) && started.elapsed() < DRAIN_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(100)).await;
        replicas = reprobe(rec, &replica_keys).await;
    }

    // 2. Choose.
    let mut registered = promotion_rules(ctx).await?;
    registered.detect_from(&replicas);
    let rules = |k: &InstanceKey| registered.rule(k);
    // The lag a replica showed before the failure (a stopped IO thread reports none now).
    for replica in &mut replicas {
        if replica.replication_lag_seconds.is_none() {
            replica.replication_lag_seconds =
                snapshot.topology.instance(&replica.key).and_then(|i| i.replication_lag_seconds);
        }
    }
    let (failed_dc, failed_region) = match snapshot.topology.instance(&failed) {
        Some(i) => (i.data_center.clone(), i.region.clone()),
        None => (
            analysis.analyzed_instance_data_center.clone(),
            analysis.analyzed_instance_region.clone(),
        ),
    };
    let promotion = &ctx.config.recovery().promotion;
    let constraints = promotion.constraints(&failed_dc, &failed_region, wanted.is_some());
    if promotion.delay_if_sql_thread_not_up_to_date {
        wait_sql_threads(rec, &mut replicas, &replica_keys).await?;
    }
    let mut choice = match choose_candidate_with(&failed, &replicas, &rules, &constraints) {
        Ok(c) => c,
        Err(e) => {
            // Nothing was changed but the IO threads: give them back.
            for replica in &replicas {
                if let Err(err) = Server::new(replica, discovery).start_replication().await {
                    tracing::warn!(key = %replica.key, error = %err, "could not restart replication");
                }
            }
            return Err(RecoveryError::Failed(format!(
                "no candidate to promote: {e}; replication restarted"
            )));
        }
    };
    if let Some(w) = wanted {
        if w != &choice.chosen {
            if !choice.equal.contains(w) {
                return Err(RecoveryError::Failed(format!(
                    "requested candidate {w} is not as advanced as {} (or cannot be promoted)",
                    choice.chosen
                )));
            }
            choice.equal.retain(|k| k != w);
            choice.equal.push(choice.chosen.clone());
            choice.chosen = w.clone();
        }
    }
    let chosen = replicas
        .iter()
        .find(|i| i.key == choice.chosen)
        .ok_or_else(|| RecoveryError::Failed("chosen replica vanished".into()))?;
    rec.step(format!(
        "chose {} (by {:?}); equal {:?}, later {:?}, lost {:?}",
        chosen.key,
        choice.basis,
        keys(&choice.equal),
        keys(&choice.later),
        keys(&choice.lost)
    ))
    .await?;

    // 3. Promote.
    rec.ensure_leader()?;
    let server = Server::new(chosen, discovery);
    server.stop_replication().await.map_err(|e| RecoveryError::Failed(e.to_string()))?;
    if ctx.config.recovery().apply_mysql_promotion {
        server.reset_replication_all().await.map_err(|e| RecoveryError::Failed(e.to_string()))?;
        server.set_read_only(false).await.map_err(|e| RecoveryError::Failed(e.to_string()))?;
    } else if ctx.config.recovery().detach_promoted_master_host {
        // `MasterFailoverDetachReplicaMasterHost`: the promoted replica keeps its replication
        // settings but can never resume from the old master.
        server
            .detach_master_host(&failed)
            .await
            .map_err(|e| RecoveryError::Failed(e.to_string()))?;
        rec.step(format!("{}: detached from {failed}", chosen.key)).await?;
    }
    rec.step(format!("promoted {}", chosen.key)).await?;

    // 4. Move the others under it.
    let master_name = rec.master_name(&chosen.key).await?;
    let mut lost = choice.lost.clone();
    let mut participating = vec![failed.clone(), chosen.key.clone()];
    for key in choice.equal.iter().chain(choice.later.iter()) {
        rec.ensure_leader()?;
        let Some(replica) = replicas.iter().find(|i| &i.key == key) else { continue };
        let moved = async {
            let s = Server::new(replica, discovery);
            s.stop_replication().await?;
            s.change_master_gtid(&master_name, None, false).await?;
            s.start_replication().await
        };
        match moved.await {
            Ok(()) => {
                participating.push(key.clone());
                rec.step(format!("{key} now replicates from {}", chosen.key)).await?;
            }
            Err(e) => {
                lost.push(key.clone());
                rec.step(format!("{key}: could not move under {}: {e}", chosen.key)).await?;
            }
        }
    }

    // 4b. Semi-sync: when the failed master waited for acknowledgements, so does its successor,
    //     and its new replicas acknowledge as the core decides (priority, wait count).
    if let Some(old) = snapshot.topology.instance(&failed).filter(|o| o.semi_sync.master_enabled) {
        restore_semi_sync(rec, old, chosen, &replicas, &participating).await?;
    }

    // 5. Fence the old master, best effort, and keep automation away from it and the lost ones.
    if let Some(old) = snapshot.topology.instance(&failed) {
        match tokio::time::timeout(
            Duration::from_secs(3),
            Server::new(old, discovery).set_read_only(true),
        )
        .await
        {
            Ok(Ok(())) => rec.step(format!("fenced {failed}: read_only=1")).await?,
            _ => {
                rec.step(format!(
                    "{failed} unreachable; could not set read_only (expected when dead)"
                ))
                .await?
            }
        }
    }
    lost.sort();
    lost.dedup();
    // `DetachLostReplicasAfterMasterFailover`: a lost replica must not resume from the old
    // master should it come back.
    if ctx.config.recovery().detach_lost_replicas {
        for key in &lost {
            let Some(replica) = replicas.iter().find(|i| &i.key == key) else { continue };
            if replica.master_key.as_ref() != Some(&failed) {
                continue;
            }
            rec.ensure_leader()?;
            match Server::new(replica, discovery).detach_master_host(&failed).await {
                Ok(()) => rec.step(format!("{key}: lost; detached from {failed}")).await?,
                Err(e) => rec.step(format!("{key}: lost; could not detach: {e}")).await?,
            }
        }
    }
    Ok(rec.promoted(&failed, chosen.key.clone(), lost, participating).await)
}

/// Enables semi-sync on the promoted replica (master side) and on its moved replicas as
/// `semi_sync_actions` decides for the failed master's wait count (orchestrator enables semi-sync
/// on the promoted master and its replicas when the failed master had it).
async fn restore_semi_sync(
    rec: &Recovery,
    old: &Instance,
    chosen: &Instance,
    replicas: &[Instance],
    moved: &[InstanceKey],
) -> Result<(), RecoveryError> {
    let discovery = &rec.ctx.config.discovery;
    rec.ensure_leader()?;
    match Server::new(chosen, discovery).set_semi_sync_master(true).await {
        Ok(()) => rec.step(format!("{}: semi-sync master enabled", chosen.key)).await?,
        Err(e) => {
            rec.step(format!("{}: could not enable semi-sync master: {e}", chosen.key)).await?
        }
    }
    let mut master = chosen.clone();
    master.semi_sync.master_wait_for_replica_count = old.semi_sync.master_wait_for_replica_count;
    master.semi_sync.master_clients = 0;
    let under_it: Vec<Instance> = replicas
        .iter()
        .filter(|r| moved.contains(&r.key) && r.key != chosen.key)
        .map(|r| {
            // Moved and restarted (step 4): replicating from the successor now.
            let mut r = r.clone();
            r.master_key = Some(chosen.key.clone());
            r.slave_io_running = app::core::instance::ThreadState::Yes;
            r.slave_sql_running = app::core::instance::ThreadState::Yes;
            r
        })
        .collect();
    let exact = rec.ctx.config.analysis.config.enforce_exact_semi_sync_replicas;
    for action in app::core::semi_sync::semi_sync_actions(&master, &under_it, exact) {
        let Some(replica) = under_it.iter().find(|r| r.key == action.key) else { continue };
        match Server::new(replica, discovery).set_semi_sync_replica(action.enable).await {
            Ok(()) => {
                rec.step(format!("{}: semi-sync replica set to {}", action.key, action.enable))
                    .await?
            }
            Err(e) => {
                rec.step(format!("{}: could not set semi-sync replica: {e}", action.key)).await?
            }
        }
    }
    Ok(())
}

fn keys(list: &[InstanceKey]) -> Vec<String> {
    list.iter().map(|k| k.to_string()).collect()
}
