//! Setup: three real nodes on SQLite.
//! Action: 64 concurrent clients write 4,000 `begin-downtime` commands through the leader while
//! every node's `orchestrator.db` and `orchestrator.db-wal` sizes are sampled every 5 ms.
//! Expected: no node's WAL ever exceeds 4× its database (or the 128 KiB floor below which a WAL
//! is never checkpointed), whatever the write rate: the WAL is bounded by the database, not by
//! how long the node has been writing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use server::testkit::cluster::ClusterSpec;

const CLIENTS: usize = 64;
const COMMANDS: usize = 4_000;
const FLOOR: u64 = 128 * 1024;

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// The worst sample: (wal, db) with the largest WAL beyond its allowance.
fn sample_until(db: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(u64, u64, u64)> {
    std::thread::spawn(move || {
        let wal = PathBuf::from(format!("{}-wal", db.display()));
        let (mut worst_excess, mut worst, mut wal_max) = (i64::MIN, (0, 0), 0);
        while !stop.load(Ordering::Relaxed) {
            let (w, d) = (size(&wal), size(&db));
            let excess = w as i64 - (4 * d).max(FLOOR) as i64;
            if excess > worst_excess {
                (worst_excess, worst) = (excess, (w, d));
            }
            wal_max = wal_max.max(w);
            std::thread::sleep(Duration::from_millis(5));
        }
        (worst.0, worst.1, wal_max)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_within_four_times_the_database_under_load() {
    let c = ClusterSpec::sqlite(3).start();
    let all = c.all();
    let leader = c.wait_for_leader(&all).await;
    let stop = Arc::new(AtomicBool::new(false));
    let samplers: Vec<_> = all
        .iter()
        .map(|i| sample_until(c.node_dir(*i).join("orchestrator.db"), stop.clone()))
        .collect();

    let url = c.url(leader);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients = (0..CLIENTS).map(|_| {
        let (http, url, next) = (c.http().clone(), url.clone(), next.clone());
        async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= COMMANDS {
                    return;
                }
                let path = format!("{url}/api/begin-downtime/db-{n}.example.com/3306/bench/wal/1h");
                let r = http.get(path).send().await.expect("request");
                assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap_or_default());
            }
        }
    });
    join_all(clients).await;
    c.wait_converged(&all).await;
    stop.store(true, Ordering::Relaxed);
    for (i, sampler) in samplers.into_iter().enumerate() {
        let (wal, db, wal_max) = sampler.join().expect("sampler");
        println!(
            "node {i}: largest WAL {} KiB; worst sample WAL {} KiB beside a {} KiB database",
            wal_max / 1024,
            wal / 1024,
            db / 1024
        );
        assert!(
            wal <= (4 * db).max(FLOOR),
            "node {i}: WAL {wal} bytes beside a {db}-byte database is past 4× (floor {FLOOR})"
        );
    }
}
