//! Setup: 3 nodes.
//! Action: recoveries registered through raft for the same cluster, by different proposers.
//! Expected: `write-recovery` is a deterministic fence on every node: a second automated recovery
//! of the cluster is skipped while the first is unacknowledged (even after it resolved), a manual
//! one is skipped while one is in progress, and an acknowledgement (comment required) lifts the
//! block; every node ends with the same recovery history.

use app::core::recovery::{
    AckSelector, RecoveryAck, RecoveryRecord, RecoveryResolution, RecoveryStep,
};
use app::core::{AnalysisCode, Command, CommandEnvelope, CommandOutcome, InstanceKey};

use crate::harness::{Options, TestCluster};

fn record(uid: &str, manual: bool, at: i64) -> RecoveryRecord {
    RecoveryRecord {
        uid: uid.into(),
        key: InstanceKey::new("m1", 3306).unwrap(),
        cluster_name: "m1:3306".into(),
        cluster_alias: "main".into(),
        analysis: AnalysisCode::DeadMaster,
        is_manual: manual,
        started_at_ms: at,
        processing_node: 1,
        operation: "automated-recovery".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recovery_fence() {
    let cluster = TestCluster::start(Options::default()).await;
    let leader = cluster.wait_for_leader().await;
    let follower = (0..3).find(|i| *i != leader).unwrap();
    let now = cluster.node(leader).clock.now_ms();
    let block_ms = 3_600_000;
    let propose = |i: usize, command: Command| {
        let node = cluster.node(i).clone();
        async move {
            node.propose(CommandEnvelope::new(command, node.clock.now_ms(), node.id), false)
                .await
                .unwrap()
        }
    };

    let first =
        propose(leader, Command::WriteRecovery { recovery: record("r1", false, now), block_ms })
            .await;
    assert_eq!(first, CommandOutcome::Applied);
    let step = RecoveryStep { uid: "r1".into(), at_ms: now, message: "promoting m2".into() };
    assert_eq!(propose(leader, Command::WriteRecoveryStep(step)).await, CommandOutcome::Applied);

    // A second leader (any proposer) cannot start another recovery of the same cluster.
    let second =
        propose(follower, Command::WriteRecovery { recovery: record("r2", false, now), block_ms })
            .await;
    assert!(matches!(second, CommandOutcome::Skipped { .. }), "{second:?}");
    let manual =
        propose(follower, Command::WriteRecovery { recovery: record("r3", true, now), block_ms })
            .await;
    assert!(
        matches!(manual, CommandOutcome::Skipped { .. }),
        "manual while in progress: {manual:?}"
    );

    let resolution = RecoveryResolution {
        uid: "r1".into(),
        ended_at_ms: now + 1,
        is_successful: true,
        successor: Some(InstanceKey::new("m2", 3306).unwrap()),
        lost_replicas: vec![],
        participating: vec![],
        error: None,
    };
    assert_eq!(
        propose(leader, Command::ResolveRecovery(resolution)).await,
        CommandOutcome::Applied
    );
    // Resolved but unacknowledged: automated recoveries stay blocked, a manual one may go.
    let blocked =
        propose(leader, Command::WriteRecovery { recovery: record("r4", false, now), block_ms })
            .await;
    assert!(matches!(blocked, CommandOutcome::Skipped { .. }), "{blocked:?}");

    let ack = RecoveryAck {
        selector: AckSelector::Cluster("main".into()),
        owner: "ops".into(),
        comment: "checked".into(),
        at_ms: now,
    };
    assert_eq!(propose(follower, Command::AckRecovery(ack)).await, CommandOutcome::Applied);
    let after_ack =
        propose(leader, Command::WriteRecovery { recovery: record("r5", false, now), block_ms })
            .await;
    assert_eq!(after_ack, CommandOutcome::Applied);

    cluster.wait_converged().await;
    for i in 0..3 {
        let mut conn = cluster.node(i).store.pool().acquire().await.unwrap();
        let recoveries =
            server::store::recovery_tables::read_recoveries(&mut conn, "1 = 1").await.unwrap();
        let uids: Vec<&str> = recoveries.iter().map(|r| r.record.uid.as_str()).collect();
        assert_eq!(uids, ["r1", "r5"], "node {i}");
        assert_eq!(recoveries[0].steps.len(), 1);
        assert!(recoveries[0].ack.is_some() && recoveries[0].resolution.is_some());
    }

    // History is pruned by age: the acknowledged, resolved r1 goes (with its steps); the
    // unresolved, unacknowledged r5 stays.
    assert_eq!(
        propose(leader, Command::PruneHistory { before_ms: now + 1 }).await,
        CommandOutcome::Applied
    );
    cluster.wait_converged().await;
    for i in 0..3 {
        let mut conn = cluster.node(i).store.pool().acquire().await.unwrap();
        let recoveries =
            server::store::recovery_tables::read_recoveries(&mut conn, "1 = 1").await.unwrap();
        let uids: Vec<&str> = recoveries.iter().map(|r| r.record.uid.as_str()).collect();
        assert_eq!(uids, ["r5"], "node {i}");
        let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM topology_recovery_steps")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(steps, 0, "node {i}: steps of pruned recoveries go too");
    }
}
