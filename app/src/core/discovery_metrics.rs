//! orchestrator's discovery, discovery-queue, backend-query and write-buffer metrics: the raw
//! records (with orchestrator's JSON field names) and their aggregates, computed as orchestrator
//! does with montanaflynn/stats (mean, median, max, its 95th percentile). Pure: no clock, no I/O.
//!
//! Deviations, on purpose: an empty series aggregates to 0 everywhere (orchestrator's queue
//! `…MinEntries` of nothing is 9e9); `SuccessfulDiscoveries` counts the successful probes only
//! (orchestrator counts every probe there); `Err` is the error's text or `null` (Go marshals a
//! non-nil error as `{}`).

use serde::{Serialize, Serializer};

use super::time_fmt::format_utc;

/// Unix ms as Go marshals a `time.Time`: RFC 3339 with the fraction's trailing zeros trimmed.
pub fn rfc3339(unix_ms: i64) -> String {
    let base = format_utc(unix_ms).replacen(' ', "T", 1);
    let ms = unix_ms.rem_euclid(1000);
    if ms == 0 {
        return format!("{base}Z");
    }
    let fraction = format!("{ms:03}");
    format!("{base}.{}Z", fraction.trim_end_matches('0'))
}

fn timestamp<S: Serializer>(unix_ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*unix_ms))
}

fn optional_timestamp<S: Serializer>(unix_ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match unix_ms {
        Some(ms) => timestamp(ms, s),
        None => s.serialize_str("0001-01-01T00:00:00Z"), // Go's zero time
    }
}

/// One probe (orchestrator's `discovery.MetricJSON`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiscoveryMetric {
    /// When it was recorded (unix ms).
    #[serde(serialize_with = "timestamp")]
    pub timestamp: i64,
    /// The probed instance's host.
    pub hostname: String,
    /// Its port.
    pub port: u16,
    /// Time spent on the backend for this probe (its result waiting for and being written).
    pub backend_latency_seconds: f64,
    /// Time spent talking to the instance.
    pub instance_latency_seconds: f64,
    /// Backend plus instance.
    pub total_latency_seconds: f64,
    /// Why the probe failed; `null` when it succeeded.
    pub err: Option<String>,
}

/// One per-second sample of the discovery queue (orchestrator's `discovery.QueueMetric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueMetric {
    /// Probes running (holding a `DiscoveryMaxConcurrency` slot).
    pub active: usize,
    /// Probes due and waiting for a slot.
    pub queued: usize,
}

/// One backend write (orchestrator's `query.Metric`; latencies in nanoseconds, as Go marshals a
/// `time.Duration`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryMetric {
    /// When the write was asked for (unix ms).
    #[serde(serialize_with = "timestamp")]
    pub timestamp: i64,
    /// Waiting before the write started.
    pub wait_latency: u64,
    /// The write itself.
    pub execute_latency: u64,
    /// Why it failed; `null` when it succeeded.
    pub err: Option<String>,
}

/// One flush of the instance write buffer (orchestrator's `inst.WriteBufferMetric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteBufferMetric {
    /// When the flush started (unix ms).
    #[serde(serialize_with = "timestamp")]
    pub timestamp: i64,
    /// Instances flushed.
    pub instances: usize,
    /// Nanoseconds the oldest buffered result waited before the flush.
    pub wait_latency: u64,
    /// Nanoseconds writing to the backend.
    pub write_latency: u64,
}

/// montanaflynn/stats as orchestrator uses it; an empty series is 0.
pub mod stats {
    /// Arithmetic mean.
    pub fn mean(values: &[f64]) -> f64 {
        if values.is_empty() {
            return 0.0;
        }
        values.iter().sum::<f64>() / values.len() as f64
    }

    /// Largest value.
    pub fn max(values: &[f64]) -> f64 {
        values.iter().copied().reduce(f64::max).unwrap_or(0.0)
    }

    /// Smallest value.
    pub fn min(values: &[f64]) -> f64 {
        values.iter().copied().reduce(f64::min).unwrap_or(0.0)
    }

