//! Setup: a simulated star (`server::testkit::fleetsim`: master m, replicas r1 and r2); 3 nodes
//! with `ProbeSharing` and `ExpectFailureAnalysisConcensus`, each logging in to the servers as
//! its own user (`orc0`..`orc2`), so the simulator can cut one node off one server.
//! Fault 1: the network between the leader and m is cut (m still answers the two other nodes),
//! and both replicas' IO threads lose m, as they would if cut from it too.
//! Expected: the leader's own analysis says `DeadMaster`, no other node's does, and no node
//! records a recovery while only one of three sees the failure.
//! Fault 2: healed, then m dies (its port closes).
//! Expected: every node agrees; exactly one recovery, which promotes r1 or r2: on the simulated
//! servers the successor is writable and the other replica was moved under it.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use app::core::InstanceKey;
use serde_json::{json, Map};
use server::testkit::cluster::{ClusterSpec, ProcCluster, DEADLINE};
use server::testkit::fleetsim::state::{lose_master, regain_master};
use server::testkit::fleetsim::{Fault, FleetHandle, FleetSim, FleetSpec};
use server::testkit::wait_until;

/// How long the cut is watched for a wrong recovery (several polls and recovery ticks).
const WATCH: Duration = Duration::from_secs(8);

fn user(i: usize) -> String {
    format!("orc{i}")
}

/// Whether node `i`'s own analysis says `master` is dead.
async fn sees_dead(orc: &ProcCluster, i: usize, master: &InstanceKey) -> bool {
    let master = master.to_string();
    orc.analysis(i).await.iter().any(|(k, code)| *k == master && code.starts_with("DeadMaster"))
}

/// Every replica's IO thread lost its master (`lost`) or runs again.
fn replicas_lose_master(sim: &FleetHandle, replicas: &[InstanceKey], lost: bool) {
    for r in replicas {
        sim.update(r, |s| {
            if let Some(rep) = s.replication.as_mut() {
                if lost {
                    lose_master(rep);
                } else {
                    regain_master(rep);
                }
            }
        })
        .expect("a simulated replica");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_only_the_leader_loses_is_not_failed_over_a_dead_one_is() {
    let spec = FleetSpec { servers: 3, replicas: 2, ..FleetSpec::default() };
    let fleet = FleetSim::start(&spec).await.expect("start a simulated star");
    let sim = fleet.handle();
    let master = fleet.masters()[0].clone();
    let replicas: Vec<InstanceKey> =
        sim.state().servers.keys().filter(|k| **k != master).cloned().collect();
    let extra = format!(
        r#""MySQLTopologyPassword": "sim", "InstancePollSeconds": 1,
           "MySQLConnectTimeoutSeconds": 1, "MySQLDiscoveryReadTimeoutSeconds": 2,
           "RecoveryStartupGraceSeconds": 1, "RecoverMasterClusterFilters": ["*"],
           "ProbeSharing": true, "ExpectFailureAnalysisConcensus": true,
           "DiscoverySeeds": ["{master}"]"#
    );
    let orc = ClusterSpec::sqlite(3)
        .extra(&extra)
        .node_extra(|i, _| {
            let mut keys = Map::new();
            keys.insert("MySQLTopologyUser".into(), json!(user(i)));
            keys
        })
        .start();
    let all = orc.all();
    let leader = orc.wait_for_leader(&all).await;
    for i in all.iter().copied() {
        wait_until(DEADLINE, &format!("node {i} lists the star"), || async {
            let (_, v) = orc.json(i, "/api/all-instances").await;
            v.as_array().is_some_and(|a| a.len() == 3)
        })
        .await;
    }

    // Fault 1: the leader cut off the master; the replicas lose it too.
    sim.update(&master, |s| s.cut_users.insert(user(leader))).expect("cut");
    replicas_lose_master(&sim, &replicas, true);
    wait_until(DEADLINE, "the leader's own analysis sees the master dead", || {
        sees_dead(&orc, leader, &master)
    })
    .await;
    let started = Instant::now();
    let (mut seen_elsewhere, mut recovered_on) = (BTreeSet::new(), BTreeSet::new());
    while started.elapsed() < WATCH {
        for i in all.iter().copied() {
            if !orc.recoveries(i).await.is_empty() {
                recovered_on.insert(i);
            }
            if i != leader && sees_dead(&orc, i, &master).await {
                seen_elsewhere.insert(i);
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered_on.is_empty(), "recovered a master only the leader lost: {recovered_on:?}");
    assert!(seen_elsewhere.is_empty(), "nodes {seen_elsewhere:?} saw the live master dead");
    assert!(!sim.state().servers[&master].read_only, "the master stays writable");
    eprintln!("leader node {leader} saw DeadMaster alone for {WATCH:?}: no recovery");

    // Fault 2: healed, then a real death.
    sim.update(&master, |s| s.cut_users.clear()).expect("heal");
    replicas_lose_master(&sim, &replicas, false);
    wait_until(DEADLINE, "no node sees the master dead", || async {
        let mut any = false;
        for i in all.iter().copied() {
            any |= sees_dead(&orc, i, &master).await;
        }
        !any
    })
    .await;
    let killed = Instant::now();
    sim.set_fault(&master, Fault::Dead).expect("kill the master");
    let leader = orc.wait_for_leader(&all).await;
    wait_until(DEADLINE, "one successful recovery", || async {
        orc.recoveries(leader).await.iter().any(|r| r["IsSuccessful"] == true)
    })
    .await;
    eprintln!("real death agreed and recovered in {:.2} s", killed.elapsed().as_secs_f64());
    let state = sim.state().clone();
    let promoted: Vec<&InstanceKey> =
        replicas.iter().filter(|r| !state.servers[*r].read_only).collect();
    assert_eq!(promoted.len(), 1, "exactly one replica promoted: {promoted:?}");
    let other = replicas.iter().find(|r| *r != promoted[0]).expect("the other replica");
    let moved = state.servers[other].replication.as_ref().map(|r| &r.master);
    assert_eq!(moved, Some(promoted[0]), "the other replica replicates from the successor");
    for i in all {
        wait_until(DEADLINE, &format!("node {i}'s audit has the recovery"), || async {
            !orc.recoveries(i).await.is_empty()
        })
        .await;
        let audit = orc.recoveries(i).await;
        assert_eq!(audit.len(), 1, "node {i}: exactly one recovery, got {audit:?}");
    }
}
