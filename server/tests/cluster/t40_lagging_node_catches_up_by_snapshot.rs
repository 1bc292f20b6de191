//! Setup: 3 nodes, snapshot every 20 entries, 5 entries kept behind it.
//! Fault: a follower is stopped while 150 commands commit (the log it needs is purged).
//! Expected: on restart it receives and installs a snapshot, then ends with identical
//! replicated state.

use crate::harness::{downtime, wait_until, Options, TestCluster, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lagging_node_catches_up_by_snapshot() {
    let options = Options {
        extra: r#""RaftSnapshotThreshold": 20, "RaftLogsToKeep": 5"#.into(),
        ..Options::default()
    };
    let mut cluster = TestCluster::start(options).await;
    let leader = cluster.wait_for_leader().await;
    let away = (0..3).find(|i| *i != leader).unwrap();
    cluster.stop(away).await;
    for n in 0..150 {
        cluster.submit(leader, downtime(&format!("h{n:03}"))).await.expect("commit");
    }
    wait_until(DEADLINE, "leader purged its log past the away node", || async {
        cluster.node(leader).raft.metrics().borrow().purged.is_some_and(|p| p.index > 20)
    })
    .await;

    cluster.restart(away).await;
    wait_until(DEADLINE, "away node installed a snapshot", || async {
        cluster.node(away).raft.metrics().borrow().snapshot.is_some_and(|s| s.index > 20)
    })
    .await;
    cluster.wait_converged().await;
    assert_eq!(cluster.downtimed_hosts(away).await.len(), 150);
}
