//! Measurement (ignored by default): time from `raft-add-peer` to the new node having applied
//! the leader's newest entry, with 10,000 commands in the log. Run with
//! `cargo test -p server --features testkit --test processes -- --ignored add_peer_catch_up --nocapture`
//! (`ORC_BENCH_BIN` may name a release `orchestrator` binary; `ORC_BENCH_CLIENTS=1` writes the
//! commands one after another, so each becomes its own raft entry: 10,000 entries in the log).

use std::sync::Arc;
use std::time::Instant;

use server::testkit::cluster::{ClusterSpec, DEADLINE};
use server::testkit::wait_until;

const COMMANDS: usize = 10_000;
/// Concurrent writers by default (`ORC_BENCH_CLIENTS` overrides): the proposer batches their
/// commands, so 10,000 commands make a few hundred entries.
const CLIENTS: usize = 64;

fn clients() -> usize {
    std::env::var("ORC_BENCH_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(CLIENTS).max(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "measurement; see the module doc"]
async fn add_peer_catch_up() {
    let mut spec = ClusterSpec::sqlite(4).joiners(1);
    if let Some(bin) = std::env::var_os("ORC_BENCH_BIN") {
        spec = spec.bin(bin);
    }
    let mut c = spec.start();
    let seeds = [0, 1, 2];
    let leader = c.wait_for_leader(&seeds).await;
    let url = c.url(leader);
    let http = c.http().clone();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let clients = clients();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, next) = (http.clone(), url.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= COMMANDS {
                        return;
                    }
                    let path = format!("{url}/api/begin-downtime/db-{n}/3306/bench/catch-up/1h");
                    let r = http.get(&path).send().await.unwrap();
                    assert_eq!(r.status(), 200, "write {n}");
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let load = started.elapsed();
    let (_, status) = c.json(leader, "/api/raft-status").await;
    let last = status["LastLogIndex"].as_u64().unwrap();
    let snapshot = status["SnapshotIndex"].as_u64();

    c.spawn(3);
    wait_until(DEADLINE, "node 3 answers", || async { c.raft_status(3).await.is_some() }).await;
    let asked = Instant::now();
    let (code, body) = c.get(leader, &format!("/api/raft-add-peer/{}", c.raft_addr(3))).await;
    assert_eq!(code, 200, "{body}");
    let answered = asked.elapsed();
    let (_, status) = c.json(leader, "/api/raft-status").await;
    let newest = status["LastLogIndex"].as_u64().unwrap();
    wait_until(DEADLINE, "node 3 applied the newest entry", || async {
        c.applied_index(3).await.is_some_and(|a| a >= newest)
    })
    .await;
    let applied = asked.elapsed();
    println!(
        "BENCH add-peer: {COMMANDS} commands by {clients} clients in {:.2} s -> last log index {last} (snapshot {snapshot:?}); raft-add-peer answered in {:.3} s; new node applied index {newest} {:.3} s after the request",
        load.as_secs_f64(),
        answered.as_secs_f64(),
        applied.as_secs_f64()
    );
    c.kill_all();
}
