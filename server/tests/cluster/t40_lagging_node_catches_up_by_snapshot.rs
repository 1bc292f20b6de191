//! Setup: 3 nodes, snapshot every 20 entries, 5 entries kept behind it.
//! Fault: a follower is stopped while 150 commands commit (the log it needs is purged).
//! Expected: on restart it receives and installs a snapshot, then ends with identical
//! replicated state (downtimes, and the probe-sharing node set committed first, so it travels in the snapshot).

use app::core::probe_share::ShareNode;
use app::core::{Command, CommandEnvelope};

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
    let mut nodes = vec![
        ShareNode { id: cluster.id(leader), data_center: "ams".into() },
        ShareNode { id: cluster.id(away), data_center: String::new() },
    ];
    nodes.sort(); // the store answers by node id
    let env = CommandEnvelope::new(Command::ProbeShareNodes(nodes.clone()), 1, cluster.id(leader));
    cluster.node(leader).propose(env, false).await.expect("commit the node set");
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
    assert_eq!(cluster.node(away).store.probe_share_nodes().await.expect("read"), nodes);
}
