//! Raft membership and snapshot endpoints: `raft-add-peer/:addr` and `raft-remove-peer/:addr`
//! (relayed to the leader, which changes the membership through the raft log) and
//! `raft-snapshot` (this node, now). Successful answers are orchestrator's: the normalised
//! address, or `"snapshot created"`, as a bare JSON string.

use app::api::ApiError;
use app::core::membership::MembershipChange;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::reply::{error, json_with};
use crate::config::RaftAddr;
use crate::ports::AppState;

/// Paths relayed to the leader (their answer can take a new member's catch-up time).
pub const MEMBERSHIP_PATHS: &[&str] = &["/api/raft-add-peer/", "/api/raft-remove-peer/"];

/// Whether `path` changes the membership.
pub fn is_membership_path(path: &str) -> bool {
    MEMBERSHIP_PATHS.iter().any(|p| path.starts_with(p))
}

/// Membership changes (mount behind write authorization and the leader proxy).
pub fn leader_routes() -> Router<AppState> {
    Router::new()
        .route("/api/raft-add-peer/{addr}", get(add_peer).post(add_peer))
        .route("/api/raft-remove-peer/{addr}", get(remove_peer).post(remove_peer))
}

/// Answered by the node asked (mount behind write authorization).
pub fn local_routes() -> Router<AppState> {
    Router::new().route("/api/raft-snapshot", get(snapshot).post(snapshot))
}

async fn add_peer(State(node): State<AppState>, Path(addr): Path<String>) -> Response {
    let parsed = match RaftAddr::parse("addr", &addr, node.config.raft.default_port) {
        Ok(a) => a,
        Err(e) => {
            return error(ApiError::Validation(format!("Cannot add raft peer: {}", e.message)))
        }
    };
    match node.member.change_membership(MembershipChange::Add(parsed.to_string()), false).await {
        Ok(message) => {
            tracing::info!(peer = %parsed, %message, "raft-add-peer");
            json_with(StatusCode::OK, parsed.to_string())
        }
        Err(e) => error(with_prefix("Cannot add raft peer", e)),
    }
}

async fn remove_peer(State(node): State<AppState>, Path(addr): Path<String>) -> Response {
    // A `host:port` is normalised as RaftNodes are (lower case); an id or a bare host is
    // matched as given (a host only when one member has it).
    let resolved = match RaftAddr::parse("addr", &addr, node.config.raft.default_port) {
        Ok(a) if addr.contains(':') => a.to_string(),
        _ => addr.trim().to_ascii_lowercase(),
    };
    match node.member.change_membership(MembershipChange::Remove(resolved.clone()), false).await {
        Ok(message) => {
            tracing::info!(peer = %resolved, %message, "raft-remove-peer");
            json_with(StatusCode::OK, resolved)
        }
        Err(e) => error(with_prefix("Cannot remove raft peer", e)),
    }
}

async fn snapshot(State(node): State<AppState>) -> Response {
    match node.member.snapshot_now().await {
        Ok(index) => {
            tracing::info!(?index, "raft-snapshot");
            json_with(StatusCode::OK, "snapshot created")
        }
        Err(e) => error(with_prefix("Cannot create snapshot", e)),
    }
}

fn with_prefix(prefix: &str, e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(m) => ApiError::Validation(format!("{prefix}: {m}")),
        ApiError::Unavailable(m) => ApiError::Unavailable(format!("{prefix}: {m}")),
        ApiError::Internal(m) => ApiError::Internal(format!("{prefix}: {m}")),
        other => other,
    }
}
