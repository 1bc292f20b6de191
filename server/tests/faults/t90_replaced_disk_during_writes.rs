//! Setup: three nodes (DC1–DC3, SQLite) with a small `RaftSnapshotThreshold` (64) and
//! `RaftLogsToKeep` (16); a workload of 4 clients through random nodes.
//! Fault: a follower is killed and its disk replaced (raft dir and SQLite file gone) while the
//! workload writes; once it has rejoined, the same is done to the leader.
//! Expected: each replaced node starts as a new member, is fed a snapshot by the leader, answers
//! healthy only after it holds data, and converges; no acknowledged command is lost.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::wait_until;

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

async fn replace_disk(run: &mut Run, i: usize, role: &str) {
    run.nodes.kill9(i);
    let dir = run.nodes.node_dir(i).to_path_buf();
    fs::remove_dir_all(dir.join("raft")).expect("remove raft dir");
    for name in ["orchestrator.db", "orchestrator.db-wal", "orchestrator.db-shm"] {
        let _ = fs::remove_file(dir.join(name));
    }
    run.fault(format!("node {i} ({role}) killed, its disk replaced"));
    run.nodes.spawn(i);
    let nodes = &run.nodes;
    wait_until(DEADLINE, "the replaced node is healthy again", || async {
        nodes.get(i, "/api/raft-health").await.0 == 200
    })
    .await;
    let applied = run.nodes.raft_status(i).await.and_then(|v| v["AppliedIndex"].as_u64());
    run.check(
        applied.is_some(),
        format!("node {i} answered healthy without having applied anything"),
    );
    run.step(&format!("node {i} rejoined, applied index {applied:?}"));
}

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = r#""RaftSnapshotThreshold": 64, "RaftLogsToKeep": 16"#;
    let mut run = Run::start("t90", net, vec![Backend::Sqlite; 3], extra).await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(20));
    assert!(run.wait_for_acks(100, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let follower = all.iter().copied().find(|i| *i != leader).unwrap();
    replace_disk(&mut run, follower, "follower").await;
    run.check(
        run.wait_for_acks(50, DEADLINE).await,
        "no writes after the follower's disk was replaced",
    );

    let leader = run.nodes.wait_for_leader(&all).await;
    replace_disk(&mut run, leader, "leader").await;
    run.check(
        run.wait_for_acks(50, DEADLINE).await,
        "no writes after the leader's disk was replaced",
    );
    run.finish(None).await
}