    fn sorted(values: &[f64]) -> Vec<f64> {
        let mut c = values.to_vec();
        c.sort_by(f64::total_cmp);
        c
    }

    /// Middle value; the mean of the two middle ones for an even count.
    pub fn median(values: &[f64]) -> f64 {
        let c = sorted(values);
        let l = c.len();
        match l {
            0 => 0.0,
            _ if l.is_multiple_of(2) => mean(&c[l / 2 - 1..l / 2 + 1]),
            _ => c[l / 2],
        }
    }

    /// stats.Round(x, 0): half rounds up.
    fn round_half_up(x: f64) -> f64 {
        if x.fract() >= 0.5 {
            x.ceil()
        } else {
            x.floor()
        }
    }

    /// stats.Percentile: index = percent/100 × n; a whole index averages the values at
    /// index-1 and index, otherwise the value at round(index)-1; an index below 1 (a single
    /// value, for the 95th) is an error, which orchestrator reports as 0.
    pub fn percentile(values: &[f64], percent: f64) -> f64 {
        if values.is_empty() || percent <= 0.0 || percent >= 100.0 {
            return 0.0;
        }
        let c = sorted(values);
        let index = (percent / 100.0) * c.len() as f64;
        if index == index.trunc() {
            let i = index as usize;
            mean(&[c[i - 1], c[i]])
        } else if index >= 1.0 {
            let i = (round_half_up(index) as usize).min(c.len());
            c[i - 1]
        } else {
            0.0
        }
    }
}

/// Mean, max, median and 95th percentile of one series.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Summary {
    mean: f64,
    max: f64,
    median: f64,
    p95: f64,
}

fn summary(values: &[f64]) -> Summary {
    Summary {
        mean: stats::mean(values),
        max: stats::max(values),
        median: stats::median(values),
        p95: stats::percentile(values, 95.0),
    }
}

/// orchestrator's `discovery.AggregatedDiscoveryMetrics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct AggregatedDiscoveryMetrics {
    #[serde(serialize_with = "optional_timestamp")]
    pub first_seen: Option<i64>,
    #[serde(serialize_with = "optional_timestamp")]
    pub last_seen: Option<i64>,
    pub count_distinct_instance_keys: usize,
    pub count_distinct_ok_instance_keys: usize,
    pub count_distinct_failed_instance_keys: usize,
    pub failed_discoveries: u64,
    pub successful_discoveries: u64,
    pub mean_total_seconds: f64,
    pub mean_backend_seconds: f64,
    pub mean_instance_seconds: f64,
    pub failed_mean_total_seconds: f64,
    pub failed_mean_backend_seconds: f64,
    pub failed_mean_instance_seconds: f64,
    pub max_total_seconds: f64,
    pub max_backend_seconds: f64,
    pub max_instance_seconds: f64,
    pub failed_max_total_seconds: f64,
    pub failed_max_backend_seconds: f64,
    pub failed_max_instance_seconds: f64,
    pub median_total_seconds: f64,
    pub median_backend_seconds: f64,
    pub median_instance_seconds: f64,
    pub failed_median_total_seconds: f64,
    pub failed_median_backend_seconds: f64,
    pub failed_median_instance_seconds: f64,
    #[serde(rename = "P95TotalSeconds")]
    pub p95_total_seconds: f64,
    #[serde(rename = "P95BackendSeconds")]
    pub p95_backend_seconds: f64,
    #[serde(rename = "P95InstanceSeconds")]
    pub p95_instance_seconds: f64,
    #[serde(rename = "FailedP95TotalSeconds")]
    pub failed_p95_total_seconds: f64,
    #[serde(rename = "FailedP95BackendSeconds")]
    pub failed_p95_backend_seconds: f64,
    #[serde(rename = "FailedP95InstanceSeconds")]
    pub failed_p95_instance_seconds: f64,
}

