//! Setup: 3 nodes.
//! Action: a 1-second downtime is committed; it ends; every node restarts (replaying its log).
//! Expected: the downtime is active right after commit, inactive once its stamped end passes,
//! still inactive after the replay, and a later heartbeat removes the row on every node at the
//! same log position (identical digests). A begin-downtime whose end is already past when the
//! proposer stamped it is skipped, deterministically.

use std::time::Duration;

use app::core::{Command, CommandEnvelope, CommandOutcome, Downtime, InstanceKey};

use crate::harness::{downtime, wait_until, Options, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_downtime_is_not_resurrected() {
    let mut cluster = TestCluster::start(Options::default()).await;
    let leader = cluster.wait_for_leader().await;
    let key = InstanceKey::new("short", 3306).unwrap();
    let req = app::core::DowntimeRequest::parse(key.clone(), "test", "brief", "1s").unwrap();
    cluster.submit(leader, app::core::Proposal::BeginDowntime(req)).await.expect("commit");
    assert_eq!(cluster.downtimed_hosts(leader).await, ["short"]);
    wait_until(Duration::from_secs(5), "the downtime ends", || async {
        cluster.downtimed_hosts(leader).await.is_empty()
    })
    .await;

    for i in 0..3 {
        cluster.stop(i).await;
    }
    for i in 0..3 {
        cluster.restart(i).await;
    }
    let leader = cluster.wait_for_leader().await;
    cluster.wait_converged().await;
    for i in 0..3 {
        assert!(
            cluster.downtimed_hosts(i).await.is_empty(),
            "node {i}: replay must not resurrect it"
        );
    }

    // A stale begin-downtime (already over when stamped) is skipped everywhere.
    let node = cluster.node(leader).clone();
    let now = node.clock.now_ms();
    let stale = Downtime {
        key: key.clone(),
        owner: "o".into(),
        reason: "r".into(),
        begins_at_ms: now - 2_000,
        ends_at_ms: now - 1_000,
    };
    let outcome = node
        .propose(CommandEnvelope::new(Command::BeginDowntime(stale), now, node.id), false)
        .await
        .unwrap();
    assert!(matches!(outcome, CommandOutcome::Skipped { .. }), "{outcome:?}");

    // The heartbeat carries time forward: the expired row is deleted on every node.
    cluster.submit(leader, downtime("keep")).await.expect("commit");
    let hb = node
        .propose(CommandEnvelope::new(Command::Heartbeat, node.clock.now_ms(), node.id), false)
        .await
        .unwrap();
    assert_eq!(hb, CommandOutcome::Applied);
    cluster.wait_converged().await;
    for i in 0..3 {
        let n = cluster.node(i);
        let rows: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM database_instance_downtime WHERE hostname = 'short'",
        )
        .fetch_one(n.store.pool())
        .await
        .unwrap();
        assert_eq!(rows, 0, "node {i}: expired row removed by the heartbeat");
        assert_eq!(cluster.downtimed_hosts(i).await, ["keep"]);
    }
}
