//! Running one recovery: register it through raft first (the fence), run hooks, dispatch to the
//! failover of its analysis' `RecoveryKind`, record every step and the outcome through raft. A
//! code without a kind is detect-only: refused before anything is registered.
//!
//! Nothing touches a MySQL server before `write-recovery` is committed; if that commit fails (no
//! quorum) or is skipped (another recovery of the cluster is active), the recovery is abandoned.
//! Before every change to a server the leader re-checks that it still holds a quorum.

use std::sync::Arc;

use app::core::recovery::{RecoveryRecord, RecoveryResolution, RecoveryStep};
pub use app::core::recovery_run::{RecoveryError, Trigger};
use app::core::{
    Command, CommandEnvelope, CommandOutcome, DowntimeRequest, InstanceKey, RecoveryKind,
    ReplicationAnalysis,
};

use super::Context;
use crate::hooks::{run_all, HookContext};

/// A registered recovery in progress: writes its steps through raft.
pub struct Recovery {
    /// The node running it.
    pub ctx: Arc<Context>,
    /// Its record.
    pub record: RecoveryRecord,
    /// Hook values.
    pub hooks: HookContext,
}

impl Recovery {
    /// Records an audit line through raft (also logged). Fails if raft does not commit it.
    pub async fn step(&self, message: impl Into<String>) -> Result<(), RecoveryError> {
        let message = message.into();
        tracing::info!(uid = %self.record.uid, %message, "recovery step");
        let step =
            RecoveryStep { uid: self.record.uid.clone(), at_ms: self.ctx.clock.now_ms(), message };
        self.propose(Command::WriteRecoveryStep(step)).await.map(|_| ())
    }

    /// Fails unless this node still leads with a quorum (call before every server change).
    pub fn ensure_leader(&self) -> Result<(), RecoveryError> {
        if self.ctx.consensus.is_leader_with_quorum() {
            Ok(())
        } else {
            Err(RecoveryError::LostLeadership)
        }
    }

    async fn propose(&self, command: Command) -> Result<CommandOutcome, RecoveryError> {
        let env = CommandEnvelope::new(command, self.ctx.clock.now_ms(), self.ctx.consensus.id());
        self.ctx.proposer.propose(env, false).await.map_err(|_| RecoveryError::LostLeadership)
    }

    /// The name this recovery's `CHANGE MASTER TO` gives `master`: its registered virtual name
    /// when one is in force and resolves back (`register-hostname-unresolve`, as topology
    /// operations name masters). When the registration does not resolve back, the master's own
    /// host name is used and a step says so: a recovery does not leave replicas on a dead master
    /// over a registration (orchestrator fails each move instead).
    pub async fn master_name(&self, master: &InstanceKey) -> Result<InstanceKey, RecoveryError> {
        match crate::topology_ops::master_to_name(&self.ctx.ops_context(), master).await {
            Ok(name) if name == *master => Ok(name),
            Ok(name) => {
                self.step(format!("{master} is named {} in CHANGE MASTER TO", name.hostname))
                    .await?;
                Ok(name)
            }
            Err(e) => {
                self.step(format!("{e}; {master} is named by its host name")).await?;
                Ok(master.clone())
            }
        }
    }

    /// Puts a long downtime on `key` (failed master, lost replicas) through raft.
    pub async fn downtime(&self, key: &InstanceKey, reason: &str) {
        self.downtime_for(key, reason, None).await
    }

    /// Puts a downtime of `length` (default `FailedMasterDowntimeMinutes`) on `key`.
    pub async fn downtime_for(
        &self,
        key: &InstanceKey,
        reason: &str,
        length: Option<std::time::Duration>,
    ) {
        let length = length.unwrap_or(self.ctx.config.recovery().failed_master_downtime);
        let minutes = (length.as_secs() / 60).max(1);
        match DowntimeRequest::parse(key.clone(), "orchestrator", reason, &format!("{minutes}m")) {
            Ok(req) => {
                if let Err(e) =
                    self.ctx.proposer.submit(app::core::Proposal::BeginDowntime(req)).await
                {
                    tracing::warn!(%key, error = %e, "could not downtime instance after recovery");
                }
            }
            Err(e) => tracing::warn!(%key, error = %e, "bad downtime request"),
        }
    }

