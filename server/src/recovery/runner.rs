//! Running one recovery: register it through raft first (the fence), run hooks, dispatch to the
//! failover of its analysis' `RecoveryKind`, record every step and the outcome through raft. A
//! code without a kind is detect-only: refused before anything is registered.
//!
//! Nothing touches a MySQL server before `write-recovery` is committed; if that commit fails (no
//! quorum) or is skipped (another recovery of the cluster is active), the recovery is abandoned.
//! Before every change to a server the leader re-checks that it still holds a quorum.

use std::sync::Arc;

use app::core::recovery::{RecoveryRecord, RecoveryResolution, RecoveryStep};
use app::core::{
    Command, CommandEnvelope, CommandOutcome, DowntimeRequest, InstanceKey, RecoveryKind,
    ReplicationAnalysis,
};
use thiserror::Error;

use super::hooks::{run_all, HookContext};
use crate::node::Node;

/// Why a recovery did not run or did not finish.
#[derive(Debug, Error)]
pub enum RecoveryError {
    /// `write-recovery` was not committed (no quorum, or leadership lost): nothing was changed.
    #[error("recovery not registered through raft, abandoned: {0}")]
    NotRegistered(String),
    /// Another recovery of the cluster is active or recent and unacknowledged.
    #[error("recovery blocked: {0}")]
    Blocked(String),
    /// A `PreFailoverProcesses` hook failed.
    #[error("aborted by PreFailoverProcesses: {0}")]
    HookAborted(String),
    /// This node lost leadership or its quorum during the recovery.
    #[error("lost leadership during recovery; stopped before the next change")]
    LostLeadership,
    /// The failover itself failed.
    #[error("{0}")]
    Failed(String),
    /// No recovery handles this analysis (it is detect-only): nothing was registered.
    #[error("no recovery for {0}: it is only detected")]
    Unsupported(String),
}

/// Who started the recovery, and with what override.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// Started by an operator (ignores filters, downtime and the block period).
    pub manual: bool,
    /// Promote this replica instead of the chosen one (manual `recover .../:candidate`).
    pub candidate: Option<InstanceKey>,
    /// The operation's name, recorded with the recovery.
    pub operation: &'static str,
}

impl Trigger {
    /// An automated recovery.
    pub fn automated() -> Self {
        Trigger { manual: false, candidate: None, operation: "automated-recovery" }
    }
}

/// A registered recovery in progress: writes its steps through raft.
pub struct Recovery {
    /// The node running it.
    pub node: Arc<Node>,
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
            RecoveryStep { uid: self.record.uid.clone(), at_ms: self.node.clock.now_ms(), message };
        self.propose(Command::WriteRecoveryStep(step)).await.map(|_| ())
    }

    /// Fails unless this node still leads with a quorum (call before every server change).
    pub fn ensure_leader(&self) -> Result<(), RecoveryError> {
        if self.node.is_leader_with_quorum() {
            Ok(())
        } else {
            Err(RecoveryError::LostLeadership)
        }
    }

    async fn propose(&self, command: Command) -> Result<CommandOutcome, RecoveryError> {
        let env = CommandEnvelope::new(command, self.node.clock.now_ms(), self.node.id);
        self.node.propose(env, false).await.map_err(|_| RecoveryError::LostLeadership)
    }

    /// Puts a long downtime on `key` (failed master, lost replicas) through raft.
    pub async fn downtime(&self, key: &InstanceKey, reason: &str) {
        let minutes = self.node.config.recovery.failed_master_downtime.as_secs() / 60;
        match DowntimeRequest::parse(key.clone(), "orchestrator", reason, &format!("{minutes}m")) {
            Ok(req) => {
                if let Err(e) = self.node.submit(app::core::Proposal::BeginDowntime(req)).await {
                    tracing::warn!(%key, error = %e, "could not downtime instance after recovery");
                }
            }
            Err(e) => tracing::warn!(%key, error = %e, "bad downtime request"),
        }
    }
}

fn hook_context(analysis: &ReplicationAnalysis, uid: &str, node: &Node) -> HookContext {
    let mut ctx = HookContext::default();
    let key = &analysis.analyzed_instance_key;
    ctx.set("failureType", analysis.analysis.as_str())
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
        .set("orchestratorHost", node.config.raft_advertise.host().to_string())
        .set("recoveryUID", uid);
    ctx
}

/// A fresh random id for detections and recoveries.
pub fn new_uid(node: &Node) -> String {
    format!("{:x}-{:016x}", node.clock.now_ms(), rand::random::<u64>())
}

/// Registers a recovery of `analysis` through raft (the fence) and records its first step.
pub async fn register(
    node: Arc<Node>,
    analysis: &ReplicationAnalysis,
    trigger: &Trigger,
) -> Result<Recovery, RecoveryError> {
    let uid = new_uid(&node);
    let record = RecoveryRecord {
        uid: uid.clone(),
        key: analysis.analyzed_instance_key.clone(),
        cluster_name: analysis.cluster_name.clone(),
        cluster_alias: analysis.cluster_alias.clone(),
        analysis: analysis.analysis,
        is_manual: trigger.manual,
        started_at_ms: node.clock.now_ms(),
        processing_node: node.id,
        operation: trigger.operation.to_string(),
    };
    let block_ms = node.config.recovery.recovery_period_block.as_millis() as i64;
    let env = CommandEnvelope::new(
        Command::WriteRecovery { recovery: record.clone(), block_ms },
        node.clock.now_ms(),
        node.id,
    );
    match node.propose(env, false).await {
        Ok(CommandOutcome::Applied) => {}
        Ok(CommandOutcome::Skipped { reason } | CommandOutcome::Unchanged { reason }) => {
            return Err(RecoveryError::Blocked(reason))
        }
        Err(e) => return Err(RecoveryError::NotRegistered(e.to_string())),
    }
    let hooks = hook_context(analysis, &uid, &node);
    let rec = Recovery { node, record, hooks };
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
    let cfg = &rec.node.config.recovery;
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
    node: Arc<Node>,
    analysis: ReplicationAnalysis,
    trigger: Trigger,
) -> Result<RecoveryResolution, RecoveryError> {
    let Some(kind) = analysis.analysis.recovery_kind() else {
        // Detect-only: refused before anything is registered, no hook runs.
        return Err(RecoveryError::Unsupported(analysis.analysis.as_str().into()));
    };
    let rec = register(node.clone(), &analysis, &trigger).await?;
    let cfg = &node.config.recovery;
    let result = match run_gate(&rec, &cfg.hooks.pre_failover, "PreFailoverProcesses").await {
        Err(e) => Err(e),
        Ok(()) => match kind {
            RecoveryKind::DeadMaster => {
                super::dead_master::run(&rec, &analysis, trigger.candidate.as_ref()).await
            }
            RecoveryKind::DeadIntermediateMaster => super::intermediate::run(&rec, &analysis).await,
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
    let cfg = &rec.node.config.recovery;
    let mut hooks = rec.hooks.clone();
    let resolution = match &result {
        Ok(r) => r.clone(),
        Err(e) => RecoveryResolution {
            uid: rec.record.uid.clone(),
            ended_at_ms: rec.node.clock.now_ms(),
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
    if let Err(e) = rec.propose(Command::ResolveRecovery(resolution.clone())).await {
        tracing::error!(uid = %rec.record.uid, error = %e, "could not record the recovery's resolution");
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
