//! Raft views: this node's raft status, every member's own report (asked over HTTP with a
//! short timeout, so an unreachable member shows as such instead of hanging the page), and the
//! pulse every page polls.

use std::time::Duration;

use app::api::pulse::PulseView;
use app::api::raft::{MemberStatusView, RaftPageView};
use serde::Deserialize;

use super::fingerprint;
use crate::ports::AppState;

/// How long the raft page waits for a member's own report.
const MEMBER_TIMEOUT: Duration = Duration::from_millis(800);

/// The pulse: who serves, role, freshness, and the data version.
pub async fn pulse(node: &AppState) -> PulseView {
    let status = node.member.status().await;
    let has_quorum = status.healthy;
    let snapshot = node.analysis.get();
    let version = fingerprint::version(
        status.node_id,
        &snapshot,
        (status.state.as_str(), status.leader_id, status.term, status.applied_index, has_quorum),
    );
    PulseView {
        node_id: status.node_id,
        raft_addr: status.raft_addr,
        http_uri: status.http_uri,
        state: status.state,
        leader_id: status.leader_id,
        leader_raft_addr: status.leader_raft_addr,
        leader_uri: status.leader_uri,
        has_quorum,
        term: status.term,
        applied_index: status.applied_index,
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
pub async fn raft_page(node: &AppState) -> RaftPageView {
    let status = node.member.status().await;
    let me = &status;
    let asks = status.members.iter().map(|member| async move {
        let status = me;
        if member.id == node.member.id() {
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
            None => node.member.uri_of(member.id).await,
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

async fn ask(node: &AppState, uri: &str) -> Option<PeerStatus> {
    let response = node
        .member
        .peer_get(&format!("{uri}/api/raft-status"))
        .timeout(MEMBER_TIMEOUT)
        .send()
        .await
        .ok()?;
    response.json::<PeerStatus>().await.ok()
}