    /// The end of a successful promotion: the failed server and every lost replica get the
    /// `MasterFailoverLostInstancesDowntimeMinutes` downtime, and the resolution names them.
    pub async fn promoted(
        &self,
        failed: &InstanceKey,
        successor: InstanceKey,
        lost: Vec<InstanceKey>,
        participating: Vec<InstanceKey>,
    ) -> RecoveryResolution {
        let downtime = self.ctx.config.recovery().lost_instances_downtime;
        self.downtime_for(failed, "lost-in-recovery", downtime).await;
        for key in &lost {
            self.downtime_for(key, "lost-in-recovery", downtime).await;
        }
        RecoveryResolution {
            uid: self.record.uid.clone(),
            ended_at_ms: self.ctx.clock.now_ms(),
            is_successful: true,
            successor: Some(successor),
            lost_replicas: lost,
            participating,
            error: None,
        }
    }
}

fn hook_context(analysis: &ReplicationAnalysis, uid: &str, ctx: &Context) -> HookContext {
    let mut hooks = HookContext::default();
    let key = &analysis.analyzed_instance_key;
    hooks
        .set("failureType", analysis.analysis.as_str())
        .set("instanceType", format!("{:?}", analysis.instance_type()).to_lowercase())
        .set("isMaster", analysis.is_master.to_string())
        .set("isCoMaster", analysis.is_co_master.to_string())
        .set("failureDescription", analysis.description.clone())
        .set("failedHost", key.hostname.clone())
        .set("failedPort", key.port.to_string())
        .set("failureCluster", analysis.cluster_name.clone())
        .set("failureClusterAlias", analysis.cluster_alias.clone())
        .set("countReplicas", analysis.count_replicas.to_string())
        .set("isDowntimed", analysis.is_downtimed.to_string())
        .set(
            "replicaHosts",
            analysis.replicas.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(","),
        )
        .set("orchestratorHost", ctx.config.raft.advertise.host().to_string())
        .set("recoveryUID", uid);
    hooks
}

/// A fresh random id for detections and recoveries.
pub fn new_uid(ctx: &Context) -> String {
    format!("{:x}-{:016x}", ctx.clock.now_ms(), rand::random::<u64>())
}

/// Registers a recovery of `analysis` through raft (the fence) and records its first step.
pub async fn register(
    ctx: Arc<Context>,
    analysis: &ReplicationAnalysis,
    trigger: &Trigger,
) -> Result<Recovery, RecoveryError> {
    let uid = new_uid(&ctx);
    let record = RecoveryRecord {
        uid: uid.clone(),
        key: analysis.analyzed_instance_key.clone(),
        cluster_name: analysis.cluster_name.clone(),
        cluster_alias: analysis.cluster_alias.clone(),
        analysis: analysis.analysis,
        is_manual: trigger.manual,
        started_at_ms: ctx.clock.now_ms(),
        processing_node: ctx.consensus.id(),
        operation: trigger.operation.to_string(),
    };
    let block_ms = ctx.config.recovery().recovery_period_block.as_millis() as i64;
    let env = CommandEnvelope::new(
        Command::WriteRecovery { recovery: record.clone(), block_ms },
        ctx.clock.now_ms(),
        ctx.consensus.id(),
    );
    match ctx.proposer.propose(env, false).await {
        Ok(CommandOutcome::Applied) => {}
        Ok(CommandOutcome::Skipped { reason } | CommandOutcome::Unchanged { reason }) => {
            return Err(RecoveryError::Blocked(reason))
        }
        Err(e) => return Err(RecoveryError::NotRegistered(e.to_string())),
    }
    crate::metrics::record::recovery_started(analysis.analysis.as_str());
    let hooks = hook_context(analysis, &uid, &ctx);
    let rec = Recovery { ctx, record, hooks };
    rec.step(format!(
        "registered {} of {} ({})",
        trigger.operation,
        analysis.analyzed_instance_key,
        analysis.analysis.as_str()
    ))
    .await?;
    Ok(rec)
}

/// Runs `hooks`; the first failure aborts with its description.
pub async fn run_gate(rec: &Recovery, hooks: &[String], what: &str) -> Result<(), RecoveryError> {
    let cfg = &rec.ctx.config.recovery();
    let results = run_all(hooks, &rec.hooks, &cfg.shell, cfg.hook_timeout).await;
    match results.iter().find(|r| !r.succeeded()) {
        Some(failed) => Err(RecoveryError::HookAborted(format!(
            "{what}: {} exited {:?}: {}",
            failed.command,
            failed.code,
            failed.output.trim()
        ))),
        None => Ok(()),
    }
}

