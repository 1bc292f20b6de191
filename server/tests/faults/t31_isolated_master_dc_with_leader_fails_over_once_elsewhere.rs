//! Setup: MariaDB master in DC1, one replica in DC2 and one in DC3; three nodes managing it with
//! automated master recovery; the raft leader moved to DC1's node (the master's DC); a workload.
//! Fault: DC1 is cut from DC2 and DC3 (both directions). The master keeps running, reachable
//! only from inside DC1; the replicas lose it.
//! Expected: DC2+DC3 elect a leader, which sees the master dead (unreachable, no replica
//! replicating) and performs exactly one failover, to the DC2 or DC3 replica. The old leader
//! stops answering 200 on leader-check within the election timeout, cannot register a recovery (no quorum)
//! and never runs a failover hook; after the heal every node shows the same single recovery,
//! processed by a majority node.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::invariants::{last_leader_sample, recoveries, SAMPLE_EVERY};
use crate::netns::FaultNet;
use crate::nodes::{wait_until, Backend, DEADLINE};
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE as FAILOVER_DEADLINE};

pub async fn run(net: Arc<FaultNet>) -> Row {
    let dc1 = 0;
    let topo = match Topology::start(&net, dc1) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    let mut run = Run::start("t31", net.clone(), vec![Backend::Sqlite; 3], &topo.config()).await;
    topo.wait_discovered(&run.nodes).await;
    run.nodes.move_leadership_to(dc1).await;
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(30, DEADLINE).await, "workload makes no progress before the fault");

    let cut = Instant::now();
    net.isolate(dc1);
    run.fault(format!("DC1 (leader node 0 + master {}) cut from DC2 and DC3", key(&topo.db[0])));
    let leader = run.nodes.wait_for_leader(&[1, 2]).await;
    let elected = cut.elapsed();
    let done = wait_recovery(&run.nodes, leader, "succeeded", |r| r["IsSuccessful"] == true).await;
    let recovered = cut.elapsed();
    let succ = successor(&done).unwrap_or_default();
    let s = topo.index_of(&succ);
    run.check(s.is_some_and(|s| s != 0), format!("successor {succ} is not a replica outside DC1"));
    let s = s.unwrap_or(1);
    let stopped = last_leader_sample(&run.samples(), dc1, cut).map_or(Duration::ZERO, |t| t - cut);
    run.note(format!(
        "cut -> new leader node {leader}: {:.2} s; -> failover to {succ} (DC{}): {:.2} s; old leader's last sampled leader-check 200 {:.0} ms after the cut (0: none after it)",
        elected.as_secs_f64(),
        topo.dc[s] + 1,
        recovered.as_secs_f64(),
        stopped.as_secs_f64() * 1000.0
    ));
    run.check(stopped <= run.nodes.election_timeout_max() + SAMPLE_EVERY, format!("old leader answered 200 on leader-check {stopped:?} after the cut"));
    run.check(topo.writable(s), "promoted replica is not writable");
    let other = if s == 1 { 2 } else { 1 };
    let port = topo.db[s].port();
    wait_until(FAILOVER_DEADLINE, "the other replica replicates from the new master", || async { topo.master_port(other) == Some(port) }).await;
    let old_view = recoveries(&run.nodes, dc1).await;
    run.check(old_view.is_empty(), format!("the old leader registered or saw a recovery while cut off: {old_view:?}"));
    if topo.writable(0) {
        run.note("the old master in DC1 is still writable inside its DC: fencing it needs a hook, orchestrator cannot reach it");
    }

    net.rejoin(dc1);
    run.step("healed");
    run.finish(Some(Failovers { no_quorum: &[dc1], max_per_key: 1, expected: Some(1) })).await
}
