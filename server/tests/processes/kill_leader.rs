//! Setup: three real processes (SQLite, then MySQL backends).
//! Fault: SIGKILL of the leader process, later restarted.
//! Expected: exactly one node answers 200 on leader-check; writes through a follower are proxied
//! to the leader; after the kill a new leader is elected and accepts writes; the restarted
//! node catches up and all replicated digests are identical; nothing acknowledged is lost.

use server::testkit::cluster::{Backend, ProcCluster, DEADLINE};
use server::testkit::wait_until;

async fn scenario(mut c: ProcCluster) {
    let all = [0, 1, 2];
    let leader = c.wait_for_leader(&all).await;
    let follower = all.into_iter().find(|i| *i != leader).unwrap();
    let (status, body) = c.get(follower, "/api/begin-downtime/db1/3306/ops/before-kill/1h").await;
    assert_eq!(status, 200, "{body}");
    for i in all {
        wait_until(DEADLINE, "downtime visible everywhere", || async {
            c.get(i, "/api/downtimed").await.1.contains(r#""Hostname":"db1""#)
        })
        .await;
    }

    c.kill9(leader);
    let rest: Vec<usize> = all.into_iter().filter(|i| *i != leader).collect();
    let new_leader = c.wait_for_leader(&rest).await;
    assert_ne!(new_leader, leader);
    let other = rest.iter().copied().find(|i| *i != new_leader).unwrap();
    let (status, body) = c.get(other, "/api/register-candidate/db2/3306/prefer").await;
    assert_eq!(status, 200, "write after failover: {body}");

    c.spawn(leader);
    c.wait_for_leader(&all).await;
    c.wait_converged(&all).await;
    for i in all {
        let (_, body) = c.get(i, "/api/downtimed").await;
        assert!(body.contains(r#""Hostname":"db1""#), "node {i}: {body}");
        let (_, body) = c.get(i, "/api/candidates").await;
        assert!(body.contains(r#""Hostname":"db2""#), "node {i}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_leader_sqlite() {
    scenario(ProcCluster::start(vec![Backend::Sqlite; 3], "")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_leader_mysql_backend() {
    let Some((_sandbox, _dbs, backends)) = crate::mysql_backends("kill_leader_mysql_backend")
    else {
        return;
    };
    scenario(ProcCluster::start(backends, "")).await;
}
