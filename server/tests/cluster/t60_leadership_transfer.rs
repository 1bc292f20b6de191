//! Setup: 3 nodes, leader L.
//! Action: /api/raft-yield/<raft address of follower T> sent to a follower (forwarded to L).
//! Expected: T becomes leader; writes work afterwards.

use crate::harness::{downtime, wait_until, Options, TestCluster, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leadership_transfer() {
    let cluster = TestCluster::start(Options::default()).await;
    let old = cluster.wait_for_leader().await;
    let target = (0..3).find(|i| *i != old).unwrap();
    let other = (0..3).find(|i| *i != old && *i != target).unwrap();
    let addr = cluster.node(target).config.raft.advertise.to_string();
    let (status, body) = cluster.get(other, &format!("/api/raft-yield/{addr}")).await;
    assert_eq!(status, 200, "{body}");
    wait_until(DEADLINE * 2, "target leads", || async { cluster.leader() == Some(target) }).await;
    cluster.wait_for_leader().await;
    cluster.submit(other, downtime("after-transfer")).await.expect("writes work after transfer");
}
