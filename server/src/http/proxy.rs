//! Follower → leader reverse proxy for write endpoints and `routed-leader-check`.
//!
//! A follower forwards the whole request (method, path, query, headers, body) to the leader's
//! URI and relays the answer. It serves the request itself when it leads, when no leader is
//! known, when the leader's URI is its own, or when the request was already forwarded once
//! (the `X-Orchestrator-Forwarded-By` header): proxying can never loop.

use std::time::Duration;

use app::api::ApiError;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::{HeaderName, Response as HttpResponse};
use axum::middleware::Next;
use axum::response::Response;

use super::reply::error;
use crate::ports::AppState;
use crate::propose::COMMIT_TIMEOUT;

/// Header marking a request a follower already forwarded.
pub const FORWARDED_BY: &str = "x-orchestrator-forwarded-by";
/// Header telling the leader which host the caller addressed.
const FORWARDED_HOST: &str = "x-forwarded-host";
/// How long a follower waits for the leader's answer to a topology operation.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(32);
/// Largest request body forwarded.
const MAX_FORWARD_BODY: usize = 1024 * 1024;

/// Headers that describe one connection, not the request.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "upgrade"
            | "te"
            | "trailer"
            | "host"
            | "content-length"
            | "accept-encoding"
    )
}

/// Middleware: forward to the leader unless this node should answer itself.
pub async fn to_leader(State(node): State<AppState>, request: Request, next: Next) -> Response {
    if request.headers().contains_key(FORWARDED_BY) || node.member.is_leader_with_quorum() {
        return next.run(request).await;
    }
    let leader = node.member.leader();
    let Some(leader) = leader.filter(|l| *l != node.member.id()) else {
        return next.run(request).await;
    };
    let Some(uri) = node.member.route_to(leader).await else {
        return next.run(request).await;
    };
    let result = tokio::select! {
        r = forward(&node, &uri, request) => r,
        () = node.member.leader_changed_from(leader) => Err(ForwardError::Unreachable(
            "leadership changed while the request was in flight; its outcome is unknown, retry".to_string(),
        )),
    };
    match result {
        Ok(response) => response,
        Err(ForwardError::TooLarge) => too_large(),
        Err(ForwardError::Refused(reason)) => error(ApiError::Validation(reason)),
        Err(ForwardError::Unreachable(reason)) => {
            error(ApiError::Unavailable(format!("cannot reach the raft leader at {uri}: {reason}")))
        }
    }
}

/// Why a request was not relayed.
#[derive(Debug)]
enum ForwardError {
    /// The body is larger than the HTTP port accepts: 413, as the leader would answer.
    TooLarge,
    /// The request cannot be relayed unchanged (400).
    Refused(String),
    /// The leader did not answer (503).
    Unreachable(String),
}

fn too_large() -> Response {
    let body = super::reply::Envelope {
        code: "ERROR",
        message: format!("request body larger than {MAX_FORWARD_BODY} bytes"),
        details: serde_json::Value::Null,
    };
    super::reply::json_with(axum::http::StatusCode::PAYLOAD_TOO_LARGE, body)
}

/// The leader's URL for `path_and_query`, exactly as the caller wrote it. URL parsing would
/// re-encode some characters or resolve dot segments; such a request is refused rather than
/// relayed as a different one.
pub fn leader_url(leader_uri: &str, path_and_query: &str) -> Result<reqwest::Url, String> {
    let text = format!("{leader_uri}{path_and_query}");
    let url = reqwest::Url::parse(&text)
        .map_err(|e| format!("cannot forward {path_and_query:?}: {e}"))?;
    let relayed = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    if relayed != path_and_query {
        return Err(format!(
            "the path {path_and_query:?} cannot be forwarded to the leader unchanged; encode it"
        ));
    }
    Ok(url)
}

async fn forward(
    node: &AppState,
    leader_uri: &str,
    request: Request,
) -> Result<Response, ForwardError> {
    let (parts, body) = request.into_parts();
    // The leader serves under the same URLPrefix; the prefix was taken off on the way in.
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let path = format!("{}{path}", node.config.http.url_prefix);
    let url = leader_url(leader_uri, &path).map_err(ForwardError::Refused)?;
    let body = to_bytes(body, MAX_FORWARD_BODY).await.map_err(|e| {
        if body_too_large(&e) {
            ForwardError::TooLarge
        } else {
            ForwardError::Refused(format!("cannot read request body: {e}"))
        }
    })?;
    // A topology operation answers within its own wait (25 s) on the leader; a write within the
    // commit timeout.
    let timeout = if super::operations_api::is_operation_path(parts.uri.path())
        || super::membership_api::is_membership_path(parts.uri.path())
    {
        OPERATION_TIMEOUT
    } else {
        COMMIT_TIMEOUT + Duration::from_secs(2)
    };
    let mut outgoing = node
        .member
        .relay_client()
        .request(parts.method.clone(), url)
        .timeout(timeout)
        .header(FORWARDED_BY, node.member.id().to_string())
        .body(body);
    for (name, value) in parts.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
        outgoing = outgoing.header(name, value);
    }
    // The host the caller addressed, for the leader's same-origin (CSRF) check.
    if let (Some(host), false) =
        (parts.headers.get(HOST), parts.headers.contains_key(FORWARDED_HOST))
    {
        outgoing = outgoing.header(FORWARDED_HOST, host);
    }
    let unreachable = |e: reqwest::Error| ForwardError::Unreachable(e.to_string());
    let answer = outgoing.send().await.map_err(unreachable)?;
    let mut response = HttpResponse::builder().status(answer.status());
    for (name, value) in answer.headers().iter().filter(|(n, _)| !hop_by_hop(n)) {
        response = response.header(name, value);
    }
    let bytes = answer.bytes().await.map_err(unreachable)?;
    response.body(Body::from(bytes)).map_err(|e| ForwardError::Unreachable(e.to_string()))
}

/// Whether reading a body failed on a size limit (ours, or the listener's limit layer).
fn body_too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::leader_url;

    #[test]
    fn paths_are_relayed_byte_for_byte_or_refused() {
        for path in [
            "/api/begin-downtime/h/3306/ops/maint%20window/2d",
            "/api/set-cluster-alias/c1?alias=a%27b",
            "/api/search/a%2Fb",
            "/api/begin-downtime/h/3306/%C3%A9t%C3%A9/r",
        ] {
            let url = leader_url("http://127.0.0.1:3000", path).expect(path);
            let relayed = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            assert_eq!(relayed, path);
        }
        assert!(leader_url("http://127.0.0.1:3000", "/api/forget/%2E/3306").is_err());
        assert!(leader_url("http://127.0.0.1:3000", "/api/forget/x/../3306").is_err());
    }
}
