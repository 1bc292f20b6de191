//! The rest of orchestrator's paths that a script or load balancer may call: load-balancer
//! checks (`lb-check`, `_ping`), `headers`, `resolve`, `automated-recovery-filters`,
//! `bulk-instances`, the hostname cache (none is kept: hostnames are used as given), and the
//! paths of features that do not exist under raft here, answered with the reason as a JSON
//! error (a fixed membership, elections that are raft's, configuration read at start, binlog
//! servers and equivalence coordinates that are not kept).

use std::collections::BTreeMap;
use std::time::Duration;

use app::api::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::reply::{error, json_with, ok};
use super::topology_api::{parse_key, KeyPath};
use crate::ports::AppState;

/// Reads answered by every node.
pub fn reads() -> Router<AppState> {
    Router::new()
        .route("/api/lb-check", get(lb_check))
        .route("/api/_ping", get(lb_check))
        .route("/api/headers", get(headers))
        .route("/api/resolve/{host}/{port}", get(resolve))
        .route("/api/automated-recovery-filters", get(filters))
        .route("/api/hostname-resolve-cache", get(hostname_cache))
}

/// Writes (mounted behind the write authorization).
pub fn writes() -> Router<AppState> {
    let refuse =
        |why: &'static str| get(move || async move { error(ApiError::Validation(why.into())) });
    Router::new()
        .route("/api/bulk-instances", get(bulk_instances))
        .route("/api/reset-hostname-resolve-cache", get(reset_hostname_cache))
        .route("/api/reload-cluster-alias", refuse("This API call has been retired"))
        .route(
            "/api/grab-election",
            refuse("leadership is raft's here: use /api/raft-yield/:node or orchestrator-client -c raft-elect-leader"),
        )
        .route(
            "/api/reelect",
            refuse("leadership is raft's here: use /api/raft-yield/:node or orchestrator-client -c raft-elect-leader"),
        )
        .route(
            "/api/raft-follower-health-report/{token}/{bind}/{advertise}",
            refuse("followers report to the leader through raft heartbeats here"),
        )
        .route("/api/regroup-replicas-bls/{host}/{port}", refuse(NO_BINLOG_SERVERS))
        .route("/api/regroup-slaves-bls/{host}/{port}", refuse(NO_BINLOG_SERVERS))
        .route(
            "/api/master-equivalent/{host}/{port}/{file}/{pos}",
            refuse(
                "equivalence coordinates are not recorded here (replicas are moved by GTID or \
                 START SLAVE UNTIL), so there are no equivalent master coordinates to look up",
            ),
        )
}

/// Why `regroup-replicas-bls` is refused.
const NO_BINLOG_SERVERS: &str =
    "binlog servers are not managed here: none is ever detected, so there are none to regroup";

/// `GET /api/lb-check`, `/api/_ping`: `"OK"`.
async fn lb_check() -> Response {
    json_with(StatusCode::OK, "OK")
}

/// `GET /api/headers`: the request's headers, as Go's `http.Header` (name → values).
async fn headers(headers: HeaderMap) -> Response {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &headers {
        if name.as_str().eq_ignore_ascii_case("authorization") {
            continue;
        }
        let value = value.to_str().unwrap_or_default().to_string();
        map.entry(canonical_header(name.as_str())).or_default().push(value);
    }
    json_with(StatusCode::OK, map)
}

/// `content-type` → `Content-Type`, as Go prints header names.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `GET /api/resolve/:host/:port`: whether a TCP connection to the instance opens.
async fn resolve(Path((host, port)): KeyPath) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    let address = format!("{}:{}", key.hostname, key.port);
    match tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(&address))
        .await
    {
        Ok(Ok(_)) => ok("Instance resolved", key),
        Ok(Err(e)) => error(ApiError::Internal(format!("cannot connect to {address}: {e}"))),
        Err(_) => error(ApiError::Internal(format!("cannot connect to {address}: timed out"))),
    }
}

/// `GET /api/automated-recovery-filters`.
async fn filters(State(node): State<AppState>) -> Response {
    let r = &node.config.recovery();
    let list = |f: &app::core::ClusterFilters| f.entries().map(String::from).collect::<Vec<_>>();
    ok(
        "Automated recovery configuration details",
        json!({
            "RecoverMasterClusterFilters": list(&r.master_filters),
            "RecoverIntermediateMasterClusterFilters": list(&r.intermediate_master_filters),
            "RecoveryIgnoreHostnameFilters": Value::Array(Vec::new()),
        }),
    )
}

/// `GET /api/hostname-resolve-cache`: empty (hostnames are used as the topology reports them).
async fn hostname_cache() -> Response {
    ok("Cache retrieved", json!({}))
}

/// `GET /api/reset-hostname-resolve-cache`: nothing to reset.
async fn reset_hostname_cache() -> Response {
    ok("Hostname cache cleared", Value::Null)
}

/// `GET /api/bulk-instances`: the key of every instance this node knows.
async fn bulk_instances(State(node): State<AppState>) -> Response {
    let snapshot = node.analysis.get();
    let keys: Vec<_> = snapshot.topology.instances().map(|i| i.key.clone()).collect();
    json_with(StatusCode::OK, keys)
}

#[cfg(test)]
mod tests {
    use super::canonical_header;

    #[test]
    fn header_names_print_as_go_does() {
        assert_eq!(canonical_header("content-type"), "Content-Type");
        assert_eq!(canonical_header("x-forwarded-user"), "X-Forwarded-User");
    }
}
