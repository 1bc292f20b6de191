//! `GET /metrics` in Prometheus's text format, and the middleware that times every API request
//! by its route template.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::metrics::scrape::Figures;
use crate::ports::AppState;

/// `GET /metrics`.
pub async fn metrics(State(node): State<AppState>) -> Response {
    let status = node.member.status().await;
    let leads = node.member.is_leader_with_quorum();
    let members = node.member.members();
    let voters: Vec<u64> = members.iter().filter(|m| m.voter).map(|m| m.id).collect();
    let analysis = node.analysis.get();
    let body = crate::metrics::scrape::render(&Figures {
        status: &status,
        leads,
        voters: &voters,
        learners: members.len() - voters.len(),
        analysis: &analysis,
        now_ms: node.clock.now_ms(),
    });
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
        .into_response()
}

/// Middleware (a route layer, so the matched template is known): counts and times the request.
pub async fn timed(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    crate::metrics::record::http_request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
