//! Setup: three real processes seeded by `RaftNodes`, and a fourth that lists them and itself,
//! started later.
//! Steps and expectations:
//! - `raft-add-peer` of an address where nothing listens fails with the reason; the membership
//!   is unchanged and the cluster keeps committing;
//! - `raft-add-peer` of the fourth node, asked on a follower (relayed to the leader): it is added
//!   as a learner, catches up, becomes a voter and serves the replicated state;
//! - `raft-remove-peer` of the leader: it steps down, the other three elect and keep committing;
//!   with one more member killed, two of the three still hold a quorum;
//! - leadership handed to the added member (`raft-yield`): it leads and commits;
//! - every node restarted: the membership is the committed one, not any node's `RaftNodes`, and
//!   a node whose list differs says so in its log.

use server::testkit::cluster::{ClusterSpec, ProcCluster, DEADLINE};
use server::testkit::ports::reserve_port;
use server::testkit::wait_until;

fn sorted(mut addrs: Vec<String>) -> Vec<String> {
    addrs.sort();
    addrs
}

/// A write through node `via` must succeed, and be visible on every node of `readers`.
async fn commit(c: &ProcCluster, via: usize, owner: &str, readers: &[usize]) {
    let path = format!("/api/begin-downtime/db-{owner}/3306/{owner}/membership/1h");
    let (status, body) = c.get(via, &path).await;
    assert_eq!(status, 200, "write through node {via}: {body}");
    let needle = format!(r#""Hostname":"db-{owner}""#);
    for &i in readers {
        wait_until(DEADLINE, &format!("downtime of {owner} visible on node {i}"), || async {
            c.get(i, "/api/downtimed").await.1.contains(&needle)
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_changes_at_runtime() {
    let mut c = ClusterSpec::sqlite(4).joiners(1).start();
    let seeds = [0, 1, 2];
    let leader = c.wait_for_leader(&seeds).await;
    let follower = seeds.into_iter().find(|i| *i != leader).unwrap();
    commit(&c, follower, "first", &seeds).await;

    // Nothing listens at this address: refused, nothing changes, the quorum is intact.
    let nowhere = reserve_port().unwrap();
    let (status, body) =
        c.get(follower, &format!("/api/raft-add-peer/127.0.0.1:{}", nowhere.get())).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("cannot reach"), "{body}");
    let three = sorted(seeds.iter().map(|i| c.raft_addr(*i)).collect());
    for i in seeds {
        assert_eq!(c.raft_peers(i).await, three, "node {i}");
    }
    assert_eq!(c.wait_for_leader(&seeds).await, leader);
    commit(&c, follower, "after-refusal", &seeds).await;

    // The fourth node starts pristine, does not seed a membership of its own, and is added.
    c.spawn(3);
    wait_until(DEADLINE, "node 3 answers", || async { c.raft_status(3).await.is_some() }).await;
    let (status, body) = c.get(follower, &format!("/api/raft-add-peer/{}", c.raft_addr(3))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.trim(), format!("\"{}\"", c.raft_addr(3)));
    let four = sorted((0..4).map(|i| c.raft_addr(i)).collect());
    for i in 0..4 {
        wait_until(DEADLINE, &format!("node {i} lists four members"), || async {
            c.raft_peers(i).await == four
        })
        .await;
    }
    let all = [0, 1, 2, 3];
    c.wait_for_leader(&all).await;
    let (_, status) = c.json(leader, "/api/raft-status").await;
    let roles: Vec<&str> =
        status["Members"].as_array().unwrap().iter().filter_map(|m| m["role"].as_str()).collect();
    assert!(!roles.contains(&"Learner"), "the new member is a voter: {status}");
    let (_, body) = c.get(3, "/api/downtimed").await;
    assert!(
        body.contains(r#""Hostname":"db-first""#),
        "node 3 serves the replicated state: {body}"
    );
    commit(&c, 3, "through-node-3", &all).await;

    // The added member can lead: leadership is handed to it.
    let current = c.wait_for_leader(&all).await;
    if current != 3 {
        let (status, body) = c.get(current, &format!("/api/raft-yield/{}", c.raft_addr(3))).await;
        assert_eq!(status, 200, "{body}");
        wait_until(DEADLINE, "the added member leads", || async {
            c.get(3, "/api/leader-check").await.0 == 200
        })
        .await;
    }
    commit(&c, 0, "under-node-3", &all).await;

    // Remove the leader (asked on another node): the other three elect and keep committing.
    let old_leader = c.wait_for_leader(&all).await;
    let rest: Vec<usize> = all.into_iter().filter(|i| *i != old_leader).collect();
    let (status, body) =
        c.get(rest[0], &format!("/api/raft-remove-peer/{}", c.raft_addr(old_leader))).await;
    assert_eq!(status, 200, "{body}");
    let new_leader = c.wait_for_leader(&rest).await;
    assert_ne!(new_leader, old_leader);
    let remaining = sorted(rest.iter().map(|i| c.raft_addr(*i)).collect());
    for &i in &rest {
        wait_until(DEADLINE, &format!("node {i} lists the three remaining"), || async {
            c.raft_peers(i).await == remaining
        })
        .await;
    }
    let (status, _) = c.get(old_leader, "/api/leader-check").await;
    assert_eq!(status, 404, "the removed leader no longer leads");
    commit(&c, rest[1], "after-removal", &rest).await;

    // One more member down: two of three still commit.
    let victim = rest.iter().copied().find(|i| *i != new_leader).unwrap();
    c.kill9(victim);
    let two: Vec<usize> = rest.iter().copied().filter(|i| *i != victim).collect();
    c.wait_for_leader(&two).await;
    commit(&c, two[0], "two-of-three", &two).await;

    // Restart everything (the removed node too): the committed membership holds.
    c.kill_all();
    for i in all {
        c.spawn(i);
    }
    c.wait_for_leader(&rest).await;
    for &i in &rest {
        wait_until(DEADLINE, &format!("node {i} answers after restart"), || async {
            c.raft_peers(i).await == remaining
        })
        .await;
    }
    c.wait_converged(&rest).await;
    commit(&c, rest[0], "after-restart", &rest).await;
    let (status, _) = c.get(old_leader, "/api/leader-check").await;
    assert_eq!(status, 404, "the removed node never leads again");
    // Nodes 0..2 list only themselves, node 3 lists 0..3: some list differs from the committed.
    let said_so = all.iter().any(|&i| {
        std::fs::read_to_string(c.log(i))
            .unwrap_or_default()
            .contains("following the committed membership")
    });
    assert!(said_so, "a node whose RaftNodes differs from the committed membership logs it");
}
