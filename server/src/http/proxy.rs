//! Follower → leader reverse proxy for write endpoints and `routed-leader-check`.
//!
//! A follower forwards the whole request (method, path, query, headers, body) to the leader's
//! URI and relays the answer. It serves the request itself when it leads, when no leader is
//! known, when the leader's URI is its own, or when the request was already forwarded once
//! (the `X-Orchestrator-Forwarded-By` header): proxying can never loop.

use std::sync::Arc;
use std::time::Duration;

use app::api::ApiError;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::{HeaderName, Response as HttpResponse};
use axum::middleware::Next;
use axum::response::Response;

use super::reply::error;
use crate::node::Node;
use crate::propose::COMMIT_TIMEOUT;

/// Header marking a request a follower already forwarded.
pub const FORWARDED_BY: &str = "x-orchestrator-forwarded-by";
/// Header telling the leader which host the caller addressed.
const FORWARDED_HOST: &str = "x-forwarded-host";
/// Largest request body forwarded.
const MAX_FORWARD_BODY: usize = 1024 * 1024;

/// Headers that describe one connection, not the request.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "proxy-connection" | "transfer-encoding" | "upgrade" | "te" | "trailer"
            | "host" | "content-length" | "accept-encoding"
    )
}

/// Middleware: forward to the leader unless this node should answer itself.
pub async fn to_leader(State(node): State<Arc<Node>>, request: Request, next: Next) -> Response {
    if request.headers().contains_key(FORWARDED_BY) || node.is_leader_with_quorum() {
        return next.run(request).await;
    }
    let leader = node.raft.metrics().borrow().current_leader;
    let Some(leader) = leader.filter(|l| *l != node.id) else {
        return next.run(request).await;
    };
    let Some(uri) = node.leader_uri(leader).await.filter(|u| *u != node.http_uri()) else {
        return next.run(request).await;
    };
    let result = tokio::select! {
        r = forward(&node, &uri, request) => r,
        () = node.leader_changed_from(leader) => {
            Err("leadership changed while the request was in flight; its outcome is unknown, retry".to_string())
        }
    };
    match result {
        Ok(response) => response,
        Err(reason) => error(ApiError::Unavailable(format!("cannot reach the raft leader at {uri}: {reason}"))),
    }
}

async fn forward(node: &Node, leader_uri: &str, request: Request) -> Result<Response, String> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let body = to_bytes(body, MAX_FORWARD_BODY).await.map_err(|e| format!("cannot read request body: {e}"))?;
    let mut outgoing = node
        .http
        .request(parts.method.clone(), format!("{leader_uri}{path}"))
        .timeout(COMMIT_TIMEOUT + Duration::from_secs(2))
        .header(FORWARDED_BY, node.id.to_string())
        .body(body);
    for (name, value) in parts.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
        outgoing = outgoing.header(name, value);
    }
    // The host the caller addressed, for the leader's same-origin (CSRF) check.
    if let (Some(host), false) = (parts.headers.get(HOST), parts.headers.contains_key(FORWARDED_HOST)) {
        outgoing = outgoing.header(FORWARDED_HOST, host);
    }
    let answer = outgoing.send().await.map_err(|e| e.to_string())?;
    let mut response = HttpResponse::builder().status(answer.status());
    for (name, value) in answer.headers().iter().filter(|(n, _)| !hop_by_hop(n)) {
        response = response.header(name, value);
    }
    let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
    response.body(Body::from(bytes)).map_err(|e| e.to_string())
}
