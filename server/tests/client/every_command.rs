//! Setup: a MariaDB star m + r1, r2, r3 (GTID) managed by 3 real `orchestrator` processes; the
//! client with `ORCHESTRATOR_API` listing every node.
//! Action: a connection on m runs `SELECT SLEEP(600)` (for kill-query); every command
//! `orchestrator-client --help` lists, in an order that keeps the
//! topology usable (relocations, then control, then recoveries, then destructive ones), each
//! with `--debug` so the client prints every request's status.
//! Expected: the plan covers exactly the commands of `--help`; no request answers 404 (leader
//! discovery's `leader-check` aside) and no body fails to parse as JSON; every command exits 0
//! except the few expected to be refused (with a JSON error), and after the relocations the
//! servers' own SHOW SLAVE STATUS agrees with what the client printed; kill-query ends the
//! sleeping query.

use crate::fake::client;
use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::mariadb::{scalar, Server};
use server::testkit::wait_until;

/// A command, its arguments, whether it must exit 0, and what to wait for afterwards.
struct Step {
    command: &'static str,
    args: Vec<String>,
    must_succeed: bool,
    then: Then,
}

enum Then {
    Nothing,
    /// Wait until every node sees `.0` replicating from `.1` (indexes into the servers).
    Under(usize, usize),
    /// Wait until a leader is elected again.
    Leader,
    /// Wait until the sleeping query on m has ended.
    QueryKilled,
}

fn step(command: &'static str, args: &[&str]) -> Step {
    let args = args.iter().map(|s| s.to_string()).collect();
    Step { command, args, must_succeed: true, then: Then::Nothing }
}

impl Step {
    fn may_refuse(mut self) -> Self {
        self.must_succeed = false;
        self
    }
    fn then_leader(mut self) -> Self {
        self.then = Then::Leader;
        self
    }
    fn then_query_killed(mut self) -> Self {
        self.then = Then::QueryKilled;
        self
    }
    fn then_under(mut self, replica: usize, master: usize) -> Self {
        self.then = Then::Under(replica, master);
        self
    }
}

/// orchestrator's client commands listed as not supported (they exit 1 with the reason).
const UNSUPPORTED: &[&str] = &[
    "match",
    "match-up",
    "match-up-replicas",
    "last-pseudo-gtid",
    "submit-pool-instances",
    "which-heuristic-cluster-pool-instances",
];

