//! Setup: 3 nodes with some commands committed.
//! Fault: a follower stops; more commands commit; then every node stops.
//! Expected: the follower restarts and catches up; after a full restart every node comes back
//! from its own raft log and store (no re-initialization) with identical replicated state.

use crate::harness::{downtime, wait_until, Options, TestCluster, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restart_replays_log() {
    let mut cluster = TestCluster::start(Options::default()).await;
    let leader = cluster.wait_for_leader().await;
    cluster.submit(leader, downtime("before")).await.expect("commit");
    let follower = (0..3).find(|i| *i != leader).unwrap();

    cluster.stop(follower).await;
    cluster.submit(leader, downtime("while-away")).await.expect("commit with 2 of 3");
    cluster.restart(follower).await;
    wait_until(DEADLINE, "restarted follower caught up", || async {
        cluster.downtimed_hosts(follower).await == ["before", "while-away"]
    })
    .await;

    let last_log_before = cluster.node(leader).raft.metrics().borrow().last_log_index;
    for i in 0..3 {
        cluster.stop(i).await;
    }
    for i in 0..3 {
        cluster.restart(i).await;
    }
    let leader = cluster.wait_for_leader().await;
    let m = cluster.node(leader).raft.metrics().borrow().clone();
    assert!(m.last_log_index >= last_log_before, "log kept across restart, not re-initialized");
    cluster.submit(leader, downtime("after")).await.expect("commit after restart");
    cluster.wait_converged().await;
    for i in 0..3 {
        assert_eq!(cluster.downtimed_hosts(i).await, ["after", "before", "while-away"], "node {i}");
    }
}
