//! Setup: three real processes with basic authentication (and the peer secret it requires).
//! Expected: `/metrics` answers every node without credentials (an API read still needs them),
//! in Prometheus's text format that `promtool check metrics` accepts, with the raft, discovery,
//! analysis, HTTP and process series; the leader reports itself leading and its peers' lag.

use server::testkit::cluster::{ClusterSpec, DEADLINE};
use server::testkit::{promtool, Wait};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_open_and_valid_on_every_node() {
    if !promtool::require("metrics_are_open_and_valid_on_every_node") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("raft-secret");
    std::fs::write(&secret, "metrics-test-peer-secret-0123456789").unwrap();
    let c = ClusterSpec::sqlite(3)
        .extra(&format!(
            r#""AuthenticationMethod": "basic", "HTTPAuthUser": "admin", "HTTPAuthPassword": "pw",
               "RaftSecretFile": "{}""#,
            secret.display()
        ))
        .start();
    let all = [0, 1, 2];
    let leader = c.wait_for_leader(&all).await;
    let (status, _) = c.get(leader, "/api/raft-status").await;
    assert_eq!(status, 401, "an API read needs credentials");
    for i in all {
        // Every series is set at least once by now (the leader has replicated to both peers).
        let what = format!("node {i} reports raft log writes");
        let seen = Wait::new(DEADLINE, what)
            .result(|| async {
                let (status, body) = c.get(i, "/metrics").await;
                if body.contains("orchestrator_raft_log_fsync_seconds_bucket") {
                    Ok(())
                } else {
                    Err(format!("{status}: {body}"))
                }
            })
            .await;
        if let Err(e) = seen {
            panic!("{e}");
        }
        let (status, body) = c.get(i, "/metrics").await;
        assert_eq!(status, 200, "node {i}: {body}");
        if let Err(e) = promtool::check(&body) {
            panic!("node {i}: {e}\n{body}");
        }
        for series in [
            "orchestrator_raft_term ",
            "orchestrator_raft_state{state=\"Leader\"}",
            "orchestrator_raft_applied_index ",
            "orchestrator_raft_commit_index ",
            "orchestrator_raft_snapshot_index ",
            "orchestrator_raft_members{role=\"voter\"} 3",
            "orchestrator_raft_leader_changes_total ",
            "orchestrator_discovery_instances_known 0",
            "orchestrator_http_requests_total{route=\"/api/leader-check\",method=\"GET\",status=",
            "orchestrator_http_request_duration_seconds_bucket{route=\"/api/leader-check\"",
            "process_resident_memory_bytes ",
            "process_open_fds ",
            "process_cpu_seconds_total ",
            "# HELP orchestrator_raft_term ",
            "# TYPE orchestrator_raft_log_fsync_seconds histogram",
        ] {
            assert!(body.contains(series), "node {i}: no {series:?} in\n{body}");
        }
        assert!(body.contains("orchestrator_raft_is_leader "), "node {i}: {body}");
    }
    // The leader, asked again each round (an election at start-up may still move it), reports
    // itself leading, its peers' lag and its proposal batches; the others report not leading.
    let leading = Wait::new(DEADLINE, "the leader's own series")
        .result(|| async {
            let leader = c.wait_for_leader(&all).await;
            let (_, body) = c.get(leader, "/metrics").await;
            let mut missing = Vec::new();
            for series in
                ["orchestrator_raft_is_leader 1", "orchestrator_raft_proposal_batch_size_bucket"]
            {
                if !body.contains(series) {
                    missing.push(series.to_string());
                }
            }
            for i in all.into_iter().filter(|i| *i != leader) {
                let lag = format!(
                    "orchestrator_raft_peer_replication_lag_entries{{peer=\"{}\"}}",
                    c.raft_addr(i)
                );
                if !body.contains(&lag) {
                    missing.push(lag);
                }
                let (_, other) = c.get(i, "/metrics").await;
                if !other.contains("orchestrator_raft_is_leader 0") {
                    missing.push(format!("node {i}: orchestrator_raft_is_leader 0"));
                }
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("leader {leader} lacks {missing:?}:\n{body}"))
            }
        })
        .await;
    if let Err(e) = leading {
        panic!("{e}");
    }
}