/// Every command of the client, in order; `k[i]` is `127.0.0.1:port` of server i, `sleeper`
/// the id of the connection on m that runs a long query.
fn plan(k: &[String], follower_raft: &str, sleeper: &str) -> Vec<Step> {
    let (m, r1, r2, r3) = (k[0].as_str(), k[1].as_str(), k[2].as_str(), k[3].as_str());
    vec![
        step("help", &[]),
        step("which-api", &[]),
        step("api", &["-P", "clusters"]),
        step("clusters", &[]),
        step("clusters-alias", &[]),
        step("all-clusters-masters", &[]),
        step("all-instances", &[]),
        step("topology", &["-i", m]),
        step("topology-tabulated", &["-i", m]),
        step("topology-tags", &["-i", m]),
        step("search", &["-i", "127.0.0.1"]),
        step("instance", &["-i", r1]),
        step("which-instance", &["-i", r1]),
        step("dominant-dc", &[]),
        step("which-master", &["-i", r1]),
        step("which-replicas", &["-i", m]),
        step("which-cluster", &["-i", m]),
        step("which-cluster-alias", &["-i", m]),
        step("which-cluster-master", &["-i", m]),
        step("which-cluster-instances", &["-i", m]),
        step("which-cluster-osc-replicas", &["-i", m]),
        step("which-cluster-osc-running-replicas", &["-i", m]),
        step("snapshot-topologies", &[]),
        step("discover", &["-i", r1]),
        step("async-discover", &["-i", r1]),
        step("begin-downtime", &["-i", r3, "-o", "me", "-r", "test", "-u", "1m"]),
        step("downtimed", &["-i", m]),
        step("end-downtime", &["-i", r3]),
        step("register-candidate", &["-i", r2, "-R", "prefer"]),
        step("deregister-candidate", &["-i", r2]),
        step("register-hostname-unresolve", &["-i", r2, "-H", "vip-r2.example"]),
        step("deregister-hostname-unresolve", &["-i", r2]),
        step("tag", &["-i", r1, "-t", "role=backup"]),
        step("tag", &["-i", r2, "-t", "role=reporting"]),
        step("tags", &["-i", r1]),
        step("tag-value", &["-i", r1, "-t", "role"]),
        step("tagged", &["-t", "role,~role=reporting"]),
        step("untag", &["-i", r1, "-t", "role"]),
        step("untag-all", &["-t", "role=reporting"]),
        step("begin-maintenance", &["-i", r3, "-o", "me", "-r", "test"]),
        step("in-maintenance", &["-i", r3]),
        step("maintenance", &[]),
        step("end-maintenance", &["-i", r3]),
        // Relocations (GTID star): r1 travels, then the replicas of others.
        step("can-replicate-from", &["-i", r1, "-d", r2]),
        step("can-replicate-from-gtid", &["-i", r1, "-d", r2]),
        step("relocate", &["-i", r1, "-d", r2]).then_under(1, 2),
        step("move-up", &["-i", r1]).then_under(1, 0),
        step("move-gtid", &["-i", r1, "-d", r2]).then_under(1, 2),
        step("move-equivalent", &["-i", r1, "-d", r3]).then_under(1, 3),
        step("repoint", &["-i", r1, "-d", r2]).then_under(1, 2),
        step("move-replicas-gtid", &["-i", r2, "-d", r3]).then_under(1, 3),
        step("relocate-replicas", &["-i", r3, "-d", m]).then_under(1, 0),
        step("take-siblings", &["-i", r1]).then_under(3, 1),
        step("move-up-replicas", &["-i", r1]).then_under(3, 0),
        step("move-below", &["-i", r2, "-d", r3]).then_under(2, 3),
        step("repoint-replicas", &["-i", r3]).then_under(2, 3),
        step("take-master", &["-i", r2]).then_under(3, 2),
        step("regroup-replicas", &["-i", r2]),
        step("regroup-replicas-gtid", &["-i", r2]),
        // Replica and instance control on r3.
        step("stop-replica", &["-i", r3]),
        step("is-replication-stopped", &["-i", r3]),
        step("start-replica", &["-i", r3]),
        step("is-replicating", &["-i", r3]),
        step("restart-replica", &["-i", r3]),
        step("stop-replica-nice", &["-i", r3]),
        step("start-slave", &["-i", r3]),
        step("set-writeable", &["-i", r3]),
        step("set-read-only", &["-i", r3]),
        step("enable-semi-sync-master", &["-i", m]),
        step("disable-semi-sync-master", &["-i", m]),
        step("enable-semi-sync-replica", &["-i", r3]),
        step("disable-semi-sync-replica", &["-i", r3]),
        step("disable-gtid", &["-i", r3]),
        step("enable-gtid", &["-i", r3]),
        step("delay-replication", &["-i", r3, "-S", "0"]),
        step("restart-replica-statements", &["-i", r3, "-q", "SET GLOBAL max_connections=151"]),
        step("detach-replica", &["-i", r3]),
        step("reattach-replica", &["-i", r3]),
        step("detach-replica-master-host", &["-i", r3]),
        step("reattach-replica-master-host", &["-i", r3]),
        // MariaDB GTID: orchestrator refuses to skip (a JSON error).
        step("skip-query", &["-i", r3]).may_refuse(),
        step("flush-binary-logs", &["-i", m]),
        step("purge-binary-logs", &["-i", m, "-n", "latest"]).may_refuse(),
        step("kill-query", &["-i", m, "-p", sleeper]).then_query_killed(),
        step("refresh", &["-i", r3]),
        step("which-broken-replicas", &["-i", m]),
        step("which-gtid-errant", &["-i", r3]),
        // No errant GTID in the sandbox: refused with the reason.
        step("locate-gtid-errant", &["-i", r3]).may_refuse(),
        step("gtid-errant-reset-master", &["-i", r3]).may_refuse(),
        step("gtid-errant-inject-empty", &["-i", r3]).may_refuse(),
        // Recovery and raft.
        step("replication-analysis", &[]),
        step("check-global-recoveries", &[]),
        step("disable-global-recoveries", &[]),
        step("enable-global-recoveries", &[]),
        step("disable-cluster-recovery", &["-i", m]),
        step("enable-cluster-recovery", &["-i", m]),
        step("ack-all-recoveries", &["-r", "test"]),
        step("ack-cluster-recoveries", &["-i", m, "-r", "test"]),
        step("raft-leader", &[]),
        step("raft-health", &[]),
        step("raft-leader-hostname", &[]),
        step("raft-elect-leader", &["-H", follower_raft]).may_refuse().then_leader(),
        step("raft-snapshot", &[]),
        step("submit-masters-to-kv-stores", &["-i", m]),
        // Nothing listens there: refused with the reason, the membership unchanged.
        step("raft-add-peer", &["-H", "127.0.0.1:9"]).may_refuse(),
        step("raft-remove-peer", &["-H", "127.0.0.1:9"]).may_refuse(),
        // No failure is detected: refused with the reason.
        step("recover", &["-i", m]).may_refuse(),
        step("graceful-master-takeover", &["-i", m, "-d", r1]).may_refuse(),
        step("graceful-master-takeover-auto", &["-i", r1]).may_refuse(),
        step("force-master-takeover", &["-i", r1, "-d", m]).may_refuse(),
        step("force-master-failover", &["-i", m]).may_refuse(),
        // Destructive last.
        step("make-co-master", &["-i", r2]).may_refuse(),
        step("reset-replica", &["-i", r3]),
        step("forget", &["-i", r3]),
        step("forget-cluster", &["-i", m]).may_refuse(),
    ]
    .into_iter()
    .chain(UNSUPPORTED.iter().map(|name| step(name, &["-i", m]).may_refuse()))
    .collect()
}

