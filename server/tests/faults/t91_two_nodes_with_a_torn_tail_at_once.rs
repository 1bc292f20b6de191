//! Setup: three nodes (DC1–DC3, SQLite); a workload of 4 clients through random nodes.
//! Fault: two nodes (the leader and a follower) are killed at once while writing, and each is
//! left with a torn final record in its raft log (half a record after the last whole one, as a
//! crash in the middle of an unacknowledged write leaves it); both restart together.
//! Expected: both cut the torn record and start ("torn final record" in their logs), a leader is
//! elected, and no acknowledged command is lost.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use server::testkit::cluster::{Backend, DEADLINE};

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

/// Appends half of a copy of the last record to the raft log at `path`.
fn tear(path: &std::path::Path) {
    let mut bytes = fs::read(path).expect("raft log");
    let (mut pos, mut last) = (0usize, 0usize);
    while pos + 8 <= bytes.len() {
        last = pos;
        pos += 8 + u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
    }
    let record = bytes[last..].to_vec();
    bytes.extend_from_slice(&record[..record.len() / 2]);
    fs::write(path, bytes).expect("write raft log");
}

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t91", net, vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(20));
    assert!(run.wait_for_acks(100, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let follower = all.iter().copied().find(|i| *i != leader).unwrap();
    run.nodes.kill9(leader);
    run.nodes.kill9(follower);
    for i in [leader, follower] {
        tear(&run.nodes.node_dir(i).join("raft/raft-log.bin"));
    }
    run.fault(format!("nodes {leader} (leader) and {follower} killed at once, each left with a torn final log record"));
    run.nodes.spawn(leader);
    run.nodes.spawn(follower);
    run.nodes.wait_for_leader(&all).await;
    for i in [leader, follower] {
        let log = fs::read_to_string(run.nodes.log(i)).unwrap_or_default();
        run.check(
            log.contains("torn final record"),
            format!("node {i} did not report cutting its torn record"),
        );
    }
    run.check(run.wait_for_acks(50, DEADLINE).await, "no writes after both nodes restarted");
    run.finish(None).await
}
