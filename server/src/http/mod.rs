//! The HTTP listener's router: orchestrator's `/api`, node-to-node `/internal`, the dashboard.

mod analysis_json;
mod api_errors;
mod audit_api;
mod audit_json;
mod cluster_recovery_api;
mod compat_api;
mod discovery_metrics_api;
mod embedded_site;
mod history_api;
mod instance_json;
mod internal;
mod kv_api;
mod maintenance_api;
mod membership_api;
mod metrics_api;
mod operations_api;
pub mod path_guard;
mod promotion_plan_api;
pub mod proxy;
mod raft_api;
mod reads;
mod recovery_api;
mod reload_api;
mod reply;
mod site;
mod status_alias;
mod tags_api;
mod topology_api;
mod unresolve_api;
mod url_prefix;
mod write_routes;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use crate::ports::AppState;
pub use operations_api::paths as operation_paths;

/// Largest request body accepted on the HTTP port.
const MAX_BODY: usize = 1024 * 1024;

/// Builds the whole HTTP router for `node`.
pub fn router(node: AppState, leptos: LeptosOptions) -> Router {
    let security = node.security.clone();
    // Every write route is authorized (crate::auth) before the proxy forwards it to the leader.
    let write = || from_fn_with_state(security.clone(), crate::auth::require_write);
    // Writes go to the leader: the proxy layer forwards them from a follower.
    let mut proxied = Router::new();
    for r in write_routes::WRITE_ROUTES {
        let handler = move |state, params, query| write_routes::handle(state, r, params, query);
        proxied = proxied.route(r.path, get(handler).post(handler));
    }
    let proxied = proxied
        .merge(recovery_api::routes())
        .merge(cluster_recovery_api::routes())
        .merge(operations_api::routes())
        .merge(membership_api::leader_routes())
        .merge(kv_api::routes())
        .merge(tags_api::untag_routes())
        .layer(from_fn_with_state(node.clone(), proxy::to_leader))
        .layer(write());
    let proxied_reads = Router::new()
        .route("/api/routed-leader-check", get(raft_api::routed_leader_check))
        .layer(from_fn_with_state(node.clone(), proxy::to_leader));
    let local = Router::new()
        .route("/api/leader-check", get(raft_api::leader_check))
        .route("/api/leader-check/{code}", get(raft_api::leader_check_code))
        .route("/api/raft-health", get(raft_api::raft_health))
        .route("/api/raft-status", get(raft_api::raft_status))
        .route("/api/raft-state", get(raft_api::raft_state))
        .route("/api/raft-leader", get(raft_api::raft_leader))
        .route("/api/raft-peers", get(raft_api::raft_peers))
        .route("/api/raft-yield/{node}", get(raft_api::raft_yield).route_layer(write()))
        .route("/api/raft-yield-hint/{hint}", get(raft_api::raft_yield_hint).route_layer(write()))
        .route("/api/health", get(raft_api::health))
        .route("/api/status", get(raft_api::status))
        .route("/api/downtimed", get(reads::downtimed))
        .route("/api/downtimed/", get(reads::downtimed))
        .route("/api/downtimed/{hint}", get(reads::downtimed_of_cluster))
        .route("/api/candidates", get(reads::candidates))
        .route("/api/bulk-promotion-rules", get(reads::candidates))
        .route("/api/check-global-recoveries", get(reads::check_global_recoveries))
        .route("/internal/propose", post(internal::propose))
        .route("/internal/operate", post(internal::operate))
        .route("/internal/yield", post(internal::yield_leadership))
        .route("/internal/hold-elections", post(internal::hold_elections))
        .route("/internal/membership", post(internal::membership))
        .route("/internal/failures", get(internal::failures))
        .route("/internal/observations", post(internal::observations))
        .merge(topology_api::routes())
        .merge(promotion_plan_api::routes())
        .merge(discovery_metrics_api::routes())
        .merge(maintenance_api::routes())
        .merge(tags_api::routes())
        .merge(history_api::routes())
        .merge(unresolve_api::routes())
        .merge(compat_api::reads())
        .merge(compat_api::writes().route_layer(write()))
        .merge(membership_api::local_routes().route_layer(write()))
        .route("/metrics", get(metrics_api::metrics))
        .route(
            "/api/reload-configuration",
            get(reload_api::reload_configuration)
                .post(reload_api::reload_configuration)
                .route_layer(write()),
        )
        .route("/api", any(api_errors::unknown_path))
        .route("/api/", any(api_errors::unknown_path))
        .route("/api/{*rest}", any(status_alias::or_unknown));
    let node_config = node.config.clone();
    let router = proxied
        .merge(proxied_reads)
        .merge(local)
        .route_layer(axum::middleware::from_fn(metrics_api::timed))
        .with_state(node.clone())
        .merge(site::router(node, leptos))
        .layer(from_fn_with_state(security, crate::auth::authenticate))
        .layer(axum::middleware::from_fn(path_guard::guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(api_errors::json_errors));
    with_prefix(router, &node_config)
}

/// Puts the router under `URLPrefix` (unchanged when there is none).
fn with_prefix(router: Router, config: &crate::config::NodeConfig) -> Router {
    let http = &config.http;
    if http.url_prefix.is_empty() {
        return router;
    }
    let custom_status =
        (http.status_endpoint != "/api/status").then(|| http.status_endpoint.clone());
    let prefix = url_prefix::Prefix { prefix: http.url_prefix.clone(), custom_status };
    // A Router's own layers run after routing; the prefix must come off before it, so the whole
    // router becomes the service behind the prefix middleware.
    let prefixed = tower::Layer::layer(&from_fn_with_state(prefix, url_prefix::apply), router);
    Router::new().fallback_service(prefixed)
}
