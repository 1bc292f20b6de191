//! Read endpoints served from this node's own store (never proxied; possibly slightly stale).

use app::core::time_fmt::format_utc;
use app::core::InstanceKey;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::reply::{error, json_with, ok};
use crate::error::internal;
use crate::ports::AppState;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DowntimedInstance {
    key: InstanceKey,
    is_downtimed: bool,
    downtime_owner: String,
    downtime_reason: String,
    downtime_begin_timestamp: String,
    downtime_end_timestamp: String,
    downtime_begins_at_ms: i64,
    downtime_ends_at_ms: i64,
}

/// `GET /api/downtimed` (also with orchestrator-client's trailing slash): instances in downtime
/// now.
pub async fn downtimed(State(node): State<AppState>) -> Response {
    downtimed_where(&node, |_| true).await
}

/// `GET /api/downtimed/:clusterHint`: the downtimed instances of one cluster (name, alias or
/// member); an unknown cluster is a 404.
pub async fn downtimed_of_cluster(
    State(node): State<AppState>,
    Path(hint): Path<String>,
) -> Response {
    let view = match super::topology_api::View::load(&node).await {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let cluster = match view.cluster_name(&hint) {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    let topology = &view.snapshot.topology;
    downtimed_where(&node, |key| topology.cluster_of(key) == Some(cluster.as_str())).await
}

async fn downtimed_where(node: &AppState, keep: impl Fn(&InstanceKey) -> bool) -> Response {
    match node.store.active_downtimes(node.clock.now_ms()).await {
        Ok(rows) => json_with(
            StatusCode::OK,
            rows.into_iter()
                .filter(|d| keep(&d.key))
                .map(|d| DowntimedInstance {
                    key: d.key,
                    is_downtimed: true,
                    downtime_owner: d.owner,
                    downtime_reason: d.reason,
                    downtime_begin_timestamp: format_utc(d.begins_at_ms),
                    downtime_end_timestamp: format_utc(d.ends_at_ms),
                    downtime_begins_at_ms: d.begins_at_ms,
                    downtime_ends_at_ms: d.ends_at_ms,
                })
                .collect::<Vec<_>>(),
        ),
        Err(e) => error(internal(e)),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CandidateInstance {
    key: InstanceKey,
    hostname: String,
    port: u16,
    promotion_rule: String,
    last_suggested_string: String,
    promotion_rule_expiry: String,
    last_suggested_ms: i64,
    expires_at_ms: i64,
}

/// `GET /api/candidates` and `/api/bulk-promotion-rules`: registrations in force now.
pub async fn candidates(State(node): State<AppState>) -> Response {
    match node.store.active_candidates(node.clock.now_ms()).await {
        Ok(rows) => json_with(
            StatusCode::OK,
            rows.into_iter()
                .map(|c| CandidateInstance {
                    hostname: c.key.hostname.clone(),
                    port: c.key.port,
                    key: c.key,
                    promotion_rule: c.promotion_rule.to_string(),
                    last_suggested_string: format_utc(c.last_suggested_ms),
                    promotion_rule_expiry: format_utc(c.expires_at_ms),
                    last_suggested_ms: c.last_suggested_ms,
                    expires_at_ms: c.expires_at_ms,
                })
                .collect::<Vec<_>>(),
        ),
        Err(e) => error(internal(e)),
    }
}

/// `GET /api/check-global-recoveries`: `Details` is `"enabled"` or `"disabled"`.
pub async fn check_global_recoveries(State(node): State<AppState>) -> Response {
    match node.store.global_recoveries_disabled().await {
        Ok(true) => ok("Global recoveries disabled", "disabled"),
        Ok(false) => ok("Global recoveries enabled", "enabled"),
        Err(e) => error(internal(e)),
    }
}
