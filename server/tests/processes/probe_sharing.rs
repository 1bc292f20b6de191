//! Setup: MariaDB star m + r1..r4 (GTID); 3 orchestrator nodes with `ProbeSharing: true`,
//! `InstancePollSeconds: 1`.
//! Expected: every node lists the whole cluster (the same picture); measured on the servers
//! themselves (`Connections`, one per probe), each replica takes about one probe per poll (one
//! node probes it) and the master about three (every node). Fault: kill -9 a follower.
//! Expected: within a few poll intervals each replica is again probed about once per poll by
//! the survivors, and both survivors keep every replica freshly seen.

use std::time::{Duration, Instant};

use server::testkit::fleet::{key, Fleet, DEADLINE};
use server::testkit::mariadb::Server;
use server::testkit::wait_until;

/// The measuring window (a rate, not a synchronisation: conditions are waited on below).
const WINDOW: Duration = Duration::from_secs(5);

fn connections(s: &Server) -> f64 {
    let out = s.sql("SHOW GLOBAL STATUS LIKE 'Connections'").unwrap();
    out.split_whitespace().last().unwrap().parse().unwrap()
}

/// Connections per instance per second (= per poll) over `WINDOW`, less this test's own.
async fn probes_per_poll(servers: &[Server]) -> Vec<f64> {
    let before: Vec<f64> = servers.iter().map(connections).collect();
    tokio::time::sleep(WINDOW).await;
    let after: Vec<f64> = servers.iter().map(connections).collect();
    before.iter().zip(&after).map(|(b, a)| (a - b - 1.0) / WINDOW.as_secs_f64()).collect()
}

/// Whether the master takes at least `master_min` probes per poll and every replica about one.
fn shared(rates: &[f64], master_min: f64) -> bool {
    rates[0] >= master_min && rates[1..].iter().all(|r| (0.8..=1.2).contains(r))
}

/// Waits until the master takes at least `master_min` probes per poll and every replica about
/// one, printing each measurement (`nodes`: how many nodes run).
async fn wait_shared(db: &[Server], what: &str, nodes: usize, master_min: f64) {
    wait_until(DEADLINE, what, || async move {
        let rates = probes_per_poll(db).await;
        eprintln!("probes per instance per poll (m, r1..r4), {nodes} nodes: {rates:.2?}");
        shared(&rates, master_min)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_are_probed_once_and_a_dead_nodes_share_moves() {
    let extra = r#", "ProbeSharing": true"#;
    let Some(mut f) = Fleet::star("probe_sharing", 5, extra).expect("start the fleet") else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 5).await;

    wait_shared(&f.db, "master probed by every node, each replica by one", 3, 2.4).await;

    let victim = (0..3).find(|i| *i != leader).unwrap();
    f.orc.kill9(victim);
    let killed = Instant::now();
    let survivors: Vec<usize> = (0..3).filter(|i| *i != victim).collect();
    wait_shared(&f.db, "the survivors probe the dead node's replicas", 2, 1.6).await;
    eprintln!(
        "shares moved within {:?} of the kill (incl. the {WINDOW:?} window)",
        killed.elapsed()
    );
    for i in survivors {
        for r in &f.db[1..] {
            let path = format!("/api/instance/{}", key(r).replace(':', "/"));
            wait_until(DEADLINE, &format!("node {i} sees {} fresh", key(r)), || async {
                let (status, v) = f.json(i, &path).await;
                status == 200
                    && v["SecondsSinceLastSeen"]["Valid"] == true
                    && v["SecondsSinceLastSeen"]["Int64"].as_i64().is_some_and(|s| s <= 3)
            })
            .await;
        }
    }
}