/// Aggregates probe records (orchestrator's `discovery.aggregate`).
pub fn aggregate_discovery(records: &[DiscoveryMetric]) -> AggregatedDiscoveryMetrics {
    use std::collections::BTreeSet;
    let mut a = AggregatedDiscoveryMetrics {
        first_seen: records.iter().map(|r| r.timestamp).min(),
        last_seen: records.iter().map(|r| r.timestamp).max(),
        ..Default::default()
    };
    let (mut all, mut ok, mut failed) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let series = |pick: fn(&DiscoveryMetric) -> f64, only_failed: bool| -> Vec<f64> {
        records.iter().filter(|r| !only_failed || r.err.is_some()).map(pick).collect()
    };
    for r in records {
        let key = (r.hostname.as_str(), r.port);
        all.insert(key);
        if r.err.is_some() {
            failed.insert(key);
            a.failed_discoveries += 1;
        } else {
            ok.insert(key);
            a.successful_discoveries += 1;
        }
    }
    a.count_distinct_instance_keys = all.len();
    a.count_distinct_ok_instance_keys = ok.len();
    a.count_distinct_failed_instance_keys = failed.len();
    let total = |r: &DiscoveryMetric| r.total_latency_seconds;
    let backend = |r: &DiscoveryMetric| r.backend_latency_seconds;
    let instance = |r: &DiscoveryMetric| r.instance_latency_seconds;
    let (t, b, i) = (
        summary(&series(total, false)),
        summary(&series(backend, false)),
        summary(&series(instance, false)),
    );
    let (ft, fb, fi) = (
        summary(&series(total, true)),
        summary(&series(backend, true)),
        summary(&series(instance, true)),
    );
    (a.mean_total_seconds, a.mean_backend_seconds, a.mean_instance_seconds) =
        (t.mean, b.mean, i.mean);
    (a.failed_mean_total_seconds, a.failed_mean_backend_seconds, a.failed_mean_instance_seconds) =
        (ft.mean, fb.mean, fi.mean);
    (a.max_total_seconds, a.max_backend_seconds, a.max_instance_seconds) = (t.max, b.max, i.max);
    (a.failed_max_total_seconds, a.failed_max_backend_seconds, a.failed_max_instance_seconds) =
        (ft.max, fb.max, fi.max);
    (a.median_total_seconds, a.median_backend_seconds, a.median_instance_seconds) =
        (t.median, b.median, i.median);
    (
        a.failed_median_total_seconds,
        a.failed_median_backend_seconds,
        a.failed_median_instance_seconds,
    ) = (ft.median, fb.median, fi.median);
    (a.p95_total_seconds, a.p95_backend_seconds, a.p95_instance_seconds) = (t.p95, b.p95, i.p95);
    (a.failed_p95_total_seconds, a.failed_p95_backend_seconds, a.failed_p95_instance_seconds) =
        (ft.p95, fb.p95, fi.p95);
    a
}

/// orchestrator's `discovery.AggregatedQueueMetrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct AggregatedQueueMetrics {
    pub active_min_entries: f64,
    pub active_mean_entries: f64,
    pub active_median_entries: f64,
    #[serde(rename = "ActiveP95Entries")]
    pub active_p95_entries: f64,
    pub active_max_entries: f64,
    pub queued_min_entries: f64,
    pub queued_mean_entries: f64,
    pub queued_median_entries: f64,
    #[serde(rename = "QueuedP95Entries")]
    pub queued_p95_entries: f64,
    pub queued_max_entries: f64,
}

/// Aggregates queue samples (orchestrator's `AggregatedDiscoveryQueueMetrics`).
pub fn aggregate_queue(samples: &[QueueMetric]) -> AggregatedQueueMetrics {
    let active: Vec<f64> = samples.iter().map(|s| s.active as f64).collect();
    let queued: Vec<f64> = samples.iter().map(|s| s.queued as f64).collect();
    let (a, q) = (summary(&active), summary(&queued));
    AggregatedQueueMetrics {
        active_min_entries: stats::min(&active),
        active_mean_entries: a.mean,
        active_median_entries: a.median,
        active_p95_entries: a.p95,
        active_max_entries: a.max,
        queued_min_entries: stats::min(&queued),
        queued_mean_entries: q.mean,
        queued_median_entries: q.median,
        queued_p95_entries: q.p95,
        queued_max_entries: q.max,
    }
}

