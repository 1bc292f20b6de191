//! Leader duties: announce this node's HTTP URI, heartbeat, prune history.
//!
//! Every node announces its HTTP URI through raft (orchestrator's `leader-uri`, extended to
//! all members so that any node can reach any other), and while leading it prunes recovery
//! history older than `AuditPurgeDays` every ten minutes, and it proposes a `heartbeat` command every minute, which also expires ended
//! downtimes and registrations on every node at the same log position.
//! Leadership transfer (orchestrator's `raft-yield`) is in `consensus::transfer`.

use std::time::Duration;

use app::core::{Command, CommandEnvelope};
use openraft::ServerState;
use tokio::sync::watch;

use crate::consensus::Consensus;
use crate::propose::Proposer;
use crate::store::Store;

/// What the leader duties use.
pub struct Duties {
    /// This node as a raft member.
    pub consensus: Consensus,
    /// The write path.
    pub proposer: Proposer,
    /// The backend (announced URIs).
    pub store: Store,
    /// `AuditPurgeDays`: recovery history older than this is pruned.
    pub audit_purge: Duration,
}

/// How often the leader proposes a `heartbeat` command.
pub const HEARTBEAT_COMMAND_INTERVAL: Duration = Duration::from_secs(60);
/// Every how many heartbeats the leader prunes old recovery history (10 minutes).
const PRUNE_EVERY_BEATS: u64 = 10;

/// Runs until shutdown: announce this node's HTTP URI whenever the replicated value differs
/// (so every node can reach every other), heartbeat while leading.
pub async fn run(duties: Duties, mut shutdown: watch::Receiver<bool>) {
    let Duties { consensus, proposer, store, audit_purge } = duties;
    let mut metrics = consensus.raft().metrics();
    let mut heartbeat = tokio::time::interval(HEARTBEAT_COMMAND_INTERVAL);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut retry = tokio::time::interval(Duration::from_millis(250));
    let mut announced = false;
    let mut beats: u64 = 0;
    loop {
        let beat = tokio::select! {
            _ = shutdown.changed() => break,
            changed = metrics.changed() => { if changed.is_err() { break; } false }
            _ = heartbeat.tick() => true,
            _ = retry.tick() => false,
        };
        let (state, leader) = {
            let m = metrics.borrow();
            (m.state, m.current_leader)
        };
        if leader.is_none() || consensus.is_yielding() {
            continue;
        }
        if !announced {
            announced = announce(&consensus, &proposer, &store).await;
        }
        let id = consensus.id();
        if beat && state == ServerState::Leader && leader == Some(id) {
            let now = consensus.clock().now_ms();
            let env = CommandEnvelope::new(Command::Heartbeat, now, id);
            if let Err(e) = proposer.propose(env, true).await {
                tracing::debug!(error = %e, "heartbeat command not committed");
            }
            beats += 1;
            if beats % PRUNE_EVERY_BEATS == 1 {
                // Keeps recovery history (and so snapshots) bounded by age: `AuditPurgeDays`.
                let before_ms = now - audit_purge.as_millis() as i64;
                let env = CommandEnvelope::new(Command::PruneHistory { before_ms }, now, id);
                if let Err(e) = proposer.propose(env, true).await {
                    tracing::debug!(error = %e, "history prune not committed");
                }
            }
        }
    }
}

/// Proposes this node's URI unless the replicated value already matches. True when done.
async fn announce(consensus: &Consensus, proposer: &Proposer, store: &Store) -> bool {
    let uri = consensus.http_uri();
    let id = consensus.id();
    if let Ok(Some(stored)) = store.leader_uri(id).await {
        if stored == uri {
            return true;
        }
    }
    let cmd = Command::LeaderUri { node_id: id, uri: uri.clone() };
    match proposer.propose(CommandEnvelope::new(cmd, consensus.clock().now_ms(), id), false).await {
        Ok(_) => {
            tracing::info!(%uri, "announced this node's HTTP URI");
            true
        }
        Err(e) => {
            tracing::debug!(error = %e, "cannot announce this node's HTTP URI yet");
            false
        }
    }
}
