//! Setup: three nodes with `ExpectFailureAnalysisConcensus`; a MariaDB star whose master is in
//! a DC whose node does not lead ("DC-M") and whose two replicas are in the leader's DC
//! ("DC-L"); discovered.
//! Fault 1: DC-L cut from DC-M (both directions). The leader keeps a quorum with the third DC;
//! it loses the master and so do both replicas, so its own analysis says `DeadMaster`. The
//! master is alive for the two other nodes.
//! Expected: no recovery anywhere while only one of three nodes sees the failure (without the
//! key the leader would promote a replica beside a live, writable master).
//! Fault 2: the link heals, then the master is killed (kill -9).
//! Expected: every node sees it dead; exactly one recovery promotes one of the replicas.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::wait_until;

use crate::invariants::recoveries;
use crate::netns::FaultNet;
use crate::nodes::Nodes;
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE};

/// How long the disputed failure is watched for a recovery that must not come (several polls
/// and analysis ticks past the moment the leader sees `DeadMaster`).
const WATCH: Duration = Duration::from_secs(8);

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = format!(r#"{}, "ExpectFailureAnalysisConcensus": true"#, Topology::config());
    let mut run =
        Run::start("t93", net.clone(), vec![server::testkit::cluster::Backend::Sqlite; 3], &extra)
            .await;
    let all = run.nodes.all();
    let leader = run.nodes.wait_for_leader(&all).await;
    let master_dc = (leader + 1) % 3;
    let topo = match Topology::start_in(&net, vec![master_dc, leader, leader]) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    topo.seed(&run.nodes, leader).await;
    let master = key(&topo.db[0]);

    net.cut(leader, master_dc);
    run.fault(format!(
        "DC{} (leader + both replicas) cut from DC{} (master)",
        leader + 1,
        master_dc + 1
    ));
    wait_until(DEADLINE, "the leader's own analysis sees the master dead", || {
        sees_dead(&run.nodes, leader, &master)
    })
    .await;
    let started = Instant::now();
    let mut seen_elsewhere = false;
    let mut recovered_on = std::collections::BTreeSet::new();
    while started.elapsed() < WATCH {
        for i in all.iter().copied() {
            if !recoveries(&run.nodes, i).await.is_empty() {
                recovered_on.insert(i);
            }
            if i != leader && sees_dead(&run.nodes, i, &master).await {
                seen_elsewhere = true;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    run.check(
        recovered_on.is_empty(),
        format!(
            "a master only the leader saw dead was recovered (audit on nodes {recovered_on:?})"
        ),
    );
    run.check(!seen_elsewhere, "another node saw the live master dead during the cut");
    run.check(topo.writable(0), "the master is no longer writable");
    run.note(format!(
        "leader node {leader} saw DeadMaster alone for {:.1} s: no recovery",
        WATCH.as_secs_f64()
    ));

    net.heal(leader, master_dc);
    run.step("healed");
    let replicas_back = || async { (1..3).all(|i| topo.master_port(i) == Some(topo.db[0].port())) };
    wait_until(DEADLINE, "replication resumes", replicas_back).await;
    wait_until(DEADLINE, "no node sees the master dead", || async {
        let mut any = false;
        for i in all.iter().copied() {
            any |= sees_dead(&run.nodes, i, &master).await;
        }
        !any
    })
    .await;

    let killed = Instant::now();
    topo.db[0].kill9();
    run.fault(format!("kill -9 master {master}"));
    let leader = run.nodes.wait_for_leader(&all).await;
    let done = wait_recovery(&run.nodes, leader, "succeeded", |r| r["IsSuccessful"] == true).await;
    let succ = successor(&done).unwrap_or_default();
    let s = topo.index_of(&succ);
    run.check(s.is_some_and(|s| s != 0), format!("successor {succ} is not a replica"));
    run.check(s.is_some_and(|s| topo.writable(s)), "promoted replica is not writable");
    run.note(format!("real death agreed and recovered in {:.2} s", killed.elapsed().as_secs_f64()));
    run.finish(Some(Failovers { no_quorum: &[], max_per_key: 1, expected: Some(1) })).await
}

/// Whether node `i`'s own analysis sees `master` dead.
async fn sees_dead(nodes: &Nodes, i: usize, master: &str) -> bool {
    let (_, v) = nodes.json(i, "/api/replication-analysis").await;
    v["Details"].as_array().is_some_and(|entries| {
        entries.iter().any(|e| {
            let k = &e["AnalyzedInstanceKey"];
            format!("{}:{}", k["Hostname"].as_str().unwrap_or(""), k["Port"]) == master
                && e["Analysis"].as_str().is_some_and(|c| c.starts_with("DeadMaster"))
        })
    })
}
