//! Middleware: authenticate every HTTP request, require write rights on write routes, and guard
//! the raft port.
//!
//! [`authenticate`] runs first on the HTTP listener. It accepts the peer secret (→ [`Role::Peer`]),
//! then the configured method's credentials, and attaches the [`Identity`] to the request. It
//! also normalises headers so that nothing downstream can be fooled or leak a credential: the
//! peer-secret header is removed (the reverse proxy can never forward it), and `X-Forwarded-User`
//! is set to the authenticated user (audit records name who really asked). `/internal/*` is
//! authorized here, as [`Action::Internal`]. Failures are logged without credentials.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::secret::{basic_credentials, same};
use super::{authorize, csrf, Action, Identity, Role, Security, PEER_SECRET_HEADER};
use crate::config::security::AuthMethod;

/// Header naming the caller for audit (as orchestrator's proxy mode uses it).
const AUDIT_USER_HEADER: &str = "x-forwarded-user";
/// Longest user name accepted from `AuthUserHeader`.
const MAX_USER_LEN: usize = 256;

/// `{Code: "ERROR", Message, Details: null}` with `status`.
pub fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"Code": "ERROR", "Message": message, "Details": null}))).into_response()
}

fn unauthorized(security: &Security, message: &str) -> Response {
    let mut response = refuse(StatusCode::UNAUTHORIZED, message);
    if matches!(security.config.method, AuthMethod::Basic | AuthMethod::Multi) {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"orchestrator\""),
        );
    }
    response
}

/// Why a request could not be authenticated (never includes a credential).
enum Failure {
    Missing(&'static str),
    Wrong(&'static str),
}

fn authenticate_user(security: &Security, request: &Request) -> Result<Identity, Failure> {
    let config = &security.config;
    match config.method {
        AuthMethod::None => Ok(Identity { user: None, role: Role::Writer }),
        AuthMethod::Basic | AuthMethod::Multi => {
            let (user, password) = basic_credentials(request.headers().get(header::AUTHORIZATION))
                .ok_or(Failure::Missing("basic authentication required"))?;
            if config.method == AuthMethod::Multi && user == "readonly" {
                return Ok(Identity { user: Some(user), role: Role::Reader });
            }
            let user_ok = same(user.as_bytes(), config.http_auth_user.as_bytes());
            let password_ok = same(password.as_bytes(), config.http_auth_password.0.as_bytes());
            if user_ok & password_ok {
                Ok(Identity { user: Some(user), role: Role::Writer })
            } else {
                Err(Failure::Wrong("wrong user or password"))
            }
        }
        AuthMethod::Proxy => {
            let user = request
                .headers()
                .get(config.auth_user_header.as_str())
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .ok_or(Failure::Missing(
                    "no user: this node expects a front proxy to set AuthUserHeader",
                ))?;
            if user.len() > MAX_USER_LEN || user.chars().any(char::is_control) {
                return Err(Failure::Wrong("malformed user name in AuthUserHeader"));
            }
            let power = config.power_auth_users.iter().any(|p| p == "*" || p == user);
            Ok(Identity {
                user: Some(user.to_string()),
                role: if power { Role::Writer } else { Role::Reader },
            })
        }
    }
}

/// Authenticates the request and attaches its [`Identity`]; refuses it with 401/403 otherwise.
pub async fn authenticate(
    State(security): State<Arc<Security>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let peer = match (request.headers().get(PEER_SECRET_HEADER), &security.peer_secret) {
        (None, _) => false,
        (Some(given), Some(secret)) if secret.matches(given.as_bytes()) => true,
        (Some(_), _) => {
            tracing::warn!(%path, "refused a request with a wrong peer secret");
            return unauthorized(&security, "wrong peer secret");
        }
    };
    let identity = if peer {
        Identity { user: None, role: Role::Peer }
    } else if path.starts_with("/internal/") || path == "/internal" {
        // Peers only; without a configured secret `authorize` decides (open only when nothing is).
        Identity {
            user: None,
            role: if security.config.authenticates() { Role::Reader } else { Role::Writer },
        }
    } else if security.config.is_open(&path) {
        Identity::anonymous_reader()
    } else {
        match authenticate_user(&security, &request) {
            Ok(identity) => identity,
            Err(Failure::Missing(why) | Failure::Wrong(why)) => {
                tracing::info!(%path, reason = why, "refused an unauthenticated request");
                return unauthorized(&security, why);
            }
        }
    };
    if path.starts_with("/internal/") || path == "/internal" {
        if let Err(e) = authorize(Some(&identity), Action::Internal, &security) {
            tracing::warn!(%path, "refused a node-to-node call without the peer secret");
            return refuse(StatusCode::FORBIDDEN, &e.to_string());
        }
    } else if csrf::unsafe_method(request.method()) {
        if let Err(reason) = csrf::check(request.headers(), &security.config) {
            tracing::warn!(%path, %reason, "refused a cross-site request");
            return refuse(StatusCode::FORBIDDEN, &reason);
        }
    }
    let headers = request.headers_mut();
    headers.remove(PEER_SECRET_HEADER);
    if security.config.authenticates() {
        headers.remove(AUDIT_USER_HEADER);
        if let Some(value) = identity.user.as_deref().and_then(|u| HeaderValue::from_str(u).ok()) {
            headers.insert(AUDIT_USER_HEADER, value);
        }
    }
    request.extensions_mut().insert(identity);
    next.run(request).await
}

/// Route layer of every write route: same-origin check, then [`authorize`] as a write.
/// Runs before the follower → leader proxy, so a follower never forwards a refused write.
pub async fn require_write(
    State(security): State<Arc<Security>>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(reason) = csrf::check(request.headers(), &security.config) {
        tracing::warn!(path = %request.uri().path(), %reason, "refused a cross-site write");
        return refuse(StatusCode::FORBIDDEN, &reason);
    }
    match authorize(request.extensions().get::<Identity>(), Action::Write, &security) {
        Ok(()) => next.run(request).await,
        Err(e) => {
            tracing::info!(path = %request.uri().path(), "refused a write: {e}");
            refuse(StatusCode::FORBIDDEN, &e.to_string())
        }
    }
}

/// The raft port's guard: every RPC must carry the peer secret when one is configured
/// (mutual TLS, when configured, has already checked the peer's certificate).
pub async fn raft_guard(
    State(security): State<Arc<Security>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(secret) = &security.peer_secret {
        match request.headers().get(PEER_SECRET_HEADER) {
            Some(given) if secret.matches(given.as_bytes()) => {}
            Some(_) => {
                tracing::warn!(path = %request.uri().path(), "refused a raft RPC with a wrong peer secret");
                return refuse(StatusCode::FORBIDDEN, "wrong peer secret");
            }
            None => {
                tracing::warn!(path = %request.uri().path(), "refused a raft RPC without the peer secret");
                return refuse(StatusCode::UNAUTHORIZED, "raft RPC needs the peer secret");
            }
        }
    }
    request.headers_mut().remove(PEER_SECRET_HEADER);
    next.run(request).await
}
