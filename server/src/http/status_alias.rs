//! `StatusEndpoint`: the configured path answers as `/api/status`. It is served by the `/api`
//! catch-all (so it can never clash with a route); any other unknown path stays a JSON 404.

use axum::extract::{Request, State};
use axum::response::Response;

use crate::ports::AppState;

/// The `/api/{*rest}` handler: `/api/status` for the configured `StatusEndpoint`, else the
/// unknown-path answer.
pub async fn or_unknown(State(node): State<AppState>, request: Request) -> Response {
    let endpoint = node.config.http.status_endpoint.as_str();
    if endpoint != "/api/status" && request.uri().path() == endpoint {
        return super::raft_api::status(State(node)).await;
    }
    super::api_errors::unknown_path(request).await
}