/// orchestrator's `query.AggregatedQueryMetrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct AggregatedQueryMetrics {
    pub count: usize,
    pub max_latency_seconds: f64,
    pub mean_latency_seconds: f64,
    pub median_latency_seconds: f64,
    #[serde(rename = "P95LatencySeconds")]
    pub p95_latency_seconds: f64,
    pub max_wait_seconds: f64,
    pub mean_wait_seconds: f64,
    pub median_wait_seconds: f64,
    #[serde(rename = "P95WaitSeconds")]
    pub p95_wait_seconds: f64,
}

fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Aggregates backend writes (orchestrator's `query.AggregatedSince`).
pub fn aggregate_queries(records: &[QueryMetric]) -> AggregatedQueryMetrics {
    let wait: Vec<f64> = records.iter().map(|r| seconds(r.wait_latency)).collect();
    let exec: Vec<f64> = records.iter().map(|r| seconds(r.execute_latency)).collect();
    let (w, e) = (summary(&wait), summary(&exec));
    AggregatedQueryMetrics {
        count: records.len(),
        max_latency_seconds: e.max,
        mean_latency_seconds: e.mean,
        median_latency_seconds: e.median,
        p95_latency_seconds: e.p95,
        max_wait_seconds: w.max,
        mean_wait_seconds: w.mean,
        median_wait_seconds: w.median,
        p95_wait_seconds: w.p95,
    }
}

/// orchestrator's `inst.AggregatedWriteBufferMetric`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct AggregatedWriteBufferMetric {
    pub instance_write_buffer_size: usize,
    pub instance_flush_interval_milliseconds: u64,
    pub count_instances: usize,
    pub max_instances: f64,
    pub mean_instances: f64,
    pub median_instances: f64,
    #[serde(rename = "P95Instances")]
    pub p95_instances: f64,
    pub max_wait_seconds: f64,
    pub mean_wait_seconds: f64,
    pub median_wait_seconds: f64,
    #[serde(rename = "P95WaitSeconds")]
    pub p95_wait_seconds: f64,
    pub max_write_seconds: f64,
    pub mean_write_seconds: f64,
    pub median_write_seconds: f64,
    #[serde(rename = "P95WriteSeconds")]
    pub p95_write_seconds: f64,
}

/// Aggregates buffer flushes (orchestrator's `inst.AggregatedSince`); `buffer_size` and
/// `flush_interval_ms` are the writer's settings, reported as orchestrator reports its config.
pub fn aggregate_write_buffer(
    records: &[WriteBufferMetric],
    buffer_size: usize,
    flush_interval_ms: u64,
) -> AggregatedWriteBufferMetric {
    let instances: Vec<f64> = records.iter().map(|r| r.instances as f64).collect();
    let wait: Vec<f64> = records.iter().map(|r| seconds(r.wait_latency)).collect();
    let write: Vec<f64> = records.iter().map(|r| seconds(r.write_latency)).collect();
    let (n, w, x) = (summary(&instances), summary(&wait), summary(&write));
    AggregatedWriteBufferMetric {
        instance_write_buffer_size: buffer_size,
        instance_flush_interval_milliseconds: flush_interval_ms,
        count_instances: records.iter().map(|r| r.instances).sum(),
        max_instances: n.max,
        mean_instances: n.mean,
        median_instances: n.median,
        p95_instances: n.p95,
        max_wait_seconds: w.max,
        mean_wait_seconds: w.mean,
        median_wait_seconds: w.median,
        p95_wait_seconds: w.p95,
        max_write_seconds: x.max,
        mean_write_seconds: x.mean,
        median_write_seconds: x.median,
        p95_write_seconds: x.p95,
    }
}

#[cfg(test)]
#[path = "discovery_metrics_tests.rs"]
mod tests;
