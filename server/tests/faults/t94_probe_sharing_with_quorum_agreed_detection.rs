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

use crate::disputed_master::Disputed;
use crate::netns::FaultNet;
use crate::report::Row;
use crate::topology::{Topology, DEADLINE};

/// The window probes are counted over (a rate, not a synchronisation: the rates are measured
/// again until they fit or [`DEADLINE`] passes).
const WINDOW: Duration = Duration::from_secs(5);

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = format!(
        r#"{}, "ExpectFailureAnalysisConcensus": true, "ProbeSharing": true,
           "DataCenterPattern": "[.]([0-9]+)$""#,
        Topology::config()
    );
    let mut d = match Disputed::start("t94", net, &extra).await {
        Ok(d) => d,
        Err(skipped) => return skipped,
    };
    for s in &d.topo.db {
        s.sql("SET GLOBAL userstat = ON").expect("turn on MariaDB's client statistics");
    }
    let leader = d.leader;
    let ips: Vec<String> = d.run.nodes.all().iter().map(|i| d.run.nodes.ip(*i)).collect();
    let until = Instant::now() + DEADLINE;
    let rates = loop {
        let rates = probes_per_poll(&d.topo.db, &ips).await;
        d.run.step(&format!("probes per poll (rows m, r1, r2; columns nodes 0-2): {rates:.2?}"));
        if shared(&rates, leader) || Instant::now() > until {
            break rates;
        }
    };
    d.run.check(
        shared(&rates, leader),
        format!(
            "probe sharing not in effect: probes per poll {rates:.2?} (rows m, r1, r2; columns \
             nodes 0-2); want the master ~1 by every node, each replica ~1 by node {leader} only"
        ),
    );
    d.run.note(format!(
        "probes per poll over {:.0} s: master {:.1?} (nodes 0-2), replicas {:.1?} and {:.1?}: \
         each replica by leader node {leader} alone (its DC)",
        WINDOW.as_secs_f64(),
        rates[0],
        rates[1],
        rates[2]
    ));
    let recovered = !d.cut_and_watch(true).await;
    d.heal_then_kill_master(recovered).await
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
