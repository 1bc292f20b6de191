//! `StatusEndpoint`: requests to the configured path are answered as `/api/status`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;

/// Rewrites a request for the configured status endpoint to `/api/status` (query kept).
pub async fn rewrite(
    State(endpoint): State<Arc<String>>,
    mut request: Request,
    next: Next,
) -> Response {
    if endpoint.as_str() != "/api/status" && request.uri().path() == endpoint.as_str() {
        let target = match request.uri().query() {
            Some(q) => format!("/api/status?{q}"),
            None => "/api/status".to_string(),
        };
        if let Ok(uri) = target.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    next.run(request).await
}
