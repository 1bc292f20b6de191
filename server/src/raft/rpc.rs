//! Inbound raft RPC: the axum router served on `RaftBind` (append-entries, as a request or as
//! the upgraded stream of [`super::stream`], vote, install-snapshot, and the membership report a
//! pristine node asks its listed peers for).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use openraft::raft::{AppendEntriesRequest, InstallSnapshotRequest, VoteRequest};

use super::faults::NetworkFaults;
use super::rejoin::Inbox;
use super::stream;
use super::TypeConfig;

/// Largest RPC body accepted (snapshot chunks are 1 MiB of data, JSON-encoded).
const MAX_RPC_BODY: usize = 64 * 1024 * 1024;

#[derive(Clone)]
struct RpcState {
    raft: Inbox,
    faults: Arc<NetworkFaults>,
}

/// The raft port's router over this node's inbox; open streams close when `shutdown` turns true
/// or after `idle` without a frame.
pub fn router(
    raft: Inbox,
    faults: Arc<NetworkFaults>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    idle: std::time::Duration,
) -> Router {
    let serving = stream::Serving { inbox: raft.clone(), faults: faults.clone(), shutdown, idle };
    Router::new()
        .route("/raft/stream", get(stream::upgrade).with_state(serving))
        .route("/raft/append", post(append))
        .route("/raft/vote", post(vote))
        .route("/raft/snapshot", post(snapshot))
        .route("/raft/membership", get(membership))
        .layer(DefaultBodyLimit::max(MAX_RPC_BODY))
        .with_state(RpcState { raft, faults })
}

fn dropped() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "link cut by fault layer").into_response()
}

async fn append(
    State(s): State<RpcState>,
    Json(req): Json<AppendEntriesRequest<TypeConfig>>,
) -> Response {
    if s.faults.blocks_recv_from(req.vote.leader_id().voted_for().unwrap_or_default()) {
        return dropped();
    }
    Json(s.raft.append_entries(req).await).into_response()
}

async fn vote(State(s): State<RpcState>, Json(req): Json<VoteRequest<u64>>) -> Response {
    if s.faults.blocks_recv_from(req.vote.leader_id().voted_for().unwrap_or_default()) {
        return dropped();
    }
    Json(s.raft.vote(req).await).into_response()
}

async fn snapshot(
    State(s): State<RpcState>,
    Json(req): Json<InstallSnapshotRequest<TypeConfig>>,
) -> Response {
    if s.faults.blocks_recv_from(req.vote.leader_id().voted_for().unwrap_or_default()) {
        return dropped();
    }
    Json(s.raft.install_snapshot(req).await).into_response()
}

async fn membership(State(s): State<RpcState>) -> Response {
    let metrics = s.raft.raft().metrics().borrow().clone();
    let members = super::seed::MembershipReport::of(&metrics);
    Json(members).into_response()
}
