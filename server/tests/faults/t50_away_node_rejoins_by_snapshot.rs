//! Setup: three nodes (DC1–DC3, SQLite) with a small `RaftSnapshotThreshold` (100 entries) and
//! `RaftLogsToKeep` (20), so the log is compacted often; a background workload of 2 clients.
//! Fault: a follower's DC is cut from the other two while 10,000 commands are acknowledged
//! through the majority (24 concurrent clients; the leader batches them into raft entries).
//! Expected: the leader's log is compacted past everything the away node has; after the heal
//! the away node catches up by installing the leader's snapshot ("installed snapshot from
//! leader" in its log), and ends with the identical replicated digest; no acknowledged command
//! is lost.

use std::sync::Arc;
use std::time::Duration;

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::wait_until;

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

const COMMANDS: usize = 10_000;
const LOGS_TO_KEEP: u64 = 20;

fn installs(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("installed snapshot from leader")
        .count()
}

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = format!(r#""RaftSnapshotThreshold": 100, "RaftLogsToKeep": {LOGS_TO_KEEP}"#);
    let mut run = Run::start("t50", net.clone(), vec![Backend::Sqlite; 3], &extra).await;
    let all = run.nodes.all();
    run.start_workload(2, Duration::from_millis(50));
    assert!(run.wait_for_acks(20, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let away = all.iter().copied().find(|i| *i != leader).unwrap();
    let majority: Vec<usize> = all.iter().copied().filter(|i| *i != away).collect();
    net.isolate(away);
    run.fault(format!("DC{} (follower node {away}) cut from the other DCs", away + 1));
    let away_last =
        run.nodes.raft_status(away).await.and_then(|v| v["LastLogIndex"].as_u64()).unwrap_or(0);
    let installs_before = installs(run.nodes.log(away));

    let (acked, refused, took) = run.blast(majority.clone(), COMMANDS, 24).await;
    run.note(format!(
        "{acked} commands acknowledged through the majority in {:.1} s ({:.0}/s); {refused} answered non-200 (retried with new commands)",
        took.as_secs_f64(),
        acked as f64 / took.as_secs_f64()
    ));
    assert!(acked >= COMMANDS, "the blast stopped early");
    let leader = run.nodes.wait_for_leader(&majority).await;
    let status = run.nodes.raft_status(leader).await.unwrap_or_default();
    let snap = status["SnapshotIndex"].as_u64().unwrap_or(0);
    let last = status["LastLogIndex"].as_u64().unwrap_or(0);
    run.note(format!(
        "leader: last log index {last}, snapshot index {snap} (log kept from ~{}); away node stopped at {away_last}",
        snap.saturating_sub(LOGS_TO_KEEP)
    ));
    run.check(
        snap.saturating_sub(LOGS_TO_KEEP) > away_last,
        "the leader's log was not compacted past the away node's log",
    );

    net.rejoin(away);
    run.step("healed");
    let log = run.nodes.log(away).to_path_buf();
    wait_until(DEADLINE, "the away node installs a snapshot", || async {
        installs(&log) > installs_before
    })
    .await;
    run.note(format!(
        "away node installed {} snapshot(s) from the leader",
        installs(&log) - installs_before
    ));
    run.finish(None).await
}
