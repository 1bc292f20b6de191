//! After a failover: `promtool check metrics` over every node's `/metrics`, and the recovery
//! series on the node that ran it.

use server::testkit::cluster::ProcCluster;
use server::testkit::promtool;

/// Checks every node's exposition, and that `runner` counted one successful `kind` recovery.
pub async fn after_failover(orc: &ProcCluster, runner: usize, kind: &str) {
    if !promtool::require("metrics after a failover") {
        return;
    }
    for i in orc.all() {
        let (status, body) = orc.get(i, "/metrics").await;
        assert_eq!(status, 200, "node {i}: {body}");
        if let Err(e) = promtool::check(&body) {
            panic!("node {i}: {e}\n{body}");
        }
        assert!(body.contains("orchestrator_discovery_probe_seconds_bucket"), "node {i}: {body}");
        assert!(body.contains("orchestrator_discovery_instances_known "), "node {i}: {body}");
    }
    let (_, body) = orc.get(runner, "/metrics").await;
    for series in [
        format!("orchestrator_recoveries_started_total{{type=\"{kind}\"}} 1"),
        format!("orchestrator_recoveries_succeeded_total{{type=\"{kind}\"}} 1"),
        format!("orchestrator_recovery_duration_seconds_count{{type=\"{kind}\"}} 1"),
        "orchestrator_discovery_probe_failures_total{reason=".to_string(),
    ] {
        assert!(body.contains(&series), "no {series:?} on the node that recovered:\n{body}");
    }
}