/// Command names as `--help` lists them.
async fn listed_commands() -> Vec<String> {
    let run = client(&["--help"], &[]).await;
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands"))
        .filter(|l| l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// What went wrong in one run, from its `--debug` lines and error messages.
fn protocol_problems(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            // leader-check and routed-leader-check answer 404 "Not leader" by design (leader
            // discovery); any other 404 is a path the server does not serve.
            let not_found = l.contains(" -> 404 ") && !l.contains("leader-check");
            not_found
                || l.contains("is not JSON")
                || l.contains("not served by the endpoint")
                || (l.contains("HTTP ") && l.contains(" from "))
        })
        .map(String::from)
        .collect()
}

async fn wait_under(f: &Fleet, replica: &Server, master: &Server) {
    wait_until(DEADLINE, &format!("{} replicates from {}", key(replica), key(master)), || async {
        master_port(replica) == Some(master.port())
    })
    .await;
    let path = format!("/api/instance/127.0.0.1/{}", replica.port());
    for i in 0..3 {
        wait_until(DEADLINE, &format!("node {i} sees {} moved", key(replica)), || async {
            let (_, v) = f.json(i, &path).await;
            v["MasterKey"]["Port"] == master.port() && v["Slave_SQL_Running"] == true
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_client_command_answers_json_from_a_real_cluster() {
    let Some(f) = Fleet::star("every_client_command", 4, "").expect("start the fleet") else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 4).await;
    let keys: Vec<String> = f.db.iter().map(key).collect();
    let follower = (0..3).find(|i| *i != leader).unwrap();
    let (_, status) = f.json(follower, "/api/raft-status").await;
    let follower_raft = status["RaftAdvertise"].as_str().unwrap_or_default().to_string();
    // A connection on m sleeping in a query, for kill-query to end.
    let mut conn = f.db[0].connect().await.expect("connect to m");
    let sleeper_id = scalar(&mut conn, "SELECT CONNECTION_ID()")
        .await
        .expect("connection id")
        .expect("a connection id");
    let sleeper = tokio::spawn(async move { scalar(&mut conn, "SELECT SLEEP(600)").await });
    let running =
        format!("SELECT ID FROM information_schema.PROCESSLIST WHERE ID = {sleeper_id} AND INFO LIKE 'SELECT SLEEP%'");
    wait_until(DEADLINE, "the sleeping query runs on m", || {
        let found = f.db[0].sql(&running).is_ok_and(|id| id.trim() == sleeper_id);
        async move { found }
    })
    .await;
    let steps = plan(&keys, &follower_raft, &sleeper_id);

    let mut planned: Vec<String> =
        steps.iter().map(|s| s.command.replacen("slave", "replica", 1)).collect();
    planned.sort();
    planned.dedup();
    let mut listed = listed_commands().await;
    listed.sort();
    assert_eq!(planned, listed, "the plan must run every command --help lists, and only those");

    let urls: Vec<String> = f.orc.urls();
    let api = urls.join(" ");
    let env = [("ORCHESTRATOR_API", api.as_str())];
    let mut failures = Vec::new();
    for s in &steps {
        let mut args: Vec<&str> = vec!["--debug", "-c", s.command];
        args.extend(s.args.iter().map(String::as_str));
        let run = client(&args, &env).await;
        let problems = protocol_problems(&run.stderr);
        if !problems.is_empty() {
            failures.push(format!("{}: {problems:?}", s.command));
        }
        if UNSUPPORTED.contains(&s.command) && !run.stderr.contains("not supported") {
            failures.push(format!("{} does not say it is not supported: {run:?}", s.command));
        }
        if s.must_succeed && run.code != 0 {
            failures.push(format!("{} exited {}: {}", s.command, run.code, run.stderr));
        }
        match s.then {
            Then::Under(r, m) if run.code == 0 => wait_under(&f, &f.db[r], &f.db[m]).await,
            Then::Leader => {
                f.orc.wait_for_leader(&[0, 1, 2]).await;
            }
            Then::QueryKilled if run.code == 0 => {
                wait_until(DEADLINE, "kill-query ends the sleeping query", || async {
                    sleeper.is_finished()
                })
                .await;
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
