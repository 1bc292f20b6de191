//! Raft endpoints answered locally on every node (never proxied): leader-check, raft-health,
//! raft-status/state/leader/peers, status/health, raft-yield[-hint].

use app::api::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::reply::{error, json_with, ok};
use crate::ports::AppState;

/// `GET /api/leader-check`: 200 "OK" on the leader (holding a quorum), 404 "Not leader" elsewhere.
pub async fn leader_check(State(node): State<AppState>) -> Response {
    leader_check_with(&node, StatusCode::NOT_FOUND)
}

/// `GET /api/leader-check/:code`: as above, answering `code` instead of 404.
pub async fn leader_check_code(State(node): State<AppState>, Path(code): Path<String>) -> Response {
    // Informational codes (1xx) cannot carry the answer's body; only final statuses are accepted.
    match code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok())
    {
        Some(status) => leader_check_with(&node, status),
        None => error(ApiError::Validation(format!(
            "invalid HTTP status code {code:?}: expected 200 to 599"
        ))),
    }
}

fn leader_check_with(node: &AppState, not_leader: StatusCode) -> Response {
    if node.member.is_leader_with_quorum() {
        json_with(StatusCode::OK, "OK")
    } else {
        json_with(not_leader, "Not leader")
    }
}

/// `GET /api/raft-health`: 200 "healthy" when leader (with quorum) or follower of a known leader.
pub async fn raft_health(State(node): State<AppState>) -> Response {
    let status = node.member.status().await;
    if status.healthy {
        json_with(StatusCode::OK, "healthy")
    } else {
        let body = super::reply::Envelope {
            code: "ERROR",
            message: "unhealthy".into(),
            details: status.state,
        };
        json_with(StatusCode::INTERNAL_SERVER_ERROR, body)
    }
}

/// Orchestrator's `raft-status` fields plus term, indexes, members and the replicated digest.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RaftStatusReply {
    raft_bind: String,
    raft_advertise: String,
    state: String,
    healthy: bool,
    is_part_of_quorum: bool,
    leader: String,
    #[serde(rename = "LeaderURI")]
    leader_uri: String,
    peers: Vec<String>,
    node_id: u64,
    leader_id: Option<u64>,
    term: u64,
    last_log_index: Option<u64>,
    applied_index: Option<u64>,
    snapshot_index: Option<u64>,
    millis_since_quorum_ack: Option<u64>,
    members: Vec<app::api::dto::MemberView>,
    replicated_digest: String,
    /// Raft log appends since start, and the fdatasyncs that made them durable (group commit).
    log_appends: u64,
    log_syncs: u64,
}

/// `GET /api/raft-status`.
pub async fn raft_status(State(node): State<AppState>) -> Response {
    let s = node.member.status().await;
    let (log_appends, log_syncs) = node.member.log_stats();
    let digest = match node.store.replicated_digest_at(s.applied_index).await {
        Ok(d) => d,
        Err(e) => return error(crate::error::internal(e)),
    };
    json_with(
        StatusCode::OK,
        RaftStatusReply {
            raft_bind: node.config.raft.bind.to_string(),
            raft_advertise: node.config.raft.advertise.to_string(),
            state: s.state,
            healthy: s.healthy,
            is_part_of_quorum: s.is_part_of_quorum,
            leader: s.leader_raft_addr.unwrap_or_default(),
            leader_uri: s.leader_uri.unwrap_or_default(),
            peers: node.member.members().iter().map(|m| m.raft_addr.clone()).collect(),
            node_id: s.node_id,
            leader_id: s.leader_id,
            term: s.term,
            last_log_index: s.last_log_index,
            applied_index: s.applied_index,
            snapshot_index: s.snapshot_index,
            millis_since_quorum_ack: s.millis_since_quorum_ack,
            members: s.members,
            replicated_digest: digest,
            log_appends,
            log_syncs,
        },
    )
}

/// `GET /api/raft-state`: `"Leader"`, `"Follower"`, `"Candidate"`...
pub async fn raft_state(State(node): State<AppState>) -> Response {
    json_with(StatusCode::OK, node.member.status().await.state)
}

