//! `submit-masters-to-kv-stores[/:clusterHint]`: the leader proposes the KV pairs of the
//! masters through raft (a follower relays the request); answers orchestrator's
//! `Submitted N masters` with the pairs (`Key`, `Value`) in `Details`.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::reply::{error, ok};
use crate::ports::AppState;

/// The routes (mount behind write authorization and the leader proxy).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/submit-masters-to-kv-stores", get(all).post(all))
        .route("/api/submit-masters-to-kv-stores/{hint}", get(one).post(one))
}

async fn all(State(node): State<AppState>) -> Response {
    submit(&node, None).await
}

async fn one(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    submit(&node, Some(hint)).await
}

async fn submit(node: &AppState, hint: Option<String>) -> Response {
    match node.ops.submit_masters_to_kv(hint).await {
        Ok(pairs) => {
            let parts = ["/hostname", "/port", "/ipv4", "/ipv6"];
            let masters =
                pairs.iter().filter(|p| !parts.iter().any(|s| p.key.ends_with(s))).count();
            let details: Vec<_> =
                pairs.iter().map(|p| json!({"Key": p.key, "Value": p.value})).collect();
            ok(format!("Submitted {masters} masters"), details)
        }
        Err(e) => error(e),
    }
}
