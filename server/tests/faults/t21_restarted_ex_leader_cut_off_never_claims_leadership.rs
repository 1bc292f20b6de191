//! Setup: three nodes (DC1–DC3, SQLite); a workload of 4 clients through random nodes.
//! Fault: the leader is killed (kill -9); once the others have elected a new leader, the
//! killed node's DC is cut from the other DCs and the node is restarted there, cut off.
//! Expected: the restarted ex-leader never answers 200 on `/api/leader-check` and reports
//! unhealthy on `/api/raft-health` (it has no quorum, however its persisted vote looks), it
//! refuses writes; after the heal it follows the new leader and converges. (openraft 0.9
//! restores a node that was leader before a restart as leader at its old term until it hears
//! from a quorum.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t21", net.clone(), vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(30, DEADLINE).await, "workload makes no progress before the fault");

    let old = run.nodes.wait_for_leader(&all).await;
    run.nodes.kill9(old);
    run.fault(format!("kill -9 leader node {old} (DC{})", old + 1));
    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != old).collect();
    let new_leader = run.nodes.wait_for_leader(&rest).await;
    net.isolate(old);
    run.nodes.spawn(old);
    run.fault(format!("DC{} cut off, then node {old} restarted there", old + 1));

    // Poll the restarted node as fast as it answers for 3 s (plus the 50 ms sampler).
    let start = Instant::now();
    let (mut answered, mut claims, mut healthy) = (0, 0, 0);
    while start.elapsed() < Duration::from_secs(3) {
        let (status, _) =
            run.nodes.get_within(old, "/api/leader-check", Duration::from_millis(200)).await;
        if status != 0 {
            answered += 1;
        }
        if status == 200 {
            claims += 1;
            if run.nodes.get_within(old, "/api/raft-health", Duration::from_millis(200)).await.0
                == 200
            {
                healthy += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let write =
        run.nodes.get(old, "/api/begin-downtime/restarted-cut-off/3306/faults/t21/1h").await.0;
    run.note(format!(
        "restarted ex-leader, cut off, while node {new_leader} leads: {claims} of {answered} leader-check answers were 200 ({healthy} with raft-health 200); a write sent to it answered {write}"
    ));
    run.check(answered > 0, "the restarted node never answered");
    run.check(
        claims == 0,
        format!("the cut-off restarted ex-leader answered 200 on leader-check {claims} times"),
    );
    run.check(write != 200, "the cut-off restarted ex-leader acknowledged a write");

    net.rejoin(old);
    run.step("healed");
    run.finish(None).await
}
