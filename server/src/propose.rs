//! The one path into raft: commit a command on the leader, forwarding from a follower.
//!
//! A write answers only after the entry is committed and applied on the leader. Without a
//! leader that holds a quorum it fails with `ProposeError` (HTTP 503) after at most a bounded
//! wait for an election, never hangs. Every error says whether the outcome is known: "nothing
//! was committed" (safe to retry) or "outcome unknown" (the command may still be applied; check
//! before retrying).

use std::sync::Arc;
use std::time::Duration;

use app::api::ApiError;
use app::core::{CommandEnvelope, CommandOutcome, Proposal};
use openraft::ServerState;
use thiserror::Error;

use crate::batcher::{Batcher, WriteFailure};
use crate::consensus::Consensus;

/// Longest wait for a commit (orchestrator's raft Apply timeout is 10 s).
pub const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a command was not committed (or may not have been).
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
    #[error("leadership is being transferred; nothing was committed; retry in a few seconds")]
    Yielding,
    /// The commit did not complete in time; the command may or may not be applied later.
    #[error(
        "timed out after {0:?} waiting for the command to commit; it may or may not be applied"
    )]
    Timeout(Duration),
    /// The leader could not be reached: nothing was sent.
    #[error("cannot reach the raft leader at {uri}: {reason}; nothing was committed")]
    Unreachable {
        /// The leader's HTTP URI.
        uri: String,
        /// What went wrong.
        reason: String,
    },
    /// The command was sent to the leader but its answer was lost.
    #[error(
        "the raft leader at {uri} did not answer: {reason}; the command may or may not be applied"
    )]
    Lost {
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

impl ProposeError {
    /// Whether the command certainly was not committed (a retry cannot apply it twice).
    pub fn nothing_committed(&self) -> bool {
        match self {
            ProposeError::NoLeader
            | ProposeError::NoQuorum
            | ProposeError::Yielding
            | ProposeError::Unreachable { .. }
            | ProposeError::Fatal(_) => true,
            ProposeError::Timeout(_) | ProposeError::Lost { .. } => false,
            ProposeError::Remote(e) => !matches!(e, ApiError::OutcomeUnknown(_)),
        }
    }
}

impl From<ProposeError> for ApiError {
    fn from(e: ProposeError) -> Self {
        match e {
            ProposeError::Remote(api) => api,
            ProposeError::Fatal(_) => ApiError::Internal(e.to_string()),
            other if other.nothing_committed() => ApiError::Unavailable(other.to_string()),
            other => ApiError::OutcomeUnknown(other.to_string()),
        }
    }
}

/// Stamps and commits commands; cheap to clone.
#[derive(Clone)]
pub struct Proposer {
    consensus: Consensus,
    batcher: Batcher,
    candidate_expire: Duration,
}

impl Proposer {
    /// A proposer over `consensus`; `candidate_expire` is `CandidateInstanceExpireMinutes`.
    pub fn new(consensus: Consensus, candidate_expire: Duration) -> Self {
        let batcher = Batcher::start(consensus.raft().clone());
        Proposer { consensus, batcher, candidate_expire }
    }

    /// Stamps a proposal with this node's clock and id, and commits it.
    pub async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        let expire_ms = self.candidate_expire.as_millis() as i64;
        let env = proposal.stamp(self.consensus.clock().now_ms(), self.consensus.id(), expire_ms);
        tracing::info!(op = env.command.op(), "proposing");
        Ok(self.propose(env, false).await?)
    }

    /// Commits `env`. On a follower the envelope is forwarded once to the leader;
    /// `forwarded` marks a command that already made that hop (loop safety).
    pub async fn propose(
        &self,
        env: CommandEnvelope,
        forwarded: bool,
    ) -> Result<CommandOutcome, ProposeError> {
        let c = &self.consensus;
        let m = c.metrics();
        if let Err(fatal) = &m.running_state {
            return Err(ProposeError::Fatal(fatal.to_string()));
        }
        let (state, leader) = (m.state, m.current_leader);
        if state == ServerState::Leader && leader == Some(c.id()) {
            if c.is_yielding() {
                return Err(ProposeError::Yielding);
            }
            if !c.is_leader_with_quorum() {
                return Err(ProposeError::NoQuorum);
            }
            return match tokio::time::timeout(COMMIT_TIMEOUT, self.batcher.write(env.clone())).await
            {
                Err(_) => Err(ProposeError::Timeout(COMMIT_TIMEOUT)),
                Ok(Ok(outcome)) => Ok(outcome),
                Ok(Err(WriteFailure::ForwardToLeader(leader))) => match leader {
                    Some(l) if !forwarded && l != c.id() => self.forward(l, env).await,
                    _ => Err(ProposeError::NoLeader),
                },
                Ok(Err(WriteFailure::Fatal(e) | WriteFailure::Other(e))) => {
                    Err(ProposeError::Fatal(e))
                }
            };
        }
        match leader {
            Some(l) if l != c.id() && !forwarded => self.forward(l, env).await,
            None if !forwarded => self.after_election(env).await,
            _ => Err(ProposeError::NoLeader),
        }
    }

    /// No leader is known: an election may be under way (a follower forgets the leader when it
    /// grants a vote). Waits a bounded time for one, then commits through it once; a node cut
    /// off from the quorum still answers `NoLeader` within that bound.
    async fn after_election(&self, env: CommandEnvelope) -> Result<CommandOutcome, ProposeError> {
        let c = &self.consensus;
        let wait = (c.election_timeout() * 3).min(COMMIT_TIMEOUT);
        match c.await_leader(wait).await {
            Some(l) if l != c.id() => self.forward(l, env).await,
            Some(_) => Box::pin(self.propose(env, true)).await,
            None => Err(ProposeError::NoLeader),
        }
    }

    /// Sends `env` to the leader's `/internal/propose` and relays its answer.
    async fn forward(
        &self,
        leader: u64,
        env: CommandEnvelope,
    ) -> Result<CommandOutcome, ProposeError> {
        let peers = self.consensus.peers();
        let uri = peers.route_to(leader).await.ok_or(ProposeError::NoLeader)?;
        let url = format!("{uri}/internal/propose");
        let call = async {
            let response = peers
                .post(&url)
                .timeout(COMMIT_TIMEOUT + Duration::from_secs(1))
                .json(&env)
                .send()
                .await
                .map_err(|e| {
                    let reason = e.to_string();
                    if e.is_connect() {
                        ProposeError::Unreachable { uri: uri.clone(), reason }
                    } else {
                        ProposeError::Lost { uri: uri.clone(), reason }
                    }
                })?;
            let body: Result<CommandOutcome, ApiError> = response
                .json()
                .await
                .map_err(|e| ProposeError::Lost { uri: uri.clone(), reason: e.to_string() })?;
            body.map_err(ProposeError::Remote)
        };
        tokio::select! {
            result = call => result,
            () = self.consensus.leader_changed_from(leader) => Err(ProposeError::Lost {
                uri: uri.clone(),
                reason: "leadership changed while the command was in flight".into(),
            }),
        }
    }
}

/// Shared handle.
pub type SharedProposer = Arc<Proposer>;
