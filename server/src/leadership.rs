//! Leader duties and leadership transfer.
//!
//! Every node announces its HTTP URI through raft (orchestrator's `leader-uri`, extended to
//! all members so that any node can reach any other), and while leading it prunes recovery
//! history older than `AuditPurgeDays` every ten minutes, and it proposes a `heartbeat` command every minute, which also expires ended
//! downtimes and registrations on every node at the same log position.
//! Yielding (orchestrator's `raft-yield`) stops this node's heartbeats and candidacy for a
//! window, and asks the other members, except a chosen one, not to stand for election.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use app::api::ApiError;
use app::core::{Command, CommandEnvelope};
use openraft::ServerState;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::node::Node;

/// How often the leader proposes a `heartbeat` command.
pub const HEARTBEAT_COMMAND_INTERVAL: Duration = Duration::from_secs(60);
/// Every how many heartbeats the leader prunes old recovery history (10 minutes).
const PRUNE_EVERY_BEATS: u64 = 10;

/// Runs until shutdown: announce this node's HTTP URI whenever the replicated value differs
/// (so every node can reach every other), heartbeat while leading.
pub async fn run(node: Arc<Node>, mut shutdown: watch::Receiver<bool>) {
    let mut metrics = node.raft.metrics();
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
        if leader.is_none() || node.is_yielding() {
            continue;
        }
        if !announced {
            announced = announce(&node).await;
        }
        if beat && state == ServerState::Leader && leader == Some(node.id) {
            let now = node.clock.now_ms();
            let env = CommandEnvelope::new(Command::Heartbeat, now, node.id);
            if let Err(e) = node.propose(env, true).await {
                tracing::debug!(error = %e, "heartbeat command not committed");
            }
            beats += 1;
            if beats % PRUNE_EVERY_BEATS == 1 {
                // Keeps recovery history (and so snapshots) bounded by age: `AuditPurgeDays`.
                let before_ms = now - node.config.recovery.audit_purge.as_millis() as i64;
                let env = CommandEnvelope::new(Command::PruneHistory { before_ms }, now, node.id);
                if let Err(e) = node.propose(env, true).await {
                    tracing::debug!(error = %e, "history prune not committed");
                }
            }
        }
    }
}

/// Proposes this node's URI unless the replicated value already matches. True when done.
async fn announce(node: &Node) -> bool {
    let uri = node.http_uri();
    if let Ok(Some(stored)) = node.store.leader_uri(node.id).await {
        if stored == uri {
            return true;
        }
    }
    let cmd = Command::LeaderUri { node_id: node.id, uri: uri.clone() };
    match node.propose(CommandEnvelope::new(cmd, node.clock.now_ms(), node.id), false).await {
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

/// Body of `/internal/yield`.
#[derive(Debug, Serialize, Deserialize)]
pub struct YieldRequest {
    /// Node that should take over; `None` lets the others elect whoever they elect.
    pub target: Option<u64>,
}

/// Body of `/internal/hold-elections`.
#[derive(Debug, Serialize, Deserialize)]
pub struct HoldElections {
    /// How long not to stand for election, in milliseconds.
    pub millis: u64,
}

impl Node {
    /// How long a yield lasts (orchestrator: 5 s; never shorter than four election timeouts).
    fn yield_window(&self) -> Duration {
        Duration::from_secs(5).max(self.config.raft.election_timeout * 4)
    }

    /// Stops standing for election for `window` (and, on the leader, stops heartbeats so that the
    /// followers elect someone else).
    pub fn hold_elections(self: &Arc<Self>, window: Duration) {
        let until = self.clock.now_ms() + window.as_millis() as i64;
        self.yielding_until_ms.store(until, Ordering::Relaxed);
        let config = self.raft.runtime_config();
        config.elect(false);
        config.heartbeat(false);
        let node = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            // A later yield may have extended the window; only the last one re-enables.
            if node.clock.now_ms() >= node.yielding_until_ms.load(Ordering::Relaxed) {
                let config = node.raft.runtime_config();
                config.elect(true);
                config.heartbeat(true);
            }
        });
    }

    /// Hands leadership over (to `target` if given). On a follower the request is sent to the leader.
    pub async fn yield_leadership(
        self: &Arc<Self>,
        target: Option<u64>,
    ) -> Result<String, ApiError> {
        let (state, leader) = {
            let m = self.raft.metrics().borrow().clone();
            (m.state, m.current_leader)
        };
        if let Some(t) = target {
            if !self.members.iter().any(|m| m.id == t) {
                return Err(ApiError::Validation(format!("node {t} is not a raft member")));
            }
        }
        if state != ServerState::Leader || leader != Some(self.id) {
            let Some(leader) = leader.filter(|l| *l != self.id) else {
                return Err(ApiError::Unavailable(
                    "no raft leader is known; cannot transfer leadership".into(),
                ));
            };
            let uri = self
                .leader_uri(leader)
                .await
                .ok_or_else(|| ApiError::Unavailable("leader URI unknown".into()))?;
            let resp = self
                .peer_post(&format!("{uri}/internal/yield"))
                .timeout(Duration::from_secs(5))
                .json(&YieldRequest { target })
                .send()
                .await
                .map_err(|e| ApiError::Unavailable(format!("cannot reach leader at {uri}: {e}")))?;
            let body: Result<String, ApiError> = resp
                .json()
                .await
                .map_err(|e| ApiError::Unavailable(format!("bad answer from leader: {e}")))?;
            return body;
        }
        if target == Some(self.id) {
            return Ok("this node is already the leader".into());
        }
        let window = self.yield_window();
        if let Some(t) = target {
            for member in self.members.iter().filter(|m| m.id != self.id && m.id != t) {
                let Some(uri) = self.leader_uri(member.id).await else { continue };
                let sent = self
                    .peer_post(&format!("{uri}/internal/hold-elections"))
                    .timeout(Duration::from_secs(2))
                    .json(&HoldElections { millis: window.as_millis() as u64 })
                    .send()
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(node = member.id, error = %e, "could not ask member to hold elections");
                }
            }
        }
        self.hold_elections(window);
        tracing::info!(?target, ?window, "yielding leadership");
        Ok("Asynchronously yielded".into())
    }
}
