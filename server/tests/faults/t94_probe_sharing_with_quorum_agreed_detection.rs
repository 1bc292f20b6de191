//! Setup: t93's (three nodes with `ExpectFailureAnalysisConcensus`; a MariaDB star whose master
//! is in a DC whose node does not lead, "DC-M", and whose two replicas are in the leader's DC,
//! "DC-L"; discovered), plus `ProbeSharing` and a `DataCenterPattern` naming each DC after its
//! address, so that nodes and servers have data centers.
//! Probe sharing in effect: measured on the servers themselves (MariaDB's `userstat`, new
//! connections per client address, one per probe), the master is probed about once per poll by
//! each of the three nodes, and each replica about once per poll by the leader alone (the one
//! node in its DC) and by no other node: the leader's assignment is what the nodes follow.
//! Fault 1: DC-L cut from DC-M (both directions). The leader keeps a quorum with the third DC;
//! it loses the master and so do both replicas, so its own analysis says `DeadMaster`. The other
//! nodes probe the master themselves (masters are not shared) and see it alive.
//! Expected: the other nodes' records of the master stay valid (checked on
//! `/api/instance` every round), no recovery anywhere while only one of three nodes sees the
//! failure, the master stays writable.
//! Fault 2: the link heals, then the master is killed (kill -9).
//! Expected: every node sees it dead; exactly one recovery promotes one of the replicas.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::mariadb::Server;
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

/// The window probes are counted over (a rate, not a synchronisation: the rates are measured
/// again until they fit or [`DEADLINE`] passes).
const WINDOW: Duration = Duration::from_secs(5);

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = format!(
        r#"{}, "ExpectFailureAnalysisConcensus": true, "ProbeSharing": true,
           "DataCenterPattern": "[.]([0-9]+)$""#,
        Topology::config()
    );
    let mut run =
        Run::start("t94", net.clone(), vec![server::testkit::cluster::Backend::Sqlite; 3], &extra)
            .await;
    let all = run.nodes.all();
    let leader = run.nodes.wait_for_leader(&all).await;
    let master_dc = (leader + 1) % 3;
    let topo = match Topology::start_in(&net, vec![master_dc, leader, leader]) {
        Ok(t) => t,
        Err(why) => return Row { skipped: Some(why), ..Row::default() },
    };
    for s in &topo.db {
        s.sql("SET GLOBAL userstat = ON").expect("turn on MariaDB's client statistics");
    }
    topo.seed(&run.nodes, leader).await;
    let master = key(&topo.db[0]);

    let ips: Vec<String> = all.iter().map(|i| run.nodes.ip(*i)).collect();
    let until = Instant::now() + DEADLINE;
    let rates = loop {
        let rates = probes_per_poll(&topo.db, &ips).await;
        run.step(&format!("probes per poll (rows m, r1, r2; columns nodes 0-2): {rates:.2?}"));
        if shared(&rates, leader) || Instant::now() > until {
            break rates;
        }
    };
    run.check(
        shared(&rates, leader),
        format!(
            "probe sharing not in effect: probes per poll {rates:.2?} (rows m, r1, r2; columns \
             nodes 0-2); want the master ~1 by every node, each replica ~1 by node {leader} only"
        ),
    );
    run.note(format!(
        "probes per poll over {:.0} s: master {:.1?} (nodes 0-2), replicas {:.1?} and {:.1?}: \
         each replica by leader node {leader} alone (its DC)",
        WINDOW.as_secs_f64(),
        rates[0],
        rates[1],
        rates[2]
    ));

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
    let mut seen_elsewhere = std::collections::BTreeSet::new();
    let mut recovered_on = std::collections::BTreeSet::new();
    let mut invalid_elsewhere = std::collections::BTreeSet::new();
    while started.elapsed() < WATCH {
        for i in all.iter().copied() {
            if !recoveries(&run.nodes, i).await.is_empty() {
                recovered_on.insert(i);
            }
            if i != leader && sees_dead(&run.nodes, i, &master).await {
                seen_elsewhere.insert(i);
            }
            if i != leader && !check_valid(&run.nodes, i, &master).await {
                invalid_elsewhere.insert(i);
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
    run.check(
        seen_elsewhere.is_empty(),
        format!("nodes {seen_elsewhere:?} saw the live master dead during the cut"),
    );
    run.check(
        invalid_elsewhere.is_empty(),
        format!(
            "nodes {invalid_elsewhere:?}, which reach the master, showed its last check invalid \
             during the cut"
        ),
    );
    run.check(topo.writable(0), "the master is no longer writable");
    if !recovered_on.is_empty() {
        // A replica was promoted beside the live master: fault 2 has no star left to act on.
        return run
            .finish(Some(Failovers { no_quorum: &[], max_per_key: 1, expected: None }))
            .await;
    }
    if seen_elsewhere.is_empty() && invalid_elsewhere.is_empty() {
        run.note(format!(
            "leader node {leader} saw DeadMaster alone for {:.1} s: no recovery",
            WATCH.as_secs_f64()
        ));
    }

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

/// New connections to `s` so far by client address (`information_schema.CLIENT_STATISTICS`,
/// kept while `userstat` is on; a probe opens one).
fn connections_by_client(s: &Server) -> BTreeMap<String, f64> {
    let out = s
        .sql("SELECT CLIENT, TOTAL_CONNECTIONS FROM information_schema.CLIENT_STATISTICS")
        .expect("read CLIENT_STATISTICS");
    out.lines()
        .filter_map(|l| {
            let (client, n) = l.split_once('\t')?;
            Some((client.to_string(), n.trim().parse().ok()?))
        })
        .collect()
}

/// Probes per poll (`InstancePollSeconds` is 1) of each server (rows) by each node (columns,
/// by address) over [`WINDOW`].
async fn probes_per_poll(db: &[Server], ips: &[String]) -> Vec<Vec<f64>> {
    let before: Vec<_> = db.iter().map(connections_by_client).collect();
    tokio::time::sleep(WINDOW).await;
    let after: Vec<_> = db.iter().map(connections_by_client).collect();
    let count = |m: &BTreeMap<String, f64>, ip: &String| m.get(ip).copied().unwrap_or(0.0);
    before
        .iter()
        .zip(&after)
        .map(|(b, a)| {
            ips.iter().map(|ip| (count(a, ip) - count(b, ip)) / WINDOW.as_secs_f64()).collect()
        })
        .collect()
}

/// Whether every node probes the master about once per poll and each replica is probed about
/// once per poll by `owner` alone.
fn shared(rates: &[Vec<f64>], owner: usize) -> bool {
    let once = |r: f64| (0.6..=1.4).contains(&r);
    rates[0].iter().all(|r| once(*r))
        && rates[1..].iter().all(|replica| {
            replica.iter().enumerate().all(|(n, r)| if n == owner { once(*r) } else { *r <= 0.2 })
        })
}

/// Whether node `i`'s record of `master` says its last check succeeded (or the node could not
/// answer: only a record counts).
async fn check_valid(nodes: &Nodes, i: usize, master: &str) -> bool {
    let (status, v) = nodes.json(i, &format!("/api/instance/{}", master.replace(':', "/"))).await;
    status != 200 || v["IsLastCheckValid"] != false
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
