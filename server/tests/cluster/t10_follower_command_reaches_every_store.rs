//! Setup: 3 nodes, a leader elected.
//! Action: a begin-downtime proposed through a follower's control plane (the dashboard's path).
//! Expected: it is committed (forwarded to the leader), then present in all three stores, whose
//! replicated digests are equal; exactly one node answers 200 on /api/leader-check.

use crate::harness::{downtime, wait_until, Options, TestCluster, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follower_command_reaches_every_store() {
    let cluster = TestCluster::start(Options::default()).await;
    let leader = cluster.wait_for_leader().await;
    let follower = (0..3).find(|i| *i != leader).unwrap();

    let outcome = cluster.submit(follower, downtime("db-a")).await.expect("committed");
    assert_eq!(outcome, app::core::CommandOutcome::Applied);

    for i in 0..3 {
        wait_until(DEADLINE, "downtime on every node", || async {
            cluster.downtimed_hosts(i).await == ["db-a"]
        })
        .await;
    }
    cluster.wait_converged().await;

    let mut oks = 0;
    for i in 0..3 {
        let (status, _) = cluster.get(i, "/api/leader-check").await;
        assert!(status == 200 || status == 404, "leader-check answered {status}");
        oks += usize::from(status == 200);
        let (status, _) = cluster.get(i, "/api/raft-health").await;
        assert_eq!(status, 200, "node {i} healthy");
    }
    assert_eq!(oks, 1, "exactly one node answers 200 on leader-check");
    let (status, _) = cluster.get(follower, "/api/leader-check/503").await;
    assert_eq!(status, 503);
}
