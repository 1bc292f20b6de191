//! Setup: 3 nodes.
//! Action: instance tags written through a follower's HTTP API (`tag` by query and by path,
//! `untag`, `untag-all`), plus refused input.
//! Expected: each write is proxied to the leader and replicated: every node answers `tags`,
//! `tag-value` and `tagged` with orchestrator's JSON and the same content; untagging answers the
//! untagged keys and removes the tags on every node; bad input is a 400 and changes nothing.

use crate::harness::{Options, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tags_written_through_a_follower_are_read_on_every_node() {
    let cluster = TestCluster::start(Options::default()).await;
    // The follower must know the leader's HTTP URI (announced through raft) to forward.
    let (_, f) = cluster.leader_and_informed_follower().await;

    for (path, message) in [
        ("/api/tag/db-a/3306?tag=role%3Dbackup", "db-a:3306 tagged with role=backup"),
        ("/api/tag/db-a/3306?tag=flag", "db-a:3306 tagged with flag="),
        ("/api/tag/db-b/3306/role/reporting", "db-b:3306 tagged with role=reporting"),
        ("/api/tag/db-c/3306?tag=role=backup", "db-c:3306 tagged with role=backup"),
    ] {
        let (status, body) = cluster.get(f, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains(message), "{path}: {body}");
        assert!(body.contains(r#""Details":{"Hostname":"db-"#), "{path}: {body}");
    }
    for bad in ["/api/tag/db-a/3306?tag=~role", "/api/tag/db-a/3306", "/api/untag-all?tag=role"] {
        let (status, body) = cluster.get(f, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains(r#""Code":"ERROR""#), "{bad}: {body}");
    }

    cluster.wait_converged().await;
    for i in 0..3 {
        let (status, body) = cluster.get(i, "/api/tags/db-a/3306").await;
        assert_eq!((status, body.as_str()), (200, r#"["flag=","role=backup"]"#), "node {i}");
        let (_, body) = cluster.get(i, "/api/tag-value/db-b/3306?tag=role").await;
        assert_eq!(body, r#""reporting""#, "node {i}");
        let (_, body) = cluster.get(i, "/api/tag-value/db-b/3306/role").await;
        assert_eq!(body, r#""reporting""#, "node {i}");
        let (status, body) = cluster.get(i, "/api/tag-value/db-b/3306?tag=flag").await;
        assert_eq!(status, 404, "node {i}: {body}");
        assert!(body.contains("tag flag not found for db-b:3306"), "node {i}: {body}");
        let (_, body) = cluster.get(i, "/api/tagged?tag=role%3Dbackup").await;
        let both = r#"[{"Hostname":"db-a","Port":3306},{"Hostname":"db-c","Port":3306}]"#;
        assert_eq!(body, both, "node {i}");
        let (_, body) = cluster.get(i, "/api/tagged/?tag=role,~flag").await;
        let b_and_c = r#"[{"Hostname":"db-b","Port":3306},{"Hostname":"db-c","Port":3306}]"#;
        assert_eq!(body, b_and_c, "node {i}");
    }

    let (status, body) = cluster.get(f, "/api/untag/db-a/3306?tag=role").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("role removed from 1 instances"), "{body}");
    assert!(body.contains(r#""Details":[{"Hostname":"db-a","Port":3306}]"#), "{body}");
    let (status, body) = cluster.get(f, "/api/untag-all/role/backup").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""Details":[{"Hostname":"db-c","Port":3306}]"#), "{body}");
    let (status, body) = cluster.get(f, "/api/untag-all?tag=role%3Dnone").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("role removed from 0 instances") && body.contains(r#""Details":[]"#));

    cluster.wait_converged().await;
    for i in 0..3 {
        let (_, body) = cluster.get(i, "/api/tags/db-a/3306").await;
        assert_eq!(body, r#"["flag="]"#, "node {i}");
        let (_, body) = cluster.get(i, "/api/tags/db-c/3306").await;
        assert_eq!(body, "[]", "node {i}");
        let (_, body) = cluster.get(i, "/api/tagged?tag=role").await;
        assert_eq!(body, r#"[{"Hostname":"db-b","Port":3306}]"#, "node {i}");
    }
}
