//! The one path into raft: commit a command on the leader, forwarding from a follower.
//!
//! A write answers only after the entry is committed and applied on the leader. Without a
//! leader that holds a quorum it fails fast with `ProposeError` (HTTP 503), never hangs.

use std::time::Duration;

use app::api::ApiError;
use app::core::{CommandEnvelope, CommandOutcome};
use openraft::ServerState;
use thiserror::Error;

use crate::batcher::WriteFailure;
use crate::node::Node;

/// Longest wait for a commit (orchestrator's raft Apply timeout is 10 s).
pub const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a command was not committed.
#[derive(Debug, Error)]
pub enum ProposeError {
    /// No leader is known: this node is not part of a quorum.
    #[error(
        "no raft leader is known to this node (it is not part of a quorum); nothing was committed"
    )]
    NoLeader,
    /// This node is leader but has not heard from a quorum within the election timeout.
    #[error("this node is leader but lost contact with a quorum; nothing was committed")]
    NoQuorum,
    /// This node is handing leadership over.
    #[error("leadership is being transferred; retry in a few seconds")]
    Yielding,
    /// The commit did not complete in time; the command may or may not be applied later.
    #[error(
        "timed out after {0:?} waiting for the command to commit; it may or may not be applied"
    )]
    Timeout(Duration),
    /// Forwarding to the leader failed.
    #[error("cannot reach the raft leader at {uri}: {reason}")]
    Forward {
        /// The leader's HTTP URI.
        uri: String,
        /// What went wrong.
        reason: String,
    },
    /// The leader refused the forwarded command.
    #[error("{0}")]
    Remote(ApiError),
    /// Raft has stopped on this node.
    #[error("raft is not running on this node: {0}")]
    Fatal(String),
}

impl From<ProposeError> for ApiError {
    fn from(e: ProposeError) -> Self {
        match e {
            ProposeError::Remote(api) => api,
            ProposeError::Fatal(_) => ApiError::Internal(e.to_string()),
            other => ApiError::Unavailable(other.to_string()),
        }
    }
}

impl Node {
    /// Whether this node leads and a quorum acknowledged it within the election timeout.
    ///
    /// No quorum ack yet (`None`) is *not* a quorum: openraft 0.9 restores a node that led before
    /// a restart as leader of its old term, and it stays so, answering as leader, until it hears
    /// from a quorum — forever while cut off (fault test t21).
    pub fn is_leader_with_quorum(&self) -> bool {
        let m = self.raft.metrics().borrow().clone();
        self.is_running()
            && m.state == ServerState::Leader
            && m.current_leader == Some(self.id)
            && m.millis_since_quorum_ack
                .is_some_and(|ms| u128::from(ms) < self.config.raft.election_timeout.as_millis())
            && !self.is_yielding()
    }

    /// Commits `env`. On a follower the envelope is forwarded once to the leader;
    /// `forwarded` marks a command that already made that hop (loop safety).
    pub async fn propose(
        &self,
        env: CommandEnvelope,
        forwarded: bool,
    ) -> Result<CommandOutcome, ProposeError> {
        let (state, leader) = {
            let m = self.raft.metrics().borrow().clone();
            if let Err(fatal) = &m.running_state {
                return Err(ProposeError::Fatal(fatal.to_string()));
            }
            (m.state, m.current_leader)
        };
        if state == ServerState::Leader && leader == Some(self.id) {
            if self.is_yielding() {
                return Err(ProposeError::Yielding);
            }
            if !self.is_leader_with_quorum() {
                return Err(ProposeError::NoQuorum);
            }
            return match tokio::time::timeout(COMMIT_TIMEOUT, self.batcher.write(env.clone())).await
            {
                Err(_) => Err(ProposeError::Timeout(COMMIT_TIMEOUT)),
                Ok(Ok(outcome)) => Ok(outcome),
                Ok(Err(WriteFailure::ForwardToLeader(leader))) => match leader {
                    Some(l) if !forwarded && l != self.id => self.forward(l, env).await,
                    _ => Err(ProposeError::NoLeader),
                },
                Ok(Err(WriteFailure::Fatal(e) | WriteFailure::Other(e))) => {
                    Err(ProposeError::Fatal(e))
                }
            };
        }
        match leader {
            Some(l) if l != self.id && !forwarded => self.forward(l, env).await,
            _ => Err(ProposeError::NoLeader),
        }
    }

    /// Sends `env` to the leader's `/internal/propose` and relays its answer.
    async fn forward(
        &self,
        leader: u64,
        env: CommandEnvelope,
    ) -> Result<CommandOutcome, ProposeError> {
        let uri = self.leader_uri(leader).await.ok_or(ProposeError::NoLeader)?;
        let url = format!("{uri}/internal/propose");
        let fail = |reason: String| ProposeError::Forward { uri: uri.clone(), reason };
        let call = async {
            let response = self
                .peer_post(&url)
                .timeout(COMMIT_TIMEOUT + Duration::from_secs(1))
                .json(&env)
                .send()
                .await
                .map_err(|e| fail(e.to_string()))?;
            let body: Result<CommandOutcome, ApiError> =
                response.json().await.map_err(|e| fail(e.to_string()))?;
            body.map_err(ProposeError::Remote)
        };
        tokio::select! {
            result = call => result,
            () = self.leader_changed_from(leader) => Err(fail(
                "leadership changed while the command was in flight; its outcome is unknown, retry".into(),
            )),
        }
    }

    /// Resolves once this node learns of a leader other than `leader` (or of none): a request
    /// forwarded to `leader` should not wait for a node that no longer leads.
    pub async fn leader_changed_from(&self, leader: u64) {
        let mut metrics = self.raft.metrics();
        if metrics.wait_for(|m| m.current_leader != Some(leader)).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// HTTP URI of node `id`: its own announcement (replicated `leader-uri`), `HTTPAdvertise` for
    /// this node, else its raft host with this node's HTTP port (orchestrator's derivation).
    pub async fn leader_uri(&self, id: u64) -> Option<String> {
        if id == self.id {
            return Some(self.http_uri());
        }
        match self.store.leader_uri(id).await {
            Ok(Some(uri)) => return Some(uri),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read leader URI"),
        }
        let member = self.members.iter().find(|m| m.id == id)?;
        let host = if member.host.contains(':') {
            format!("[{}]", member.host)
        } else {
            member.host.clone()
        };
        let scheme = if self.http_uri().starts_with("https://") { "https" } else { "http" };
        Some(format!("{scheme}://{host}:{}", self.config.listen_address.port()))
    }
}
