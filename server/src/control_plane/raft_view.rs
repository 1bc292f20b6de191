//! Raft views: this node's raft status, every member's own report (asked over HTTP with a
//! short timeout, so an unreachable member shows as such instead of hanging the page), and the
//! pulse every page polls.

use std::time::Duration;

use app::api::dto::{MemberView, RaftStatusView};
use app::api::pulse::PulseView;
use app::api::raft::{MemberStatusView, RaftPageView};
use openraft::ServerState;
use serde::Deserialize;

use super::fingerprint;
use crate::node::Node;

/// How long the raft page waits for a member's own report.
const MEMBER_TIMEOUT: Duration = Duration::from_millis(800);

impl Node {
    /// This node's raft status.
    pub async fn raft_status(&self) -> RaftStatusView {
        let m = self.raft.metrics().borrow().clone();
        let state = state_name(m.state);
        let leader_known = m.current_leader.is_some();
        let is_leader = m.state == ServerState::Leader && m.current_leader == Some(self.id);
        // A follower that has applied nothing yet (a new or wiped member waiting for its
        // snapshot) knows a leader but would serve an empty store: not healthy until it has.
        let healthy = self.is_running()
            && ((is_leader && self.is_leader_with_quorum())
                || (m.state == ServerState::Follower
                    && leader_known
                    && m.current_leader != Some(self.id)
                    && m.last_applied.is_some()));
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
                http_uri: self
                    .store
                    .leader_uri(member.id)
                    .await
                    .ok()
                    .flatten()
                    .or_else(|| (member.id == self.id).then(|| self.http_uri())),
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

fn state_name(state: ServerState) -> &'static str {
    match state {
        ServerState::Leader => "Leader",
        ServerState::Follower => "Follower",
        ServerState::Candidate => "Candidate",
        ServerState::Learner => "Learner",
        ServerState::Shutdown => "Shutdown",
    }
}

/// The pulse: who serves, role, freshness, and the data version.
pub async fn pulse(node: &Node) -> PulseView {
    let m = node.raft.metrics().borrow().clone();
    let is_leader = m.state == ServerState::Leader && m.current_leader == Some(node.id);
    let has_quorum = (is_leader && node.is_leader_with_quorum())
        || (m.state == ServerState::Follower && m.current_leader.is_some_and(|l| l != node.id));
    let leader_uri = match m.current_leader {
        Some(id) => node.leader_uri(id).await,
        None => None,
    };
    let snapshot = node.analysis.get();
    let applied_index = m.last_applied.map(|l| l.index);
    let version = fingerprint::version(
        node.id,
        &snapshot,
        (state_name(m.state), m.current_leader, m.current_term, applied_index, has_quorum),
    );
    PulseView {
        node_id: node.id,
        raft_addr: node.config.raft_advertise.to_string(),
        http_uri: node.http_uri(),
        state: state_name(m.state).to_string(),
        leader_id: m.current_leader,
        leader_uri,
        has_quorum,
        term: m.current_term,
        applied_index,
        analysis_at_ms: snapshot.at_ms,
        version,
    }
}

/// What a member's `/api/raft-status` says of itself (the fields the page shows).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PeerStatus {
    state: String,
    healthy: bool,
    term: u64,
    last_log_index: Option<u64>,
    applied_index: Option<u64>,
    leader_id: Option<u64>,
}

/// This node's status plus every member's own report.
pub async fn raft_page(node: &Node) -> RaftPageView {
    let status = node.raft_status().await;
    let me = &status;
    let asks = status.members.iter().map(|member| async move {
        let status = me;
        if member.id == node.id {
            return MemberStatusView {
                id: member.id,
                raft_addr: member.raft_addr.clone(),
                http_uri: member.http_uri.clone(),
                role: status.state.clone(),
                healthy: status.healthy,
                term: Some(status.term),
                last_log_index: status.last_log_index,
                applied_index: status.applied_index,
                leader_id: status.leader_id,
            };
        }
        let uri = match &member.http_uri {
            Some(uri) => Some(uri.clone()),
            None => node.leader_uri(member.id).await,
        };
        let report = match &uri {
            Some(uri) => ask(node, uri).await,
            None => None,
        };
        match report {
            Some(p) => MemberStatusView {
                id: member.id,
                raft_addr: member.raft_addr.clone(),
                http_uri: uri,
                role: p.state,
                healthy: p.healthy,
                term: Some(p.term),
                last_log_index: p.last_log_index,
                applied_index: p.applied_index,
                leader_id: p.leader_id,
            },
            None => MemberStatusView {
                id: member.id,
                raft_addr: member.raft_addr.clone(),
                http_uri: uri,
                role: "Unreachable".into(),
                healthy: false,
                term: None,
                last_log_index: None,
                applied_index: None,
                leader_id: None,
            },
        }
    });
    let members = futures::future::join_all(asks).await;
    RaftPageView { status, members }
}

async fn ask(node: &Node, uri: &str) -> Option<PeerStatus> {
    let response = node
        .peer_get(&format!("{uri}/api/raft-status"))
        .timeout(MEMBER_TIMEOUT)
        .send()
        .await
        .ok()?;
    response.json::<PeerStatus>().await.ok()
}
