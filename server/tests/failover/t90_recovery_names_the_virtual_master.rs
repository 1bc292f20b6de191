//! Setup: MariaDB star m + r1, r2 on 127.0.0.1; 3 orchestrator nodes; the virtual name `127.1`
//! (resolves to 127.0.0.1) registered for the servers' host with `register-hostname-unresolve`.
//! Action: kill -9 the master (automated recovery); in a second fleet, a graceful master
//! takeover to r2.
//! Expected: as in topology operations, recovery's `CHANGE MASTER TO` names the new master
//! `127.1`: the replicas moved under the successor (and the demoted master after a takeover)
//! have `Master_Host` `127.1`, and a write on the new master reaches them. With a registered
//! name that does not resolve back (`nonexistent.invalid`), the failover still moves the
//! replicas, naming the new master by its host, and its steps name the mismatch.

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::mariadb::{wait_replicated, Server};
use server::testkit::wait_until;

fn master_host(s: &Server) -> String {
    s.slave_status().unwrap().get("Master_Host").cloned().unwrap_or_default()
}

/// A star m + r1, r2 with `name` registered as the virtual name of 127.0.0.1 (the leader has
/// it) and a table written on m; none when MariaDB is not installed.
async fn star_with_virtual_name(test: &str, name: &str) -> Option<(Fleet, usize)> {
    let f = Fleet::star(test, 3, "").expect("start the fleet")?;
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let path = format!("/api/register-hostname-unresolve/127.0.0.1/{}/{name}", f.db[0].port());
    let (s, b) = f.orc.get(leader, &path).await;
    assert_eq!(s, 200, "{b}");
    wait_until(DEADLINE, "the leader has the registration", || async {
        let (_, v) = f.orc.json(leader, "/api/hostname-unresolves").await;
        v.as_array().is_some_and(|a| a.iter().any(|u| u["UnresolvedHostname"] == name))
    })
    .await;
    f.db[0].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1)").unwrap();
    wait_replicated(&f.db[0], &f.db[1..]).unwrap();
    Some((f, leader))
}

/// Kills m and waits for the recovery; (the recovery, the successor's index, the other
/// replica's index once it replicates from the successor).
async fn fail_over(f: &Fleet, leader: usize) -> (serde_json::Value, usize, usize) {
    f.db[0].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    let successor = Fleet::successor(&recovery);
    let (new, other) = if successor == key(&f.db[1]) { (1, 2) } else { (2, 1) };
    assert_eq!(successor, key(&f.db[new]), "{recovery}");
    wait_until(DEADLINE, "the other replica moved under the successor", || async {
        master_port(&f.db[other]) == Some(f.db[new].port())
    })
    .await;
    (recovery, new, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failover_names_the_successor_by_its_virtual_name() {
    let Some((f, leader)) = star_with_virtual_name("recovery_unresolve", "127.1").await else {
        return;
    };
    let (recovery, new, other) = fail_over(&f, leader).await;
    let (new_master, other) = (&f.db[new], &f.db[other]);
    assert_eq!(master_host(other), "127.1", "{recovery}");
    new_master.sql("INSERT INTO app.t VALUES (2)").unwrap();
    wait_replicated(new_master, [other]).unwrap();
    assert_eq!(other.sql("SELECT COUNT(*) FROM app.t").unwrap().trim(), "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn takeover_names_the_new_master_by_its_virtual_name() {
    let Some((f, leader)) = star_with_virtual_name("takeover_unresolve", "127.1").await else {
        return;
    };
    let path =
        format!("/api/graceful-master-takeover/{}/127.0.0.1/{}", key(&f.db[0]), f.db[2].port());
    let (s, b) = f.orc.get(leader, &path).await;
    assert_eq!(s, 200, "{b}");
    for r in [&f.db[0], &f.db[1]] {
        wait_until(DEADLINE, "replicates from the new master", || async {
            master_port(r) == Some(f.db[2].port())
        })
        .await;
        assert_eq!(master_host(r), "127.1");
    }
    f.db[2].sql("INSERT INTO app.t VALUES (2)").unwrap();
    wait_replicated(&f.db[2], [&f.db[0], &f.db[1]]).unwrap();
    assert_eq!(f.db[0].sql("SELECT COUNT(*) FROM app.t").unwrap().trim(), "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failover_with_a_name_that_does_not_resolve_back_uses_the_host_and_says_so() {
    let Some((f, leader)) =
        star_with_virtual_name("recovery_unresolve_mismatch", "nonexistent.invalid").await
    else {
        return;
    };
    let (recovery, _, other) = fail_over(&f, leader).await;
    assert_eq!(master_host(&f.db[other]), "127.0.0.1", "{recovery}");
    let uid = recovery["UID"].as_str().unwrap_or_default();
    let (_, steps) = f.orc.json(leader, &format!("/api/audit-recovery-steps/{uid}")).await;
    let said = steps.as_array().is_some_and(|a| {
        a.iter().any(|s| {
            s["Message"].as_str().is_some_and(|m| {
                m.contains("nonexistent.invalid") && m.contains("named by its host name")
            })
        })
    });
    assert!(said, "{steps}");
}
