//! Every `/api` answer is JSON: an unknown `/api/...` path is a 404 `{Code: "ERROR", Message}`
//! (never the dashboard's HTML page), and any other failure that did not come out of a handler
//! as JSON (a wrong method, a body limit, a timeout, an extractor's plain-text refusal) is
//! rewrapped into orchestrator's envelope with its status kept, so scripts piping through `jq`
//! always parse what they get.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::reply::Envelope;

/// Longest non-JSON error body kept as the message.
const MAX_TEXT: usize = 16 * 1024;

/// Whether a request path is an API path.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The handler of every `/api` path no route serves.
pub async fn unknown_path(request: Request) -> Response {
    let message = format!(
        "unknown API path {}: orchestrator-rs does not serve it (see the README's API table)",
        request.uri().path()
    );
    let body = Envelope { code: "ERROR", message, details: serde_json::Value::Null };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The message of a non-JSON error body: its text when it is short plain text, else the status.
fn message_of(status: StatusCode, path: &str, text: &str) -> String {
    let text = text.trim();
    let reason = status.canonical_reason().unwrap_or("error");
    if text.is_empty() || text.starts_with('<') {
        format!("{reason}: {path}")
    } else {
        format!("{reason}: {text}")
    }
}

/// Middleware (outermost): rewraps non-JSON error answers to `/api` paths as JSON envelopes.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    if !is_api(&path) || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    if is_json(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, MAX_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let envelope = Envelope {
        code: "ERROR",
        message: message_of(status, &path, &text),
        details: serde_json::Value::Null,
    };
    let bytes = serde_json::to_vec(&envelope).unwrap_or_else(|_| b"{}".to_vec());
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_short_text_and_drop_html() {
        assert_eq!(
            message_of(StatusCode::METHOD_NOT_ALLOWED, "/api/x", ""),
            "Method Not Allowed: /api/x"
        );
        assert_eq!(
            message_of(StatusCode::BAD_REQUEST, "/api/x", "Invalid URL: bad"),
            "Bad Request: Invalid URL: bad"
        );
        assert_eq!(
            message_of(StatusCode::INTERNAL_SERVER_ERROR, "/api/x", "<!DOCTYPE html><html>"),
            "Internal Server Error: /api/x"
        );
        assert!(is_api("/api/foo") && is_api("/api") && !is_api("/apix") && !is_api("/web"));
    }
}
