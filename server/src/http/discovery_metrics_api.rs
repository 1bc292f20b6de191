//! orchestrator's discovery, discovery-queue, backend-query and write-buffer metrics routes
//! (`/api/*-metrics-{raw,aggregated}/:seconds`), answered locally: each node reports its own
//! probes (`probe_metrics`), aggregated by `app::core::discovery_metrics`.

use app::api::ApiError;
use app::core::discovery_metrics::{
    aggregate_discovery, aggregate_queries, aggregate_queue, aggregate_write_buffer,
};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::reply::error;
use crate::ports::AppState;

/// The eight routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/discovery-metrics-raw/{seconds}", get(discovery_raw))
        .route("/api/discovery-metrics-aggregated/{seconds}", get(discovery_aggregated))
        .route("/api/discovery-queue-metrics-raw/{seconds}", get(queue_raw))
        .route("/api/discovery-queue-metrics-aggregated/{seconds}", get(queue_aggregated))
        .route("/api/backend-query-metrics-raw/{seconds}", get(queries_raw))
        .route("/api/backend-query-metrics-aggregated/{seconds}", get(queries_aggregated))
        .route("/api/write-buffer-metrics-raw/{seconds}", get(flushes_raw))
        .route("/api/write-buffer-metrics-aggregated/{seconds}", get(flushes_aggregated))
}

/// `:seconds`, a positive whole number, as orchestrator requires.
fn seconds(text: &str) -> Result<u64, ApiError> {
    match text.parse::<u64>() {
        Ok(s) if s > 0 => Ok(s),
        _ => Err(ApiError::Validation(format!(
            "Invalid value provided for seconds: {text:?} (a positive whole number)"
        ))),
    }
}

/// Answers `f(seconds)` as JSON, or the refusal of a bad `:seconds`.
fn answer<T: serde::Serialize>(text: &str, f: impl FnOnce(u64) -> T) -> Response {
    match seconds(text) {
        Ok(s) => Json(f(s)).into_response(),
        Err(e) => error(e),
    }
}

async fn discovery_raw(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| node.probe_metrics.discovery(s))
}

async fn discovery_aggregated(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| aggregate_discovery(&node.probe_metrics.discovery(s)))
}

async fn queue_raw(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| node.probe_metrics.queue(s))
}

async fn queue_aggregated(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| aggregate_queue(&node.probe_metrics.queue(s)))
}

async fn queries_raw(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| node.probe_metrics.queries(s))
}

async fn queries_aggregated(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| aggregate_queries(&node.probe_metrics.queries(s)))
}

async fn flushes_raw(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    answer(&s, |s| node.probe_metrics.flushes(s))
}

async fn flushes_aggregated(State(node): State<AppState>, Path(s): Path<String>) -> Response {
    let settings = node.probe_metrics.settings();
    answer(&s, |s| {
        aggregate_write_buffer(
            &node.probe_metrics.flushes(s),
            settings.write_buffer_size,
            settings.flush_interval.as_millis() as u64,
        )
    })
}
