//! Setup: node 0 (DC1) uses `BackendDB: mysql` — a MariaDB server inside DC1's namespace on its
//! loopback — and nodes 1–2 SQLite; `BackendHealthYieldSeconds` 1, `BackendHealthExitSeconds` 4;
//! leadership moved to node 0; a workload of 4 clients.
//! Fault: node 0's backend MariaDB is killed (kill -9).
//! Expected: node 0 yields leadership (stops answering 200 on leader-check; another node
//! leads) and exits non-zero with "backend DB unreachable" in its log, each within the bounds
//! its thresholds and the health probe (1 s tick, 2 s write timeout) allow; the other two keep committing. After the backend and then node 0
//! are restarted, node 0 converges; no acknowledged command is lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::invariants::last_leader_sample;
use crate::mariadb::{Placement, Sandbox};
use crate::netns::FaultNet;
use crate::nodes::{wait_until, Backend, DEADLINE};
use crate::report::Row;
use crate::run::Run;

const YIELD_S: u64 = 1;
const EXIT_S: u64 = 4;

pub async fn run(net: Arc<FaultNet>) -> Row {
    if let Err(why) = Sandbox::available() {
        return Row { skipped: Some(why), ..Row::default() };
    }
    let sandbox = Sandbox::new().expect("sandbox");
    let place = Placement { netns: Some(net.ns(0)), host: "127.0.0.1".into() };
    let db = sandbox.backend_db_placed("orchestrator_faults", place).expect("backend MariaDB in DC1");
    let backends = vec![
        Backend::MySql(db.port, db.database.clone(), db.user.clone(), db.password.clone()),
        Backend::Sqlite,
        Backend::Sqlite,
    ];
    let extra = format!(r#""BackendHealthYieldSeconds": {YIELD_S}, "BackendHealthExitSeconds": {EXIT_S}"#);
    let mut run = Run::start("t70", net, backends, &extra).await;
    let all = run.nodes.all();
    run.nodes.move_leadership_to(0).await;
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let t = Instant::now();
    db.server.kill9();
    run.fault("kill -9 the backend MariaDB of leader node 0 (DC1)");
    let nodes = &run.nodes;
    wait_until(DEADLINE, "another node leads", || async {
        let l = nodes.leaders(&all).await;
        l.len() == 1 && l[0] != 0
    })
    .await;
    let new_leader = t.elapsed();
    let stepped_down = last_leader_sample(&run.samples(), 0, t).map_or(Duration::ZERO, |s| s - t);
    let status = run.nodes.wait_exit(0, DEADLINE).await;
    let exited = t.elapsed();
    let log = std::fs::read_to_string(run.nodes.log(0)).unwrap_or_default();
    // The health probe runs every second and a failing write takes its 2 s timeout; a failure
    // counts from when the write was issued. So node 0 stops leading at most
    // max(yield threshold, write timeout) + one tick after the backend dies, and exits at most
    // exit threshold + one tick after (plus 0.5 s of scheduling slack on a loaded box).
    let (tick, write_timeout, slack) = (Duration::from_secs(1), Duration::from_secs(2), Duration::from_millis(500));
    let (yield_after, exit_after) = (Duration::from_secs(YIELD_S), Duration::from_secs(EXIT_S));
    let yield_bound = yield_after.max(write_timeout) + tick + slack;
    let exit_bound = exit_after + tick + slack;
    run.check(stepped_down <= yield_bound, format!("node 0 still answered 200 on leader-check {stepped_down:?} after its backend died (bound {yield_bound:?})"));
    run.check(exited <= exit_bound, format!("node 0 exited {exited:?} after its backend died (bound {exit_bound:?})"));
    run.check(!status.success(), format!("node 0 exited with {status}, expected non-zero"));
    run.check(log.contains("backend DB unreachable"), "no 'backend DB unreachable' line in node 0's log");
    run.check(run.wait_for_acks(50, DEADLINE).await, "the two other nodes do not keep committing");
    let gap = run.write_gap(t, Instant::now());
    run.note(format!(
        "backend killed -> node 0's last leader-check 200: {:.2} s (yield threshold {YIELD_S} s, bound {:.1} s); another node leads: {:.2} s; node 0 exits ({status}): {:.2} s (exit threshold {EXIT_S} s, bound {:.1} s); longest write gap {:.2} s",
        stepped_down.as_secs_f64(),
        yield_bound.as_secs_f64(),
        new_leader.as_secs_f64(),
        exited.as_secs_f64(),
        exit_bound.as_secs_f64(),
        gap.as_secs_f64()
    ));

    db.server.restart().expect("restart the backend MariaDB");
    run.step("backend restarted; node 0 restarts in finish");
    let row = run.finish(None).await;
    drop(db);
    row
}