/// Registers and runs the recovery of `analysis`. Returns the resolution it recorded.
pub async fn recover(
    ctx: Arc<Context>,
    analysis: ReplicationAnalysis,
    trigger: Trigger,
) -> Result<RecoveryResolution, RecoveryError> {
    let Some(kind) = analysis.analysis.recovery_kind() else {
        // Detect-only: refused before anything is registered, no hook runs.
        return Err(RecoveryError::Unsupported(analysis.analysis.as_str().into()));
    };
    let rec = register(ctx.clone(), &analysis, &trigger).await?;
    let cfg = &ctx.config.recovery();
    let result = match run_gate(&rec, &cfg.hooks.pre_failover, "PreFailoverProcesses").await {
        Err(e) => Err(e),
        Ok(()) => match kind {
            RecoveryKind::DeadMaster => {
                super::dead_master::run(&rec, &analysis, trigger.candidate.as_ref()).await
            }
            RecoveryKind::DeadIntermediateMaster => super::intermediate::run(&rec, &analysis).await,
            RecoveryKind::DeadCoMaster => super::co_master::run(&rec, &analysis).await,
            RecoveryKind::NonWriteableMaster => super::non_writeable::run(&rec, &analysis).await,
            RecoveryKind::SemiSyncReplicas => super::semi_sync::run(&rec, &analysis).await,
        },
    };
    let specific = if analysis.is_master || analysis.is_co_master {
        &cfg.hooks.post_master_failover
    } else {
        &cfg.hooks.post_intermediate_master_failover
    };
    finish(&rec, result, &[specific, &cfg.hooks.post_failover]).await
}

/// Records the outcome through raft and runs `on_success` hook lists (or
/// `PostUnsuccessfulFailoverProcesses` on failure).
pub async fn finish(
    rec: &Recovery,
    result: Result<RecoveryResolution, RecoveryError>,
    on_success: &[&Vec<String>],
) -> Result<RecoveryResolution, RecoveryError> {
    let cfg = &rec.ctx.config.recovery();
    let mut hooks = rec.hooks.clone();
    let resolution = match &result {
        Ok(r) => r.clone(),
        Err(e) => RecoveryResolution {
            uid: rec.record.uid.clone(),
            ended_at_ms: rec.ctx.clock.now_ms(),
            is_successful: false,
            successor: None,
            lost_replicas: vec![],
            participating: vec![],
            error: Some(e.to_string()),
        },
    };
    hooks.set("isSuccessful", resolution.is_successful.to_string());
    if let Some(s) = &resolution.successor {
        hooks.set("successorHost", s.hostname.clone()).set("successorPort", s.port.to_string());
    }
    let lost = resolution.lost_replicas.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    hooks.set("lostReplicas", lost.join(",")).set("countLostReplicas", lost.len().to_string());
    let _ = rec
        .step(match &resolution.error {
            None => format!(
                "done; successor {}",
                resolution.successor.as_ref().map(|k| k.to_string()).unwrap_or_default()
            ),
            Some(e) => format!("failed: {e}"),
        })
        .await;
    let took_ms = resolution.ended_at_ms.saturating_sub(rec.record.started_at_ms).max(0);
    crate::metrics::record::recovery_finished(
        rec.record.analysis.as_str(),
        resolution.is_successful,
        std::time::Duration::from_millis(took_ms as u64),
    );
    if let Err(e) = rec.propose(Command::ResolveRecovery(resolution.clone())).await {
        tracing::error!(uid = %rec.record.uid, error = %e, "could not record the recovery's resolution");
    }
    // A new master (failover or takeover): its KV pairs, through raft.
    if let (true, Some(successor)) = (resolution.is_successful, &resolution.successor) {
        if rec.record.cluster_name == rec.record.key.to_string() && successor != &rec.record.key {
            let alias = if rec.record.cluster_alias.is_empty() {
                rec.record.cluster_name.clone()
            } else {
                rec.record.cluster_alias.clone()
            };
            let kv = rec.ctx.kv_context();
            let pairs = crate::kv::masters::pairs_of(&kv, &alias, successor).await;
            match crate::kv::masters::submit(&kv, pairs).await {
                Ok(n) => {
                    let _ = rec
                        .step(format!(
                            "submitted {n} KV pairs naming {successor} master of {alias}"
                        ))
                        .await;
                }
                Err(e) => {
                    tracing::error!(uid = %rec.record.uid, error = %e, "could not submit the new master to KV")
                }
            }
        }
    }
    let failure_hooks = [&cfg.hooks.post_unsuccessful_failover];
    let lists: &[&Vec<String>] = if resolution.is_successful { on_success } else { &failure_hooks };
    for list in lists {
        for r in run_all(list, &hooks, &cfg.shell, cfg.hook_timeout).await {
            let _ = rec.step(format!("hook {:?} exited {:?}", r.command, r.code)).await;
        }
    }
    result
}
