//! Setup: 3 nodes.
//! Fault: two nodes stop, leaving one node alone (a minority).
//! Expected: it cannot commit: a write fails fast with 503 and nothing is applied; once a second
//! node returns, writes succeed again.

use std::time::{Duration, Instant};

use crate::harness::{downtime, wait_until, Options, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn minority_cannot_commit() {
    let mut cluster = TestCluster::start(Options::default()).await;
    let survivor = cluster.wait_for_leader().await;
    let others: Vec<usize> = (0..3).filter(|i| *i != survivor).collect();
    for i in &others {
        cluster.stop(*i).await;
    }
    let election = cluster.node(survivor).config.raft.election_timeout;
    wait_until(election * 4, "lone node loses leadership", || async {
        cluster.get(survivor, "/api/leader-check").await.0 != 200
    })
    .await;
    // Entries committed (with the quorum) just before the stop may still be applied after it:
    // take the mark once the node knows it has no quorum.
    let applied = cluster.applied(survivor);

    let started = Instant::now();
    let (status, body) = cluster.get(survivor, "/api/begin-downtime/db-x/3306/o/r").await;
    assert_eq!(status, 503, "{body}");
    assert!(started.elapsed() < Duration::from_secs(7));
    let err = cluster.submit(survivor, downtime("db-y")).await.expect_err("no quorum");
    assert_eq!(err.status_code(), 503, "{err}");
    assert_eq!(cluster.applied(survivor), applied, "nothing applied without quorum");

    cluster.restart(others[0]).await;
    let leader = cluster.wait_for_leader().await;
    cluster.submit(leader, downtime("db-z")).await.expect("quorum is back");
    assert!(cluster.downtimed_hosts(survivor).await.iter().all(|h| h != "db-x" && h != "db-y"));
}
