//! Setup: MariaDB master in DC2, one replica in DC1 and one in DC3 (GTID, all servers inside
//! their DC's namespace); three nodes managing it with automated master recovery; the raft
//! leader is not in DC2 (moved if needed); a workload of 4 clients.
//! Fault: DC2 is cut from DC1 and DC3 (both directions), then DC2's master is killed (kill -9).
//! Expected: only the majority side fails over: its leader promotes the DC1 or DC3 replica and
//! repoints the other, exactly once. The DC2 node never answers 200 on leader-check while cut
//! off, processes no recovery and never runs a failover hook (it never touches MySQL); after the
//! heal every node shows the same single recovery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::invariants::{recoveries, was_leader_between};
use crate::netns::FaultNet;
use crate::nodes::{wait_until, Backend, DEADLINE};
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE as FAILOVER_DEADLINE};

pub async fn run(net: Arc<FaultNet>) -> Row {
    let minority = 1; // DC2 (node 1) holds the master
    let topo = match Topology::start(&net, minority) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    let mut run = Run::start("t30", net.clone(), vec![Backend::Sqlite; 3], &topo.config()).await;
    let all = run.nodes.all();
    topo.wait_discovered(&run.nodes).await;
    if run.nodes.wait_for_leader(&all).await == minority {
        run.nodes.move_leadership_to(0).await;
    }
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(30, DEADLINE).await, "workload makes no progress before the fault");

    let cut = Instant::now();
    net.isolate(minority);
    run.fault("DC2 (node 1 + master) cut from DC1 and DC3");
    topo.db[0].kill9();
    run.fault(format!("kill -9 master {} in DC2", key(&topo.db[0])));

    let rest = [0, 2];
    let leader = run.nodes.wait_for_leader(&rest).await;
    let done = wait_recovery(&run.nodes, leader, "succeeded", |r| r["IsSuccessful"] == true).await;
    let recovered = cut.elapsed();
    let succ = successor(&done).unwrap_or_default();
    let s = topo.index_of(&succ);
    run.check(s.is_some_and(|s| s != 0), format!("successor {succ} is not a surviving replica"));
    let s = s.unwrap_or(1);
    run.note(format!("cut -> failover to {succ} (DC{}) by node {leader}: {:.2} s", topo.dc[s] + 1, recovered.as_secs_f64()));
    run.check(topo.writable(s), "promoted replica is not writable");
    let other = if s == 1 { 2 } else { 1 };
    let port = topo.db[s].port();
    wait_until(FAILOVER_DEADLINE, "the other replica replicates from the new master", || async { topo.master_port(other) == Some(port) }).await;

    // While cut off, DC2's node never led.
    run.check(!was_leader_between(&run.samples(), minority, cut, Instant::now()), "the isolated DC2 node answered 200 on leader-check");
    let minority_view = recoveries(&run.nodes, minority).await;
    run.check(minority_view.is_empty(), format!("the isolated node registered or saw a recovery while cut off: {minority_view:?}"));

    net.rejoin(minority);
    run.step("healed");
    run.finish(Some(Failovers { no_quorum: &[minority], max_per_key: 1, expected: Some(1) })).await
}
