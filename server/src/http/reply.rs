//! Orchestrator's reply envelope `{Code, Message, Details}` and error → HTTP status mapping.

use app::api::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// `{Code, Message, Details}` as orchestrator's API answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope<T: Serialize> {
    /// `OK` or `ERROR`.
    pub code: &'static str,
    /// Human-readable outcome.
    pub message: String,
    /// Payload.
    pub details: T,
}

/// 200 with `Code: OK`.
pub fn ok<T: Serialize>(message: impl Into<String>, details: T) -> Response {
    Json(Envelope { code: "OK", message: message.into(), details }).into_response()
}

/// An error reply with the error's own status and `Code: ERROR`: 400, 403, 404, 500; 503 with
/// `Retry-After` when nothing was committed (a retry is safe); 504 when the outcome is unknown.
pub fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = Envelope { code: "ERROR", message: e.to_string(), details: serde_json::Value::Null };
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
    }
    response
}

/// A JSON value with a status (orchestrator answers some checks with a bare JSON string).
pub fn json_with<T: Serialize>(status: StatusCode, value: T) -> Response {
    (status, Json(value)).into_response()
}
