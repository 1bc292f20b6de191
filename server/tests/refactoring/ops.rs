//! Helpers: run an operation through a follower, and assert where each server replicates from.

use serde_json::Value;

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::mariadb::{wait_replicated, Server};
use server::testkit::wait_until;

/// `host/port` of a server, as API paths take it.
pub fn hp(s: &Server) -> String {
    format!("127.0.0.1/{}", s.port())
}

/// A node that does not lead (operations are relayed from it to the leader).
pub async fn follower(f: &Fleet) -> usize {
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    (0..3).find(|i| *i != leader).unwrap()
}

/// GET `path` on a follower; returns (status, JSON). Panics on a non-JSON body.
pub async fn call(f: &Fleet, path: &str) -> (u16, Value) {
    let node = follower(f).await;
    let (status, body) = f.orc.get(node, path).await;
    let value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
    (status, value)
}

/// Runs `path` and requires a 200; returns the reply.
pub async fn ok(f: &Fleet, path: &str) -> Value {
    let (status, v) = call(f, path).await;
    assert_eq!(status, 200, "{path}: {v}");
    assert_eq!(v["Code"], "OK", "{path}: {v}");
    v
}

/// Waits until `replica` replicates (both threads running) from `master`.
pub async fn wait_under(replica: &Server, master: &Server) {
    wait_until(DEADLINE, &format!("{} replicates from {}", key(replica), key(master)), || async {
        running_under(replica) == Some(master.port())
    })
    .await;
}

/// `Master_Port` when both threads run.
pub fn running_under(s: &Server) -> Option<u16> {
    let status = s.slave_status().ok()?;
    let yes = |k: &str| status.get(k).is_some_and(|v| v == "Yes");
    (yes("Slave_IO_Running") && yes("Slave_SQL_Running")).then(|| master_port(s)).flatten()
}

/// Writes a row on `master` and waits until every replica has it.
pub fn write_reaches(master: &Server, replicas: &[&Server], id: u32) {
    master
        .sql(&format!(
            "CREATE DATABASE IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES ({id})"
        ))
        .unwrap();
    wait_replicated(master, replicas.iter().copied()).unwrap();
    for r in replicas {
        let n = r.sql(&format!("SELECT COUNT(*) FROM app.t WHERE id = {id}")).unwrap();
        assert_eq!(n.trim(), "1", "row {id} on {}", key(r));
    }
}

/// Waits until every node's audit log has a line of `audit_type` about `instance`.
pub async fn wait_audited(f: &Fleet, audit_type: &str, instance: &Server) {
    let path = format!("/api/audit/instance/{}", hp(instance));
    for i in 0..3 {
        wait_until(
            DEADLINE,
            &format!("node {i} audits {audit_type} on {}", key(instance)),
            || async {
                let (_, v) = f.json(i, &path).await;
                v.as_array().is_some_and(|a| a.iter().any(|e| e["AuditType"] == audit_type))
            },
        )
        .await;
    }
}

/// Waits until no node lists a maintenance lock.
pub async fn wait_no_locks(f: &Fleet) {
    for i in 0..3 {
        wait_until(DEADLINE, &format!("node {i} lists no maintenance"), || async {
            f.json(i, "/api/maintenance").await.1 == Value::Array(vec![])
        })
        .await;
    }
}

/// Waits until node `i` sees `replica` replicating from `master` (its topology view).
pub async fn wait_seen_under(f: &Fleet, replica: &Server, master: &Server) {
    let path = format!("/api/instance/{}", hp(replica));
    for i in 0..3 {
        wait_until(
            DEADLINE,
            &format!("node {i} sees {} under {}", key(replica), key(master)),
            || async {
                let (_, v) = f.json(i, &path).await;
                v["MasterKey"]["Port"] == master.port() && v["Slave_SQL_Running"] == true
            },
        )
        .await;
    }
}
