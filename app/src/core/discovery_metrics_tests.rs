//! The aggregates match montanaflynn/stats as orchestrator uses it, and the JSON carries
//! orchestrator's field names.

use super::stats::{max, mean, median, min, percentile};
use super::*;

fn probe(host: &str, at: i64, backend: f64, instance: f64, err: Option<&str>) -> DiscoveryMetric {
    DiscoveryMetric {
        timestamp: at,
        hostname: host.into(),
        port: 3306,
        backend_latency_seconds: backend,
        instance_latency_seconds: instance,
        total_latency_seconds: backend + instance,
        err: err.map(str::to_string),
    }
}

#[test]
fn statistics_follow_montanaflynn_stats() {
    let empty: [f64; 0] = [];
    assert_eq!((mean(&empty), max(&empty), min(&empty), median(&empty)), (0.0, 0.0, 0.0, 0.0));
    assert_eq!(percentile(&empty, 95.0), 0.0);
    // One value: the 95th percentile's index (0.95) is below 1, an error orchestrator reports as 0.
    assert_eq!(percentile(&[4.0], 95.0), 0.0);
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    // 10 values: index 9.5 rounds up to 10, the largest.
    let ten: Vec<f64> = (1..=10).map(f64::from).collect();
    assert_eq!(percentile(&ten, 95.0), 10.0);
    // 20 values: index 19 is whole, the mean of the 19th and 20th.
    let twenty: Vec<f64> = (1..=20).map(f64::from).rev().collect();
    assert_eq!(percentile(&twenty, 95.0), 19.5);
    // 3 values: index 2.85 rounds to 3.
    assert_eq!(percentile(&[1.0, 2.0, 3.0], 95.0), 3.0);
    assert_eq!((mean(&ten), max(&ten), min(&ten)), (5.5, 10.0, 1.0));
}

#[test]
fn discovery_aggregate_counts_instances_outcomes_and_latencies() {
    let records = vec![
        probe("a", 2_000, 0.01, 0.02, None),
        probe("a", 1_000, 0.03, 0.04, None),
        probe("b", 3_000, 0.0, 2.0, Some("connect timed out")),
    ];
    let a = aggregate_discovery(&records);
    assert_eq!((a.first_seen, a.last_seen), (Some(1_000), Some(3_000)));
    assert_eq!(
        (
            a.count_distinct_instance_keys,
            a.count_distinct_ok_instance_keys,
            a.count_distinct_failed_instance_keys
        ),
        (2, 1, 1)
    );
    assert_eq!((a.successful_discoveries, a.failed_discoveries), (2, 1));
    assert!((a.mean_instance_seconds - 2.06 / 3.0).abs() < 1e-12);
    assert_eq!(a.max_instance_seconds, 2.0);
    assert_eq!(a.median_backend_seconds, 0.01);
    assert_eq!(a.failed_max_total_seconds, 2.0);
    assert_eq!(aggregate_discovery(&[]), AggregatedDiscoveryMetrics::default());
}

#[test]
fn json_uses_orchestrators_field_names() {
    let raw = serde_json::to_value(probe("db1", 1_700_000_000_120, 0.5, 0.25, None)).expect("json");
    assert_eq!(
        raw,
        serde_json::json!({"Timestamp": "2023-11-14T22:13:20.12Z", "Hostname": "db1", "Port": 3306,
            "BackendLatencySeconds": 0.5, "InstanceLatencySeconds": 0.25,
            "TotalLatencySeconds": 0.75, "Err": null})
    );
    let agg = serde_json::to_value(aggregate_discovery(&[])).expect("json");
    assert_eq!(agg["FirstSeen"], "0001-01-01T00:00:00Z");
    for name in ["CountDistinctInstanceKeys", "P95TotalSeconds", "FailedP95InstanceSeconds"] {
        assert!(agg.get(name).is_some(), "{name}");
    }
    let q = serde_json::to_value(aggregate_queue(&[QueueMetric { active: 2, queued: 1 }]))
        .expect("json");
    assert_eq!(
        (q["ActiveMaxEntries"].as_f64(), q["QueuedMinEntries"].as_f64()),
        (Some(2.0), Some(1.0))
    );
    assert!(q.get("ActiveP95Entries").is_some());
    let query =
        QueryMetric { timestamp: 0, wait_latency: 5, execute_latency: 1_000_000, err: None };
    assert_eq!(
        serde_json::to_value(&query).expect("json"),
        serde_json::json!({"Timestamp": "1970-01-01T00:00:00Z", "WaitLatency": 5,
            "ExecuteLatency": 1_000_000, "Err": null})
    );
    let agg = serde_json::to_value(aggregate_queries(&[query])).expect("json");
    assert_eq!((agg["Count"].as_u64(), agg["MaxLatencySeconds"].as_f64()), (Some(1), Some(0.001)));
    assert!(agg.get("P95WaitSeconds").is_some());
}

#[test]
fn write_buffer_aggregate_sums_instances_and_reports_the_settings() {
    let flush = |instances, wait_ms: u64, write_ms: u64| WriteBufferMetric {
        timestamp: 0,
        instances,
        wait_latency: wait_ms * 1_000_000,
        write_latency: write_ms * 1_000_000,
    };
    let a = aggregate_write_buffer(&[flush(3, 100, 4), flush(1, 50, 2)], 100, 100);
    assert_eq!((a.count_instances, a.max_instances, a.mean_instances), (4, 3.0, 2.0));
    assert_eq!((a.max_wait_seconds, a.median_write_seconds), (0.1, 0.003));
    let json = serde_json::to_value(a).expect("json");
    for name in ["InstanceWriteBufferSize", "InstanceFlushIntervalMilliseconds", "P95Instances"] {
        assert!(json.get(name).is_some(), "{name}");
    }
}
