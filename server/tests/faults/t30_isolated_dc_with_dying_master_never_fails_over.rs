//! Setup: three nodes with automated master recovery; then a MariaDB star (GTID, every server
//! inside its DC's namespace) with the master in a DC whose node does not lead (DC2, or DC3 if
//! DC2's node leads) and one replica in each other DC, discovered; a workload of 4 clients.
//! Fault: the master's DC is cut from the two others (both directions), then the master is
//! killed (kill -9).
//! Expected: only the majority side fails over: its leader promotes one of the other DCs'
//! replicas and repoints the other, exactly once. The cut-off node never answers 200 on
//! leader-check, processes no recovery and never runs a failover hook (it never touches MySQL);
//! after the heal every node shows the same single recovery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::wait_until;

use crate::invariants::{recoveries, was_leader_between};
use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE as FAILOVER_DEADLINE};

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run =
        Run::start("t30", net.clone(), vec![Backend::Sqlite; 3], Topology::config()).await;
    let all = run.nodes.all();
    // The master goes into a DC whose node does not lead (DC2 unless that node leads).
    let leader = run.nodes.wait_for_leader(&all).await;
    let minority = if leader == 1 { 2 } else { 1 };
    let topo = match Topology::start(&net, minority) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    topo.seed(&run.nodes, minority).await;
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(30, DEADLINE).await, "workload makes no progress before the fault");

    let cut = Instant::now();
    net.isolate(minority);
    run.fault(format!("DC{} (node {minority} + master) cut from the other DCs", minority + 1));
    topo.db[0].kill9();
    run.fault(format!("kill -9 master {} in DC{}", key(&topo.db[0]), minority + 1));

    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != minority).collect();
    let leader = run.nodes.wait_for_leader(&rest).await;
    let done = wait_recovery(&run.nodes, leader, "succeeded", |r| r["IsSuccessful"] == true).await;
    let recovered = cut.elapsed();
    let succ = successor(&done).unwrap_or_default();
    let s = topo.index_of(&succ);
    run.check(s.is_some_and(|s| s != 0), format!("successor {succ} is not a surviving replica"));
    let s = s.unwrap_or(1);
    run.note(format!(
        "cut -> failover to {succ} (DC{}) by node {leader}: {:.2} s",
        topo.dc[s] + 1,
        recovered.as_secs_f64()
    ));
    run.check(topo.writable(s), "promoted replica is not writable");
    let other = 3 - s; // the other replica (db[1] and db[2])
    let port = topo.db[s].port();
    wait_until(FAILOVER_DEADLINE, "the other replica replicates from the new master", || async {
        topo.master_port(other) == Some(port)
    })
    .await;

    // While cut off, the master's DC's node never led.
    run.check(
        !was_leader_between(&run.samples(), minority, cut, Instant::now()),
        "the isolated node answered 200 on leader-check",
    );
    let minority_view = recoveries(&run.nodes, minority).await;
    run.check(
        minority_view.is_empty(),
        format!("the isolated node registered or saw a recovery while cut off: {minority_view:?}"),
    );

    net.rejoin(minority);
    run.step("healed");
    run.finish(Some(Failovers { no_quorum: &[minority], max_per_key: 1, expected: Some(1) })).await
}
