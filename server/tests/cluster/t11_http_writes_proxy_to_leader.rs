//! Setup: 3 nodes.
//! Action: every write endpoint called on a follower's HTTP API, plus bad input.
//! Expected: writes are reverse-proxied to the leader and answer only once applied there (so the
//! leader's store has them when the reply arrives); bad input is a 400 with a message and
//! changes nothing; reads on every node show the result.

use crate::harness::{Options, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn http_writes_proxy_to_leader() {
    let cluster = TestCluster::start(Options::default()).await;
    // The follower must know the leader's HTTP URI (announced through raft) to forward.
    let (leader, f) = cluster.leader_and_informed_follower().await;

    let (status, body) = cluster.get(f, "/api/begin-downtime/db-b/3306/ops/maintenance/30m").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""Code":"OK""#), "{body}");
    // Answered after apply on the leader: the leader's store already has it (an election at
    // start may have moved leadership since: the node that committed it is the leader now).
    let leader = cluster.leader().unwrap_or(leader);
    assert_eq!(cluster.downtimed_hosts(leader).await, ["db-b"]);

    let (status, body) = cluster.get(f, "/api/register-candidate/db-b/3306/prefer_not").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = cluster.get(f, "/api/disable-global-recoveries").await;
    assert_eq!(status, 200);
    let (status, _) = cluster.get(f, "/api/forget/db-c/3306").await;
    assert_eq!(status, 200);
    let (status, _) = cluster.get(f, "/api/routed-leader-check").await;
    assert_eq!(status, 200, "routed-leader-check through a follower reaches the leader");

    for bad in [
        "/api/begin-downtime/db-b/3306/ops/maintenance/10x",
        "/api/begin-downtime/db-b/99999/ops/maintenance",
        "/api/begin-downtime/db-b/3306/%20/maintenance",
        "/api/register-candidate/db-b/3306/must",
        "/api/register-candidate/db-b/abc/prefer",
        "/api/end-downtime/bad$host/3306",
    ] {
        let (status, body) = cluster.get(f, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains(r#""Code":"ERROR""#) && body.contains("Message"), "{bad}: {body}");
    }

    cluster.wait_converged().await;
    for i in 0..3 {
        let (_, body) = cluster.get(i, "/api/downtimed").await;
        assert!(body.contains(r#""Hostname":"db-b""#), "node {i}: {body}");
        let (_, body) = cluster.get(i, "/api/bulk-promotion-rules").await;
        assert!(body.contains("prefer_not"), "node {i}: {body}");
        let (_, body) = cluster.get(i, "/api/check-global-recoveries").await;
        assert!(body.contains(r#""Details":"disabled""#), "node {i}: {body}");
    }

    let (status, _) = cluster.get(f, "/api/end-downtime/db-b/3306").await;
    assert_eq!(status, 200);
    let (status, body) = cluster.get(f, "/api/deregister-candidate/db-b/3306").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = cluster.get(f, "/api/enable-global-recoveries").await;
    assert_eq!(status, 200);
    cluster.wait_converged().await;
    for i in 0..3 {
        assert!(cluster.downtimed_hosts(i).await.is_empty());
        let (_, body) = cluster.get(i, "/api/candidates").await;
        assert_eq!(body, "[]", "node {i}: registration removed");
        let (_, body) = cluster.get(i, "/api/check-global-recoveries").await;
        assert!(body.contains(r#""Details":"enabled""#), "node {i}: {body}");
    }
}
