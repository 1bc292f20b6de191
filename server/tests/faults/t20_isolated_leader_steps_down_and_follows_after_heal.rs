//! Setup: three nodes (DC1–DC3, SQLite); a workload of 4 clients through random nodes (some of
//! its commands go to the node that will be isolated).
//! Fault: the leader's DC is cut from the two other DCs, both directions (the test process
//! still reaches every DC through the bridge).
//! Expected: the majority elects a new leader; the isolated node stops answering 200 on
//! `/api/leader-check` within its lease of the cut (plus one heartbeat interval and scheduling
//! slack, see `Nodes::step_down_bound`) and before the new leader starts answering 200, answers
//! non-200 on `/api/raft-health`, and refuses a write sent to it; after the heal it follows the
//! new leader, converges, and no acknowledged command is lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::wait_until;

use crate::invariants::{last_leader_sample, SAMPLE_EVERY};
use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t20", net.clone(), vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let old = run.nodes.wait_for_leader(&all).await;
    let cut = Instant::now();
    net.isolate(old);
    run.fault(format!("DC{} (leader node {old}) cut from the other DCs", old + 1));
    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != old).collect();
    let new_leader = run.nodes.wait_for_leader(&rest).await;
    let elected = cut.elapsed();

    // Leader-check: the last sampled 200 of the isolated node, relative to the cut.
    let stopped = last_leader_sample(&run.samples(), old, cut).map_or(Duration::ZERO, |t| t - cut);
    let bound = run.nodes.step_down_bound();
    // The new leader's first sampled 200: the old one must have stopped before it.
    let first_new = run
        .samples()
        .iter()
        .find(|x| x.at >= cut && x.leaders.contains(&new_leader))
        .map_or(elected, |x| x.at - cut);
    run.note(format!(
        "cut -> new leader node {new_leader}: {:.2} s (first sampled 200 at {:.2} s); isolated node's last sampled leader-check 200 {:.0} ms after the cut (0: none after it; lease {} ms, bound {} ms)",
        elected.as_secs_f64(),
        first_new.as_secs_f64(),
        stopped.as_secs_f64() * 1000.0,
        run.nodes.lease.as_millis(),
        bound.as_millis()
    ));
    // One sample period of slack: a sample is stamped when its requests are sent.
    run.check(
        stopped <= bound + SAMPLE_EVERY,
        format!("isolated node kept answering 200 on leader-check {stopped:?} after the cut"),
    );
    run.check(stopped < first_new, format!("isolated node still answered 200 ({stopped:?}) when the new leader did ({first_new:?})"));

    let nodes = &run.nodes;
    wait_until(Duration::from_secs(10), "isolated node reports unhealthy", || async {
        nodes.get(old, "/api/raft-health").await.0 != 200
    })
    .await;
    let unhealthy = cut.elapsed(); // polled only after the election above
    let write_start = Instant::now();
    let (status, body) =
        run.nodes.get(old, "/api/begin-downtime/isolated-write/3306/faults/t20/1h").await;
    let write_took = write_start.elapsed();
    run.note(format!(
        "isolated node: raft-health non-200 when asked {:.2} s after the cut; a write sent to it answered {status} in {:.0} ms",
        unhealthy.as_secs_f64(),
        write_took.as_secs_f64() * 1000.0
    ));
    run.check(status != 200, format!("isolated node acknowledged a write: {body}"));
    assert!(run.wait_for_acks(50, DEADLINE).await, "the majority does not accept writes");

    net.rejoin(old);
    run.step("healed");
    run.nodes.wait_for_leader(&all).await;
    let state =
        run.nodes.raft_status(old).await.map(|v| v["State"].as_str().unwrap_or("").to_string());
    run.check(
        state.as_deref() == Some("Follower"),
        format!("old leader after the heal: {state:?}, expected Follower"),
    );
    let row_before = run.nodes.json(old, "/api/downtimed").await.1.to_string();
    run.check(
        !row_before.contains("isolated-write"),
        "the refused write is visible after the heal",
    );
    run.finish(None).await
}
