//! Prometheus metrics: one process-wide recorder (the `metrics` facade, rendered in Prometheus's
//! text format by `metrics-exporter-prometheus`, without its own HTTP server), the events the
//! node records as they happen ([`record`]), and the values read at scrape time ([`scrape`]).
//!
//! `/metrics` is served by the HTTP listener (`http/metrics_api.rs`); the series are listed in
//! `docs/metrics.md`.

pub mod names;
pub mod process;
pub mod raft_watch;
pub mod record;
pub mod scrape;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

/// Buckets of the latency histograms (seconds): 0.25 ms to 30 s.
const SECONDS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0,
];
/// Buckets of the proposal batch sizes (commands per raft entry).
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];
/// Recovery durations (seconds).
const RECOVERY: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0];
/// A gauge not set for this long disappears (a peer's lag once this node no longer leads).
const GAUGE_IDLE: Duration = Duration::from_secs(15);

/// Environment variable that turns event recording off (`1`), for measuring the recorder's own
/// cost on the write path (`orchestrator-bench` A/B runs, docs/benchmarks.md). Not a config key:
/// operators have no reason to run without metrics.
pub const DISABLE_ENV: &str = "ORC_METRICS_DISABLED";

fn recording_disabled() -> bool {
    std::env::var(DISABLE_ENV).is_ok_and(|v| v == "1")
}

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(install)
}

fn install() -> PrometheusHandle {
    let builder = PrometheusBuilder::new()
        .idle_timeout(MetricKindMask::GAUGE, Some(GAUGE_IDLE))
        .set_buckets_for_metric(Matcher::Full(names::RECOVERY_SECONDS.into()), RECOVERY)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS))
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(names::PROPOSAL_BATCH.into()), BATCH));
    let recorder = match builder {
        Ok(b) => b.build_recorder(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics buckets refused; histograms render as summaries");
            PrometheusBuilder::new().build_recorder()
        }
    };
    let handle = recorder.handle();
    if recording_disabled() {
        tracing::warn!(
            "{DISABLE_ENV}=1: events are not recorded; /metrics serves only scrape-time values"
        );
        names::describe();
        return handle;
    }
    if let Err(e) = metrics::set_global_recorder(recorder) {
        tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
    }
    names::describe();
    handle
}
