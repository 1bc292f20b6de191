//! orchestrator's discovery, queue, backend-query and write-buffer metrics on every node: the
//! raw probe records name the discovered instances with sane latencies, the aggregates count
//! them, the other six paths answer JSON with orchestrator's field names, and a bad `:seconds`
//! is a JSON 400.

use serde_json::Value;

use crate::setup::{key, Fleet};

/// `host:port` of a raw discovery record.
fn record_key(r: &Value) -> String {
    format!("{}:{}", r["Hostname"].as_str().unwrap_or(""), r["Port"])
}

fn has_fields(v: &Value, names: &[&str]) -> bool {
    names.iter().all(|n| v.get(n).is_some())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_metrics_on_every_node() {
    let Some(f) = Fleet::start("discovery_metrics_on_every_node", false) else { return };
    f.wait_cluster(&key(&f.star[0]), 3).await;
    let servers: Vec<String> = f.star.iter().map(key).collect();

    for i in 0..3 {
        // Every server has a successful probe record with sane latencies.
        let raw = f
            .wait_json(
                i,
                "/api/discovery-metrics-raw/120",
                "probe records of every server",
                |s, v| {
                    s == 200
                        && v.as_array().is_some_and(|a| {
                            servers.iter().all(|k| {
                                a.iter().any(|r| record_key(r) == *k && r["Err"].is_null())
                            })
                        })
                },
            )
            .await;
        for r in raw.as_array().unwrap().iter().filter(|r| r["Err"].is_null()) {
            assert!(
                has_fields(r, &["Timestamp", "Hostname", "Port", "BackendLatencySeconds"]),
                "{r}"
            );
            let instance = r["InstanceLatencySeconds"].as_f64().unwrap();
            let backend = r["BackendLatencySeconds"].as_f64().unwrap();
            let total = r["TotalLatencySeconds"].as_f64().unwrap();
            assert!(instance > 0.0 && instance < 10.0, "instance latency {r}");
            assert!((0.0..10.0).contains(&backend), "backend latency {r}");
            assert!((total - (instance + backend)).abs() < 1e-6, "total {r}");
            assert!(r["Timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{r}");
        }

        let (status, agg) = f.json(i, "/api/discovery-metrics-aggregated/120").await;
        assert_eq!(status, 200, "{agg}");
        assert!(agg["CountDistinctOkInstanceKeys"].as_u64().unwrap() >= 3, "{agg}");
        assert!(agg["CountDistinctInstanceKeys"].as_u64().unwrap() >= 3, "{agg}");
        assert!(agg["SuccessfulDiscoveries"].as_u64().unwrap() >= 3, "{agg}");
        assert!(agg["MeanInstanceSeconds"].as_f64().unwrap() > 0.0, "{agg}");
        assert!(has_fields(
            &agg,
            &["FirstSeen", "LastSeen", "FailedDiscoveries", "P95TotalSeconds"]
        ));

        // The queue is sampled once a second.
        let queue = f
            .wait_json(i, "/api/discovery-queue-metrics-raw/60", "queue samples", |s, v| {
                s == 200 && v.as_array().is_some_and(|a| !a.is_empty())
            })
            .await;
        assert!(has_fields(&queue[0], &["Active", "Queued"]), "{queue}");
        let (status, agg) = f.json(i, "/api/discovery-queue-metrics-aggregated/60").await;
        assert_eq!(status, 200);
        assert!(has_fields(&agg, &["ActiveMinEntries", "ActiveP95Entries", "QueuedMaxEntries"]));

        // Backend writes and write-buffer flushes of the probe writer.
        let (status, q) = f.json(i, "/api/backend-query-metrics-raw/120").await;
        assert_eq!(status, 200);
        let q0 = q.as_array().and_then(|a| a.first()).cloned().expect("backend writes");
        assert!(has_fields(&q0, &["Timestamp", "WaitLatency", "ExecuteLatency", "Err"]), "{q0}");
        let (_, agg) = f.json(i, "/api/backend-query-metrics-aggregated/120").await;
        assert!(agg["Count"].as_u64().unwrap() >= 1, "{agg}");
        assert!(has_fields(&agg, &["MaxLatencySeconds", "P95WaitSeconds"]), "{agg}");
        let (status, w) = f.json(i, "/api/write-buffer-metrics-raw/120").await;
        assert_eq!(status, 200);
        let w0 = w.as_array().and_then(|a| a.first()).cloned().expect("flushes");
        assert!(has_fields(&w0, &["Timestamp", "Instances", "WaitLatency", "WriteLatency"]));
        let (_, agg) = f.json(i, "/api/write-buffer-metrics-aggregated/120").await;
        assert!(agg["CountInstances"].as_u64().unwrap() >= 3, "{agg}");
        assert!(has_fields(&agg, &["InstanceWriteBufferSize", "P95WriteSeconds"]), "{agg}");

        for path in ["discovery-metrics-raw/abc", "write-buffer-metrics-aggregated/0"] {
            let (status, v) = f.json(i, &format!("/api/{path}")).await;
            assert_eq!((status, v["Code"].as_str()), (400, Some("ERROR")), "{path}: {v}");
            assert!(v["Message"].as_str().is_some_and(|m| m.contains("seconds")), "{v}");
        }
    }
}
