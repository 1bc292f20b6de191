//! Setup: 3 nodes, leader L.
//! Fault: L's raft links to both others are cut.
//! Expected: the majority elects a new leader; L stops answering 200 on leader-check within the
//! election timeout, reports unhealthy, and refuses writes fast (no hang); after heal L follows
//! the new leader and converges.

use std::time::{Duration, Instant};

use crate::harness::{downtime, wait_until, Options, TestCluster, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn isolated_leader_is_replaced() {
    let cluster = TestCluster::start(Options::default()).await;
    let old = cluster.wait_for_leader().await;
    let old_term = cluster.node(old).raft.metrics().borrow().current_term;

    cluster.isolate(old);
    let cut_at = Instant::now();
    let election = cluster.node(old).config.raft.election_timeout;
    wait_until(election * 4, "isolated leader stops claiming leadership", || async {
        cluster.get(old, "/api/leader-check").await.0 == 404
    })
    .await;
    tracing::info!(after = ?cut_at.elapsed(), "isolated leader stepped back from leader-check");
    let (status, _) = cluster.get(old, "/api/raft-health").await;
    assert_eq!(status, 500, "isolated node reports unhealthy");

    let started = Instant::now();
    let refused = cluster.submit(old, downtime("from-isolated")).await;
    assert!(refused.is_err(), "isolated old leader must not commit: {refused:?}");
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "refusal is bounded, took {:?}",
        started.elapsed()
    );

    let new = cluster.wait_for_new_leader(old).await;
    assert_ne!(new, old);
    assert!(cluster.node(new).raft.metrics().borrow().current_term > old_term);
    cluster.submit(new, downtime("from-majority")).await.expect("majority commits");

    cluster.heal();
    wait_until(DEADLINE, "old leader follows the new one", || async {
        cluster.node(old).raft.metrics().borrow().current_leader == Some(cluster.id(new))
    })
    .await;
    cluster.wait_converged().await;
    for i in 0..3 {
        assert_eq!(cluster.downtimed_hosts(i).await, ["from-majority"], "node {i}");
    }
}
