//! Setup: three nodes (DC1–DC3, SQLite backends); a workload of 4 clients through random nodes.
//! Fault: SIGKILL of the leader process; later it is restarted on the same data.
//! Expected: the two survivors elect a new leader and writes are acknowledged again within a
//! couple of seconds; the restarted node follows and converges to the identical replicated
//! digest; no acknowledged command is lost; never two leaders beyond the lease.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t10", net, vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let killed = Instant::now();
    run.nodes.kill9(leader);
    run.fault(format!("kill -9 leader node {leader} (DC{})", leader + 1));
    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != leader).collect();
    let new_leader = run.nodes.wait_for_leader(&rest).await;
    let elected = killed.elapsed();
    let acked = run.wait_for_acks(1, DEADLINE).await;
    let first_write = killed.elapsed();
    run.check(acked, "no write acknowledged after the leader was killed");
    run.note(format!(
        "kill -> new leader node {new_leader}: {:.2} s; kill -> first acknowledged write: {:.2} s",
        elected.as_secs_f64(),
        first_write.as_secs_f64()
    ));
    run.check(
        first_write < Duration::from_secs(5),
        format!("writes unavailable for {first_write:?} after a leader kill"),
    );
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload stalls with two nodes");

    run.nodes.spawn(leader);
    run.step(&format!("restarted node {leader}"));
    run.nodes.wait_for_leader(&all).await;
    run.finish(None).await
}
