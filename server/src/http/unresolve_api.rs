//! The hostname unresolve registrations in force, read locally from the node's replicated
//! `hostname_unresolve` (orchestrator shows them only with its CLI `show-unresolve-hosts`; this
//! path is orchestrator-rs's). Registering and deregistering are write routes.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::topology_api::reply;
use crate::error::internal;
use crate::ports::AppState;

/// The read route (answered locally).
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/hostname-unresolves", get(unresolves))
}

/// One registration.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UnresolveJson {
    hostname: String,
    unresolved_hostname: String,
    last_registered: String,
}

/// `GET /api/hostname-unresolves`: registrations made within `ExpiryHostnameResolvesMinutes`.
async fn unresolves(State(node): State<AppState>) -> Response {
    let expiry = node.config.discovery.resolve.expiry.as_millis() as i64;
    let since = node.clock.now_ms() - expiry;
    reply(node.store.hostname_unresolves(since).await.map_err(internal).map(|rows| {
        rows.into_iter()
            .map(|u| UnresolveJson {
                hostname: u.hostname,
                unresolved_hostname: u.unresolved_hostname,
                last_registered: app::core::time_fmt::format_utc(u.registered_at_ms),
            })
            .collect::<Vec<_>>()
    }))
}
