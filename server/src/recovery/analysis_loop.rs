//! Every second (and at once when a probe changed an instance's health), on every node: rebuild the topology from this node's observations, analyze it,
//! record analysis code changes in this node's changelog (`changelog`), publish the result. On the leader only (holding a quorum, past the startup grace): register
//! new failure detections through raft (codes that `registers_detection`), run the detection
//! hooks, and start recoveries the policy allows (codes with a `recovery_kind`) — at most one
//! at a time per cluster on this node, and the raft fence makes it at most one per cluster
//! overall. With `ExpectFailureAnalysisConcensus` a recovery waits until a majority of the
//! voting nodes see the failure (`agreement`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::core::recovery::{
    decide, FailureDetection, RecentRecovery, RecoveryDecision, RecoveryPolicy,
};
use app::core::{
    analyze, AnalysisCode, Command, CommandEnvelope, InstanceKey, PromotionRule,
    ReplicationAnalysis, Topology,
};
use tokio::sync::watch;

use super::runner::{new_uid, recover, Trigger};
use super::Context;
use crate::analysis_state::AnalysisSnapshot;
use crate::hooks::{run_all, HookContext};
use crate::store::StoreError;

/// Builds one snapshot from the node's store at `now_ms`.
pub async fn build_snapshot(ctx: &Context, now_ms: i64) -> Result<AnalysisSnapshot, StoreError> {
    let mut instances = ctx.store.all_instances().await?;
    let rules: HashMap<InstanceKey, PromotionRule> = ctx
        .store
        .active_candidates(now_ms)
        .await?
        .into_iter()
        .map(|c| (c.key, c.promotion_rule))
        .collect();
    for i in &mut instances {
        if let Some(rule) = rules.get(&i.key) {
            i.promotion_rule = *rule;
        }
    }
    let topology = Topology::build(instances);
    let downtimes = ctx.store.active_downtimes(now_ms).await?;
    let settings = &ctx.config.analysis;
    let mut analyses = analyze(&topology, &downtimes, now_ms, &settings.config);
    // `RecoveryIgnoreHostnameFilters`: orchestrator drops these analyses entirely.
    analyses.retain(|a| !settings.recovery_ignore.matches(&a.analyzed_instance_key));
    let overrides: BTreeMap<String, String> =
        ctx.store.alias_overrides().await?.into_iter().collect();
    let mut aliases = BTreeMap::new();
    for cluster in topology.clusters() {
        let alias = overrides
            .get(&cluster.name)
            .cloned()
            .or_else(|| ctx.config.discovery.mapped_cluster_alias(&cluster.name).map(String::from))
            .unwrap_or(cluster.alias);
        aliases.insert(cluster.name, alias);
    }
    for a in &mut analyses {
        if let Some(alias) = aliases.get(&a.cluster_name) {
            a.cluster_alias = alias.clone();
        }
    }
    Ok(AnalysisSnapshot { at_ms: now_ms, topology, analyses, aliases })
}

/// Runs until shutdown.
pub async fn run(ctx: Arc<Context>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut leader_since: Option<Instant> = None;
    let running: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut detected: HashMap<(InstanceKey, AnalysisCode), i64> = HashMap::new();
    let health_changed = ctx.prober.health_changed();
    let mut changelog = super::changelog::Changelog::default();
    let keep_ms = ctx.config.discovery.unseen_instance_forget.as_millis() as i64;
    loop {
        // Every second, and at once when a probe changed an instance's health (a failed
        // master is analysed within the writer's flush interval, not on the next tick).
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
            _ = health_changed.notified() => {}
        }
        let now = ctx.clock.now_ms();
        let snapshot = match build_snapshot(&ctx, now).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "analysis skipped: cannot read the store");
                continue;
            }
        };
        let detectable: Vec<ReplicationAnalysis> = snapshot
            .analyses
            .iter()
            .filter(|a| a.analysis.registers_detection())
            .cloned()
            .collect();
        if let Err(e) = changelog.record(&ctx.store, &snapshot, now, keep_ms).await {
            tracing::warn!(error = %e, "analysis changelog not recorded");
        }
        ctx.analysis.set(snapshot);
        if !ctx.consensus.is_leader_with_quorum() {
            leader_since = None;
            continue;
        }
        let since = *leader_since.get_or_insert_with(Instant::now);
        if detectable.is_empty() || since.elapsed() < ctx.config.recovery().startup_grace {
            continue;
        }
        if let Err(e) = act(&ctx, &detectable, now, &mut detected, &running).await {
            tracing::warn!(error = %e, "recovery checks failed");
        }
    }
}

