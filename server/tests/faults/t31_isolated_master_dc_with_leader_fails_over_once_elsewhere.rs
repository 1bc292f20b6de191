//! Setup: three nodes with automated master recovery; then a MariaDB star with the master in
//! the raft leader's DC ("DC-L") and one replica in each other DC, discovered; a workload.
//! Fault: DC-L is cut from the two others (both directions). The master keeps running,
//! reachable only from inside DC-L; the replicas lose it.
//! Expected: the two other DCs elect a leader, which sees the master dead (unreachable, no
//! replica replicating) and performs exactly one failover, to one of their replicas. The old
//! leader stops answering 200 on leader-check within its lease (see `Nodes::step_down_bound`),
//! cannot register a recovery (no quorum) and never runs a failover hook; after the heal every
//! node shows the same single recovery, processed by a majority node.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::wait_until;

use crate::invariants::{last_leader_sample, recoveries, SAMPLE_EVERY};
use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE as FAILOVER_DEADLINE};

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run =
        Run::start("t31", net.clone(), vec![Backend::Sqlite; 3], Topology::config()).await;
    let all = run.nodes.all();
    let dc1 = run.nodes.wait_for_leader(&all).await; // the master goes into the leader's DC
    let topo = match Topology::start(&net, dc1) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    topo.seed(&run.nodes, dc1).await;
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(30, DEADLINE).await, "workload makes no progress before the fault");

    let cut = Instant::now();
    net.isolate(dc1);
    run.fault(format!(
        "DC{} (leader node {dc1} + master {}) cut from the other DCs",
        dc1 + 1,
        key(&topo.db[0])
    ));
    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != dc1).collect();
    let leader = run.nodes.wait_for_leader(&rest).await;
    let elected = cut.elapsed();
    let done = wait_recovery(&run.nodes, leader, "succeeded", |r| r["IsSuccessful"] == true).await;
    let recovered = cut.elapsed();
    let succ = successor(&done).unwrap_or_default();
    let s = topo.index_of(&succ);
    run.check(
        s.is_some_and(|s| s != 0),
        format!("successor {succ} is not a replica outside the cut-off DC"),
    );
    let s = s.unwrap_or(1);
    let stopped = last_leader_sample(&run.samples(), dc1, cut).map_or(Duration::ZERO, |t| t - cut);
    run.note(format!(
        "cut -> new leader node {leader}: {:.2} s; -> failover to {succ} (DC{}): {:.2} s; old leader's last sampled leader-check 200 {:.0} ms after the cut (0: none after it)",
        elected.as_secs_f64(),
        topo.dc[s] + 1,
        recovered.as_secs_f64(),
        stopped.as_secs_f64() * 1000.0
    ));
    run.check(
        stopped <= run.nodes.step_down_bound() + SAMPLE_EVERY,
        format!("old leader answered 200 on leader-check {stopped:?} after the cut"),
    );
    run.check(topo.writable(s), "promoted replica is not writable");
    let other = 3 - s; // the other replica (db[1] and db[2])
    let port = topo.db[s].port();
    wait_until(FAILOVER_DEADLINE, "the other replica replicates from the new master", || async {
        topo.master_port(other) == Some(port)
    })
    .await;
    let old_view = recoveries(&run.nodes, dc1).await;
    run.check(
        old_view.is_empty(),
        format!("the old leader registered or saw a recovery while cut off: {old_view:?}"),
    );
    if topo.writable(0) {
        run.note("the old master is still writable inside its cut-off DC: fencing it needs a hook, orchestrator cannot reach it");
    }

    net.rejoin(dc1);
    run.step("healed");
    run.finish(Some(Failovers { no_quorum: &[dc1], max_per_key: 1, expected: Some(1) })).await
}
