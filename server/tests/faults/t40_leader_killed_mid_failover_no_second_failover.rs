//! Setup: three nodes with automated master recovery and a `PreFailoverProcesses` hook `sleep 3`
//! (so a failover has a window between being registered through raft and changing any server);
//! a MariaDB star with the master in DC3 and replicas in DC1 and DC2, discovered; a workload.
//! Fault: the master is killed; as soon as a follower sees the recovery registered (and not
//! resolved), the leader process running it is killed (kill -9).
//! Expected: the new leader does not run a conflicting second failover: the registered recovery
//! stays unresolved and blocks the cluster (reported as a blocked recovery awaiting
//! acknowledgement), no replica is promoted. After an operator acknowledges it, exactly one
//! failover runs and the cluster ends with exactly one writable master.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::wait_until;

use crate::invariants::recoveries;
use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE as FAILOVER_DEADLINE};

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = format!(r#"{}, "PreFailoverProcesses": ["sleep 3"]"#, Topology::config());
    let mut run = Run::start("t40", net.clone(), vec![Backend::Sqlite; 3], &extra).await;
    let all = run.nodes.all();
    let topo = match Topology::start(&net, 2) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    topo.seed(&run.nodes, 0).await;
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(30, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let follower = all.iter().copied().find(|i| *i != leader).unwrap();
    let t = Instant::now();
    topo.db[0].kill9();
    run.fault(format!("kill -9 master {} (DC3)", key(&topo.db[0])));
    let first = wait_recovery(&run.nodes, follower, "is registered", |_| true).await;
    run.nodes.kill9(leader);
    run.fault(format!("kill -9 leader node {leader} while recovery {} is registered, {:.2} s after the master died", first["UID"], t.elapsed().as_secs_f64()));
    run.check(
        first["IsSuccessful"] != true
            && first["RecoveryEndTimestamp"].as_str().unwrap_or("").is_empty(),
        format!("recovery already resolved when seen: {first}"),
    );

    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != leader).collect();
    let new_leader = run.nodes.wait_for_leader(&rest).await;
    run.step(&format!("new leader node {new_leader}"));
    // The new leader analyses every second after a 1 s grace: give it several rounds.
    let watch = Instant::now();
    while watch.elapsed() < Duration::from_secs(6) {
        let rs = recoveries(&run.nodes, new_leader).await;
        run.check(
            rs.len() == 1,
            format!("second recovery started while the first is unresolved: {rs:?}"),
        );
        let promoted: Vec<usize> = (1..topo.db.len()).filter(|i| topo.writable(*i)).collect();
        run.check(
            promoted.is_empty(),
            format!("a replica was promoted by a second failover: {promoted:?}"),
        );
        if rs.len() != 1 || !promoted.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (_, blocked) = run.nodes.json(new_leader, "/api/blocked-recoveries").await;
    let (_, audit) = run
        .nodes
        .json(
            new_leader,
            &format!("/api/audit-recovery/uid/{}", first["UID"].as_str().unwrap_or("")),
        )
        .await;
    let entry = audit.as_array().and_then(|a| a.first()).cloned().unwrap_or_default();
    run.note(format!(
        "after the kill: the registered recovery is reported IsActive={} IsSuccessful={} Acknowledged={}; blocked-recoveries lists {} entries; no replica promoted",
        entry["IsActive"],
        entry["IsSuccessful"],
        entry["Acknowledged"],
        blocked.as_array().map_or(0, Vec::len)
    ));

    let (status, body) =
        run.nodes.get(new_leader, "/api/ack-all-recoveries?comment=t40-operator-checked").await;
    run.check(status == 200, format!("acknowledging failed: {status} {body}"));
    run.fault("operator acknowledges the interrupted recovery");
    let done =
        wait_recovery(&run.nodes, new_leader, "succeeded", |r| r["IsSuccessful"] == true).await;
    let succ = successor(&done).unwrap_or_default();
    let s = topo.index_of(&succ).filter(|s| *s != 0);
    run.check(s.is_some(), format!("successor {succ} is not a replica"));
    if let Some(s) = s {
        let other = 3 - s; // the other replica (db[1] and db[2])
        let port = topo.db[s].port();
        wait_until(
            FAILOVER_DEADLINE,
            "the other replica replicates from the new master",
            || async { topo.master_port(other) == Some(port) },
        )
        .await;
    }
    let writable: Vec<String> =
        (0..topo.db.len()).filter(|i| topo.writable(*i)).map(|i| key(&topo.db[i])).collect();
    run.note(format!(
        "after the acknowledgement: failover to {succ}; writable masters: {writable:?}"
    ));
    run.check(
        writable.len() == 1,
        format!("expected exactly one writable master, got {writable:?}"),
    );
    run.finish(Some(Failovers { no_quorum: &[], max_per_key: 1, expected: Some(1) })).await
}
