//! Setup: three real `orchestrator` processes (SQLite backends) on loopback; the client with
//! `ORCHESTRATOR_API` listing all three, or one node only.
//! Action: raft commands, a downtime written through the client, writes through a follower URL,
//! a leadership hand-over, SIGKILL of the leader, then of every node.
//! Expected: the client always talks to the current leader with no change to its environment;
//! writes land on every node; a follower URL alone still writes (reverse proxy); with every node
//! down, "Cannot determine leader" on stderr and exit 1, within seconds.

use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, ProcCluster, DEADLINE};
use server::testkit::wait_until;

use crate::fake::{client, Run};

/// The node's raft address (`RaftAdvertise` in /api/raft-status).
async fn raft_address(c: &ProcCluster, i: usize) -> String {
    let (status, body) = c.get(i, "/api/raft-status").await;
    assert_eq!(status, 200, "raft-status of node {i}: {body}");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["RaftAdvertise"].as_str().unwrap().to_string()
}

fn assert_ok(run: &Run, stdout: &str, what: &str) {
    assert_eq!(
        (run.code, run.stderr.as_str(), run.stdout.as_str()),
        (0, "", stdout),
        "{what}: {run:?}"
    );
}

/// Waits until the client, talking to node `i` only, prints `stdout` for `args`.
async fn wait_for_output(c: &ProcCluster, i: usize, args: &[&str], stdout: &str) {
    let url = c.url(i);
    wait_until(DEADLINE, &format!("{args:?} on node {i} prints {stdout:?}"), || async {
        let run = client(args, &[("ORCHESTRATOR_API", url.as_str())]).await;
        run.code == 0 && run.stdout == stdout
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_follows_the_leader_of_three_real_nodes() {
    let mut c = ProcCluster::start(vec![Backend::Sqlite; 3], "");
    let all = [0, 1, 2];
    let leader = c.wait_for_leader(&all).await;
    let urls = c.urls();
    let every = format!("{} {}/api {}/", urls[0], urls[1], urls[2]);
    let env = [("ORCHESTRATOR_API", every.as_str())];

    assert_ok(
        &client(&["-c", "which-api"], &env).await,
        &format!("{}/api\n", urls[leader]),
        "which-api",
    );
    let leader_raft = raft_address(&c, leader).await;
    assert_ok(
        &client(&["-c", "raft-leader"], &env).await,
        &format!("{leader_raft}\n"),
        "raft-leader",
    );
    assert_ok(
        &client(&["-c", "raft-leader-hostname"], &env).await,
        "127.0.0.1\n",
        "raft-leader-hostname",
    );
    assert_ok(&client(&["-c", "raft-health"], &env).await, "healthy\n", "raft-health");

    // A downtime begun through the client is replicated to every node.
    let begin =
        ["-c", "begin-downtime", "-i", "db:3306", "-o", "owner", "-r", "reason", "-u", "10m"];
    assert_ok(&client(&begin, &env).await, "db:3306\n", "begin-downtime");
    for i in all {
        wait_for_output(&c, i, &["-c", "downtimed"], "db:3306\n").await;
    }

    // One follower URL only: writes still work (the follower proxies them to the leader).
    let follower = all.into_iter().find(|i| *i != leader).unwrap();
    let one = [("ORCHESTRATOR_API", urls[follower].as_str())];
    assert_ok(
        &client(&["-c", "register-candidate", "-i", "db2", "-R", "prefer"], &one).await,
        "db2:3306\n",
        "candidate",
    );
    for i in all {
        wait_until(DEADLINE, "the candidate is registered everywhere", || async {
            c.get(i, "/api/candidates").await.1.contains(r#""Hostname":"db2""#)
        })
        .await;
    }
    assert_ok(
        &client(&["-c", "deregister-candidate", "-i", "db2"], &one).await,
        "db2:3306\n",
        "deregister-candidate",
    );
    for i in all {
        wait_until(DEADLINE, "the registration is removed everywhere", || async {
            c.get(i, "/api/candidates").await.1 == "[]"
        })
        .await;
    }
    assert_ok(
        &client(&["-c", "end-downtime", "-i", "db"], &one).await,
        "db:3306\n",
        "end-downtime",
    );
    assert_eq!(client(&["-c", "disable-global-recoveries"], &one).await.code, 0);
    for i in all {
        wait_for_output(&c, i, &["-c", "downtimed"], "").await;
        wait_for_output(&c, i, &["-c", "check-global-recoveries"], "disabled\n").await;
    }
    assert_eq!(client(&["-c", "enable-global-recoveries"], &env).await.code, 0);
    wait_for_output(&c, follower, &["-c", "check-global-recoveries"], "enabled\n").await;

    // Hand leadership to the follower by its raft address.
    let target_raft = raft_address(&c, follower).await;
    let run = client(&["-c", "raft-elect-leader", "-H", &target_raft], &env).await;
    assert_eq!(run.code, 0, "raft-elect-leader: {run:?}");
    wait_until(DEADLINE, "the hinted node leads", || async { c.leaders(&all).await == [follower] })
        .await;
    let leader = c.wait_for_leader(&all).await;
    assert_eq!(leader, follower);
    assert_ok(
        &client(&["-c", "raft-leader"], &env).await,
        &format!("{target_raft}\n"),
        "raft-leader after yield",
    );

    // Kill the leader: the next command finds the new one, same environment.
    c.kill9(leader);
    let rest: Vec<usize> = all.into_iter().filter(|i| *i != leader).collect();
    let new_leader = c.wait_for_leader(&rest).await;
    assert_ok(
        &client(&["-c", "which-api"], &env).await,
        &format!("{}/api\n", urls[new_leader]),
        "which-api",
    );
    let new_raft = raft_address(&c, new_leader).await;
    assert_ok(
        &client(&["-c", "raft-leader"], &env).await,
        &format!("{new_raft}\n"),
        "raft-leader after kill",
    );
    let begin = ["-c", "begin-downtime", "-i", "db3", "-o", "owner", "-r", "after kill"];
    assert_ok(&client(&begin, &env).await, "db3:3306\n", "write after kill");
    for i in &rest {
        wait_for_output(&c, *i, &["-c", "downtimed"], "db3:3306\n").await;
    }

    // Every node down: a clear failure, quickly.
    for i in rest {
        c.kill9(i);
    }
    let started = Instant::now();
    let run = client(&["-c", "raft-leader"], &env).await;
    let took = started.elapsed();
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert!(
        run.stderr.starts_with("orchestrator-client: Cannot determine leader from "),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(took < Duration::from_secs(15), "giving up took {took:?}");
}
