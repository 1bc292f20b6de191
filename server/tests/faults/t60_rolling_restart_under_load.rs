//! Setup: three nodes (DC1–DC3, SQLite); a workload of 4 clients through random nodes.
//! Fault: rolling restart — each node in turn gets SIGTERM (graceful stop), the other two must
//! lead, then it is started again on its data and must catch up before the next one goes.
//! Expected: no acknowledged command lost; write unavailability (the longest stretch without
//! an acknowledged write) is brief for each restart — measured, and at most 5 s; every node
//! converges at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

/// Allowed write gap per restart: an election (≈ 1 s here) plus slack for a loaded 2-core box.
const MAX_GAP: Duration = Duration::from_secs(5);

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t60", net, vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let mut gaps = Vec::new();
    for i in all.clone() {
        let leader = run.nodes.wait_for_leader(&all).await;
        let role = if leader == i { "leader" } else { "follower" };
        let stop = Instant::now();
        run.nodes.stop(i).await;
        run.fault(format!("SIGTERM node {i} ({role})"));
        let rest: Vec<usize> = all.iter().copied().filter(|n| *n != i).collect();
        run.nodes.wait_for_leader(&rest).await;
        run.check(run.wait_for_acks(20, DEADLINE).await, format!("no writes with node {i} down"));
        let target = run
            .nodes
            .raft_status(run.nodes.wait_for_leader(&rest).await)
            .await
            .and_then(|v| v["AppliedIndex"].as_u64())
            .unwrap_or(0);
        run.nodes.spawn(i);
        let started = Instant::now();
        loop {
            let applied = run
                .nodes
                .raft_status(i)
                .await
                .and_then(|v| v["AppliedIndex"].as_u64())
                .unwrap_or(0);
            if applied >= target {
                break;
            }
            assert!(started.elapsed() < DEADLINE, "node {i} did not catch up after its restart");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let catch_up = started.elapsed();
        run.nodes.wait_for_leader(&all).await;
        run.check(
            run.wait_for_acks(20, DEADLINE).await,
            format!("no writes after node {i} came back"),
        );
        let gap = run.write_gap(stop, Instant::now());
        gaps.push(format!(
            "node {i} ({role}): longest write gap {:.2} s, caught up {:.2} s after its start",
            gap.as_secs_f64(),
            catch_up.as_secs_f64()
        ));
        run.check(
            gap <= MAX_GAP,
            format!("restart of node {i} ({role}): writes unavailable for {gap:?} (> {MAX_GAP:?})"),
        );
    }
    run.note(format!("rolling restart: {}", gaps.join("; ")));
    run.finish(None).await
}
