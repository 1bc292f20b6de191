//! Setup: three processes with MySQL backends, short health thresholds (yield 1 s, exit 3 s).
//! Fault: the leader's backend MariaDB server is killed.
//! Expected: that node yields leadership and then exits non-zero with a clear log line; the two
//! others elect a leader and keep accepting writes.

use std::time::Duration;

use server::testkit::cluster::ProcCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_with_dead_backend_yields_then_exits() {
    let Some((_sandbox, dbs, backends)) =
        crate::mysql_backends("leader_with_dead_backend_yields_then_exits")
    else {
        return;
    };
    let mut c = ProcCluster::start(
        backends,
        r#""BackendHealthYieldSeconds": 1, "BackendHealthExitSeconds": 3"#,
    );
    let all = [0, 1, 2];
    let leader = c.wait_for_leader(&all).await;
    dbs[leader].server.kill9();

    let status = c.wait_exit(leader, Duration::from_secs(30)).await;
    assert!(!status.success(), "node with a dead backend must exit non-zero, got {status}");
    let log = std::fs::read_to_string(c.log(leader)).unwrap_or_default();
    assert!(log.contains("backend DB unreachable"), "clear log line expected:\n{log}");

    let rest: Vec<usize> = all.into_iter().filter(|i| *i != leader).collect();
    let new_leader = c.wait_for_leader(&rest).await;
    let (status, body) =
        c.get(new_leader, "/api/begin-downtime/db9/3306/ops/after-backend-loss").await;
    assert_eq!(status, 200, "{body}");
}