async fn act(
    ctx: &Arc<Context>,
    detectable: &[ReplicationAnalysis],
    now: i64,
    detected: &mut HashMap<(InstanceKey, AnalysisCode), i64>,
    running: &Arc<Mutex<HashSet<String>>>,
) -> Result<(), StoreError> {
    let cfg = &ctx.config.recovery();
    let block_ms = cfg.recovery_period_block.as_millis() as i64;
    let detection_window = cfg.failure_detection_period_block.as_millis() as i64;
    detected.retain(|_, at| now - *at < detection_window);
    let recent: Vec<RecentRecovery> = ctx
        .store
        .recoveries_since(now - block_ms)
        .await?
        .into_iter()
        .map(|r| RecentRecovery {
            successor: r
                .resolution
                .as_ref()
                .and_then(|x| x.successor.as_ref())
                .map(|k| k.to_string()),
            uid: r.record.uid,
            cluster_name: r.record.cluster_name,
            started_at_ms: r.record.started_at_ms,
            acknowledged: r.ack.is_some(),
            is_failover: r.record.analysis.recovery_kind().is_none_or(|k| k.is_failover()),
        })
        .collect();
    let disabled = ctx.store.global_recoveries_disabled().await?;
    let policy = RecoveryPolicy {
        master_filters: cfg.master_filters.clone(),
        intermediate_master_filters: cfg.intermediate_master_filters.clone(),
        recovery_period_block_ms: block_ms,
        recover_locked_semi_sync: cfg.recover_locked_semi_sync,
        enforce_exact_semi_sync: ctx.config.analysis.config.enforce_exact_semi_sync_replicas,
        disabled_clusters: ctx.store.disabled_clusters().await?,
    };
    for a in detectable {
        let id = (a.analyzed_instance_key.clone(), a.analysis);
        if let std::collections::hash_map::Entry::Vacant(slot) = detected.entry(id) {
            let (key, code) = slot.key().clone();
            if !ctx.store.detection_exists(&key, code, now - detection_window).await? {
                register_detection(ctx, a, now).await;
            }
            slot.insert(now);
        }
        match decide(a, &policy, disabled, &recent, now) {
            RecoveryDecision::Recover => {
                let cluster = a.cluster_name.clone();
                let fresh = running.lock().map(|mut s| s.insert(cluster.clone())).unwrap_or(false);
                if !fresh {
                    continue;
                }
                let (ctx, a, running) = (ctx.clone(), a.clone(), running.clone());
                tokio::spawn(async move {
                    let key = a.analyzed_instance_key.clone();
                    if ctx.config.recovery().expect_failure_analysis_consensus {
                        let agreement = super::agreement::agreement(&ctx, &a).await;
                        if !agreement.is_majority() {
                            tracing::info!(%key, code = %a.analysis, %agreement, "recovery waits: ExpectFailureAnalysisConcensus needs a majority");
                            if let Ok(mut s) = running.lock() {
                                s.remove(&cluster);
                            }
                            return;
                        }
                        tracing::info!(%key, code = %a.analysis, %agreement, "failure agreed by a majority");
                    }
                    match recover(ctx, a, Trigger::automated()).await {
                        Ok(r) => {
                            tracing::info!(%key, successor = ?r.successor, "automated recovery finished")
                        }
                        Err(e) => {
                            tracing::warn!(%key, error = %e, "automated recovery did not complete")
                        }
                    }
                    if let Ok(mut s) = running.lock() {
                        s.remove(&cluster);
                    }
                });
            }
            RecoveryDecision::Blocked { by_uid } => {
                tracing::debug!(key = %a.analyzed_instance_key, %by_uid, "recovery blocked (anti-flapping)");
            }
            RecoveryDecision::NotApplicable(why) => {
                tracing::debug!(key = %a.analyzed_instance_key, %why, "no automated recovery");
            }
            RecoveryDecision::DetectOnly => {}
        }
    }
    Ok(())
}

async fn register_detection(ctx: &Arc<Context>, a: &ReplicationAnalysis, now: i64) {
    let detection = FailureDetection {
        uid: new_uid(ctx),
        key: a.analyzed_instance_key.clone(),
        cluster_name: a.cluster_name.clone(),
        cluster_alias: a.cluster_alias.clone(),
        analysis: a.analysis,
        count_replicas: a.count_replicas,
        is_actionable: a.analysis.is_actionable(),
        detected_at_ms: now,
        processing_node: ctx.consensus.id(),
    };
    let env =
        CommandEnvelope::new(Command::RegisterFailureDetection(detection), now, ctx.consensus.id());
    if let Err(e) = ctx.proposer.propose(env, false).await {
        tracing::warn!(error = %e, "could not register failure detection; hooks not run");
        return;
    }
    tracing::warn!(key = %a.analyzed_instance_key, analysis = a.analysis.as_str(), "failure detected");
    let cfg = &ctx.config.recovery();
    if cfg.hooks.on_failure_detection.is_empty() {
        return;
    }
    let mut hooks = HookContext::default();
    hooks
        .set("failureType", a.analysis.as_str())
        .set("failedHost", a.analyzed_instance_key.hostname.clone())
        .set("failedPort", a.analyzed_instance_key.port.to_string())
        .set("failureCluster", a.cluster_name.clone())
        .set("failureClusterAlias", a.cluster_alias.clone())
        .set("countReplicas", a.count_replicas.to_string())
        .set("isMaster", a.is_master.to_string());
    for r in run_all(&cfg.hooks.on_failure_detection, &hooks, &cfg.shell, cfg.hook_timeout).await {
        if !r.succeeded() {
            tracing::warn!(command = %r.command, code = ?r.code, "OnFailureDetectionProcesses hook failed");
        }
    }
}