/// `GET /api/raft-leader`: the leader's raft address.
pub async fn raft_leader(State(node): State<AppState>) -> Response {
    match node.member.status().await.leader_raft_addr {
        Some(addr) => json_with(StatusCode::OK, addr),
        None => error(ApiError::NotFound("no raft leader is known".into())),
    }
}

/// `GET /api/raft-peers`: the raft addresses of every member.
pub async fn raft_peers(State(node): State<AppState>) -> Response {
    json_with(
        StatusCode::OK,
        node.member.members().iter().map(|m| m.raft_addr.clone()).collect::<Vec<_>>(),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct HealthDetails {
    healthy: bool,
    hostname: String,
    is_active_node: bool,
    raft_leader: String,
    is_raft_leader: bool,
    #[serde(rename = "RaftLeaderURI")]
    raft_leader_uri: String,
    raft_advertise: String,
    backend_healthy: bool,
}

/// This machine's host name, as orchestrator reports it in `/api/status` (`os.Hostname()`).
fn this_hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// `GET /api/health` (always 200, details say whether healthy) and `/api/status` (500 when not).
pub async fn health(State(node): State<AppState>) -> Response {
    health_reply(&node, false).await
}

/// `GET /api/status`.
pub async fn status(State(node): State<AppState>) -> Response {
    health_reply(&node, true).await
}

async fn health_reply(node: &AppState, strict: bool) -> Response {
    let s = node.member.status().await;
    let backend_healthy = node.member.backend_ok();
    let healthy = s.healthy && backend_healthy;
    let is_leader = s.leader_id == Some(node.member.id()) && node.member.is_leader_with_quorum();
    let details = HealthDetails {
        healthy,
        hostname: this_hostname().unwrap_or_else(|| node.config.raft.advertise.host().to_string()),
        is_active_node: is_leader,
        raft_leader: s.leader_raft_addr.unwrap_or_default(),
        is_raft_leader: is_leader,
        raft_leader_uri: s.leader_uri.unwrap_or_default(),
        raft_advertise: node.config.raft.advertise.to_string(),
        backend_healthy,
    };
    if strict && !healthy {
        let body = super::reply::Envelope {
            code: "ERROR",
            message: "Application node is unhealthy".into(),
            details,
        };
        return json_with(StatusCode::INTERNAL_SERVER_ERROR, body);
    }
    let message =
        if healthy { "Application node is healthy" } else { "Application node is unhealthy" };
    ok(message, details)
}

/// `GET /api/raft-yield/:node`: transfer leadership to the member with that raft address (or id).
pub async fn raft_yield(State(node): State<AppState>, Path(target): Path<String>) -> Response {
    let wanted = target.to_ascii_lowercase();
    let members = node.member.members();
    let member = members
        .iter()
        .find(|m| m.raft_addr == wanted || m.id.to_string() == wanted || m.host == wanted);
    match member {
        Some(m) => yield_to(&node, m.id).await,
        None => error(ApiError::Validation(format!(
            "{target:?} is not a raft member (use host:port as in RaftNodes)"
        ))),
    }
}

/// `GET /api/raft-yield-hint/:hint`: transfer leadership to the first member whose address contains `hint`.
pub async fn raft_yield_hint(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    let hint = hint.to_ascii_lowercase();
    if hint.is_empty() {
        return error(ApiError::Validation("empty hint".into()));
    }
    match node.member.members().iter().find(|m| m.raft_addr.contains(&hint)) {
        Some(m) => yield_to(&node, m.id).await,
        None => error(ApiError::Validation(format!("no raft member matches {hint:?}"))),
    }
}

async fn yield_to(node: &AppState, id: u64) -> Response {
    match node.member.yield_leadership(Some(id)).await {
        Ok(message) => ok(message, id),
        Err(e) => error(e),
    }
}

/// `/api/routed-leader-check`: reached the leader (directly or through the proxy) → 200.
pub async fn routed_leader_check(State(node): State<AppState>) -> Response {
    if node.member.is_leader_with_quorum() {
        json_with(StatusCode::OK, "OK")
    } else {
        json_with(StatusCode::NOT_FOUND, "Not leader")
    }
}
