//! Leadership transfer (orchestrator's `raft-yield`) and election holds.
//!
//! Yielding stops this node's heartbeats and candidacy for a window, and asks the other members,
//! except a chosen one, not to stand for election, so that the chosen one wins.

use std::time::Duration;

use app::api::ApiError;
use openraft::ServerState;
use serde::{Deserialize, Serialize};

use super::Consensus;

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

impl Consensus {
    /// How long a yield lasts (orchestrator: 5 s; never shorter than four election timeouts).
    fn yield_window(&self) -> Duration {
        Duration::from_secs(5).max(self.election_timeout() * 4)
    }

    /// Stops standing for election for `window` (and, on the leader, stops heartbeats so that the
    /// followers elect someone else).
    pub fn hold_elections(&self, window: Duration) {
        let until = self.clock().now_ms() + window.as_millis() as i64;
        self.set_yielding_until(until);
        let config = self.raft().runtime_config();
        config.elect(false);
        config.heartbeat(false);
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            // A later yield may have extended the window; only the last one re-enables.
            if me.clock().now_ms() >= me.yielding_until() {
                let config = me.raft().runtime_config();
                config.elect(true);
                config.heartbeat(true);
            }
        });
    }

    /// Hands leadership over (to `target` if given). On a follower the request is sent to the
    /// leader.
    pub async fn yield_leadership(&self, target: Option<u64>) -> Result<String, ApiError> {
        let m = self.metrics();
        let (state, leader) = (m.state, m.current_leader);
        if let Some(t) = target {
            if !self.members().iter().any(|m| m.id == t) {
                return Err(ApiError::Validation(format!("node {t} is not a raft member")));
            }
        }
        if state != ServerState::Leader || leader != Some(self.id()) {
            let uri = self.other_leader_uri("cannot transfer leadership").await?;
            let resp = self
                .peers()
                .post(&format!("{uri}/internal/yield"))
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
        if target == Some(self.id()) {
            return Ok("this node is already the leader".into());
        }
        let window = self.yield_window();
        if let Some(t) = target {
            for member in self.members().iter().filter(|m| m.id != self.id() && m.id != t) {
                let Some(uri) = self.peers().route_to(member.id).await else { continue };
                let sent = self
                    .peers()
                    .post(&format!("{uri}/internal/hold-elections"))
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
