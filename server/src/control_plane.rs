//! The server's implementation of `app::api::port::ControlPlane`: what the dashboard and the
//! HTTP API both call. Stamps proposals with this node's clock and proposes them through raft.

use std::sync::Arc;

use app::api::dto::{CandidateView, DowntimeView, MemberView, RaftStatusView};
use app::api::port::ControlPlane;
use app::api::ApiError;
use app::core::{CommandOutcome, Proposal};
use openraft::ServerState;

use crate::node::Node;

/// Wraps the node for Leptos context.
#[derive(Clone)]
pub struct NodeControlPlane(pub Arc<Node>);

impl Node {
    /// Stamps and commits a proposal (the single write path of HTTP API and dashboard).
    pub async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        let expire_ms = self.config.candidate_expire.as_millis() as i64;
        let env = proposal.stamp(self.clock.now_ms(), self.id, expire_ms);
        tracing::info!(op = env.command.op(), "proposing");
        Ok(self.propose(env, false).await?)
    }

    /// This node's raft status.
    pub async fn raft_status(&self) -> RaftStatusView {
        let m = self.raft.metrics().borrow().clone();
        let state = match m.state {
            ServerState::Leader => "Leader",
            ServerState::Follower => "Follower",
            ServerState::Candidate => "Candidate",
            ServerState::Learner => "Learner",
            ServerState::Shutdown => "Shutdown",
        };
        let leader_known = m.current_leader.is_some();
        let is_leader = m.state == ServerState::Leader && m.current_leader == Some(self.id);
        let healthy = (is_leader && self.is_leader_with_quorum())
            || (m.state == ServerState::Follower && leader_known && m.current_leader != Some(self.id));
        let leader_uri = match m.current_leader {
            Some(id) => self.leader_uri(id).await,
            None => None,
        };
        let matched = m.replication.clone().unwrap_or_default();
        let mut members = Vec::with_capacity(self.members.len());
        for member in &self.members {
            let role = if Some(member.id) == m.current_leader {
                "Leader"
            } else if is_leader && matched.get(&member.id).is_some_and(|v| v.is_none()) {
                "Unreachable"
            } else {
                "Follower"
            };
            members.push(MemberView {
                id: member.id,
                raft_addr: member.raft_addr.clone(),
                http_uri: self.store.leader_uri(member.id).await.ok().flatten().or_else(|| {
                    (member.id == self.id).then(|| self.http_uri())
                }),
                role: role.to_string(),
                matched_index: matched.get(&member.id).and_then(|v| v.map(|l| l.index)),
            });
        }
        RaftStatusView {
            node_id: self.id,
            raft_addr: self.config.raft_advertise.to_string(),
            http_uri: self.http_uri(),
            state: state.to_string(),
            healthy,
            is_part_of_quorum: healthy,
            leader_id: m.current_leader,
            leader_raft_addr: m
                .current_leader
                .and_then(|l| self.members.iter().find(|x| x.id == l))
                .map(|x| x.raft_addr.clone()),
            leader_uri,
            term: m.current_term,
            last_log_index: m.last_log_index,
            applied_index: m.last_applied.map(|l| l.index),
            snapshot_index: m.snapshot.map(|l| l.index),
            millis_since_quorum_ack: m.millis_since_quorum_ack,
            members,
        }
    }
}

#[async_trait::async_trait]
impl ControlPlane for NodeControlPlane {
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.0.submit(proposal).await
    }

    async fn raft_status(&self) -> RaftStatusView {
        self.0.raft_status().await
    }

    async fn downtimes(&self) -> Result<Vec<DowntimeView>, ApiError> {
        let now = self.0.clock.now_ms();
        self.0.store.active_downtimes(now).await.map_err(internal)
    }

    async fn candidates(&self) -> Result<Vec<CandidateView>, ApiError> {
        let now = self.0.clock.now_ms();
        self.0.store.active_candidates(now).await.map_err(internal)
    }
}

/// Logs an internal error and returns a user-safe one.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal error");
    ApiError::Internal("internal error; see the node's log".into())
}
