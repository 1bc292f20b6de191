//! Per-cluster recovery switch: `/api/disable-cluster-recovery/:clusterHint` and
//! `/api/enable-cluster-recovery/:clusterHint` (replicated; the global switch stays). The hint
//! (name, alias or a member's `host:port`) is resolved to the cluster's alias when it has one —
//! aliases survive failovers, names do not — else its name.

use app::core::Proposal;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use app::api::ApiError;

use super::reply::error;
use super::write_routes::submit;
use crate::ports::AppState;

/// The two write routes (relayed to the leader and authorized by the router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/disable-cluster-recovery/{hint}", get(disable).post(disable))
        .route("/api/enable-cluster-recovery/{hint}", get(enable).post(enable))
}

/// The cluster's alias, else its name; an unknown hint is kept as given (so a stale entry can
/// still be enabled again).
fn target(node: &AppState, hint: &str) -> String {
    let snapshot = node.analysis.get();
    match snapshot.resolve_cluster(hint) {
        Some(name) => snapshot.alias(&name),
        None => hint.to_string(),
    }
}

async fn disable(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    let snapshot = node.analysis.get();
    match snapshot.resolve_cluster(&hint) {
        Some(name) => {
            submit(&node, Proposal::set_cluster_recovery(&snapshot.alias(&name), false)).await
        }
        None => error(ApiError::NotFound(format!("unknown cluster {hint:?}"))),
    }
}

async fn enable(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    let cluster = target(&node, &hint);
    submit(&node, Proposal::set_cluster_recovery(&cluster, true)).await
}
