//! Setup: every node uses `BackendDB: mysql` — a MariaDB server inside its DC's namespace, on
//! the DC's loopback; `BackendHealthYieldSeconds` 1, `BackendHealthExitSeconds` 4; a workload of
//! 4 clients.
//! Fault: the leader's backend MariaDB is killed (kill -9).
//! Expected: that node yields leadership (stops answering 200 on leader-check; another node
//! leads) and exits non-zero with "backend DB unreachable" in its log, each within the bounds
//! its thresholds and the health probe (1 s tick, 2 s write timeout) allow; the other two keep
//! committing. After its backend and then the node are restarted, it converges; no
//! acknowledged command is lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::DEADLINE;
use server::testkit::mariadb::{BackendDb, Placement, Sandbox};
use server::testkit::wait_until;

use crate::invariants::last_leader_sample;
use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

const YIELD_S: u64 = 1;
const EXIT_S: u64 = 4;

pub async fn run(net: Arc<FaultNet>) -> Row {
    if let Err(why) = Sandbox::available() {
        return Row { skipped: Some(why), ..Row::default() };
    }
    let sandbox = Sandbox::new().expect("sandbox");
    // Every node on its own MySQL backend inside its DC (on the DC's loopback), so that whichever
    // node leads can lose its backend without moving leadership first.
    let dbs: Vec<BackendDb> = (0..3)
        .map(|i| {
            let place = Placement { netns: Some(net.ns(i)), host: "127.0.0.1".into() };
            sandbox
                .backend_db_placed(&format!("orchestrator_dc{}", i + 1), place)
                .expect("backend MariaDB in a DC")
        })
        .collect();
    let backends = dbs.iter().map(BackendDb::backend).collect();
    let extra =
        format!(r#""BackendHealthYieldSeconds": {YIELD_S}, "BackendHealthExitSeconds": {EXIT_S}"#);
    let mut run = Run::start("t70", net, backends, &extra).await;
    let all = run.nodes.all();
    let victim = run.nodes.wait_for_leader(&all).await;
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let t = Instant::now();
    dbs[victim].server.kill9();
    run.fault(format!("kill -9 the backend MariaDB of leader node {victim} (DC{})", victim + 1));
    let nodes = &run.nodes;
    wait_until(DEADLINE, "another node leads", || async {
        let l = nodes.leaders(&all).await;
        l.len() == 1 && l[0] != victim
    })
    .await;
    let new_leader = t.elapsed();
    let stepped_down =
        last_leader_sample(&run.samples(), victim, t).map_or(Duration::ZERO, |s| s - t);
    let status = run.nodes.wait_exit(victim, DEADLINE).await;
    let exited = t.elapsed();
    let log = std::fs::read_to_string(run.nodes.log(victim)).unwrap_or_default();
    // The health probe runs every second and a failing write takes its 2 s timeout; a failure
    // counts from when the write was issued. So the node stops leading at most
    // max(yield threshold, write timeout) + one tick after the backend dies, and exits at most
    // exit threshold + one tick after (plus 0.5 s of scheduling slack on a loaded box).
    let (tick, write_timeout, slack) =
        (Duration::from_secs(1), Duration::from_secs(2), Duration::from_millis(500));
    let (yield_after, exit_after) = (Duration::from_secs(YIELD_S), Duration::from_secs(EXIT_S));
    let yield_bound = yield_after.max(write_timeout) + tick + slack;
    let exit_bound = exit_after + tick + slack;
    run.check(stepped_down <= yield_bound, format!("node {victim} still answered 200 on leader-check {stepped_down:?} after its backend died (bound {yield_bound:?})"));
    run.check(
        exited <= exit_bound,
        format!("node {victim} exited {exited:?} after its backend died (bound {exit_bound:?})"),
    );
    run.check(!status.success(), format!("node {victim} exited with {status}, expected non-zero"));
    run.check(
        log.contains("backend DB unreachable"),
        format!("no 'backend DB unreachable' line in node {victim}'s log"),
    );
    run.check(run.wait_for_acks(50, DEADLINE).await, "the two other nodes do not keep committing");
    let gap = run.write_gap(t, Instant::now());
    run.note(format!(
        "backend killed -> node {victim}'s last leader-check 200: {:.2} s (yield threshold {YIELD_S} s, bound {:.1} s); another node leads: {:.2} s; node {victim} exits ({status}): {:.2} s (exit threshold {EXIT_S} s, bound {:.1} s); longest write gap {:.2} s",
        stepped_down.as_secs_f64(),
        yield_bound.as_secs_f64(),
        new_leader.as_secs_f64(),
        exited.as_secs_f64(),
        exit_bound.as_secs_f64(),
        gap.as_secs_f64()
    ));

    dbs[victim].server.restart().expect("restart the backend MariaDB");
    run.step(&format!("backend restarted; node {victim} restarts in finish"));
    let row = run.finish(None).await;
    drop(dbs);
    row
}
