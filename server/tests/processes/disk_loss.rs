//! Setup: three real processes (SQLite), small snapshot threshold so that every node has
//! snapshotted and purged its log behind a few hundred downtimes.
//! Fault: a stopped follower loses part or all of its disk: everything, its backend, its backend
//! and snapshots, its raft dir, only its log, a record in the middle of its log, the tail of its
//! log, half of its SQLite file.
//! Expected: each case ends either in a rejoined node with the leader's replicated digest or in a
//! refusal to start naming the missing part (then `reset-raft-state`, or moving the file aside,
//! and a rejoin) — never in a node that answers healthy having applied nothing.

use std::fs;
use std::path::Path;

use server::testkit::cluster::{run_once, Backend, ProcCluster, DEADLINE};
use server::testkit::wait_until;

const DOWNTIMES: usize = 300;
// Concurrent writes share raft entries (batching): a low threshold makes sure of snapshots.
const SETTINGS: &str = r#""RaftSnapshotThreshold": 16, "RaftLogsToKeep": 4"#;

/// A cluster with `DOWNTIMES` downtimes written and snapshotted everywhere; (cluster, leader, follower).
async fn loaded_cluster() -> (ProcCluster, usize, usize) {
    let c = ProcCluster::start(vec![Backend::Sqlite; 3], SETTINGS);
    let leader = c.wait_for_leader(&[0, 1, 2]).await;
    for chunk in (0..DOWNTIMES).collect::<Vec<_>>().chunks(4) {
        let writes = chunk.iter().map(|n| {
            let c = &c;
            async move {
                c.get(leader, &format!("/api/begin-downtime/host{n}/3306/ops/disk-test/1h")).await
            }
        });
        for (status, body) in futures::future::join_all(writes).await {
            assert_eq!(status, 200, "{body}");
        }
    }
    c.wait_converged(&[0, 1, 2]).await;
    let follower = [0, 1, 2].into_iter().find(|i| *i != leader).unwrap();
    wait_until(DEADLINE, "follower has snapshotted", || async {
        snapshot_index(&c, follower).await.is_some()
    })
    .await;
    (c, leader, follower)
}

async fn snapshot_index(c: &ProcCluster, i: usize) -> Option<u64> {
    c.raft_status(i).await?.get("SnapshotIndex")?.as_u64()
}

/// Restarts `node` and waits until it is healthy and has the leader's digest, checking on the way
/// that it never answers healthy before it has applied anything, and, when its data came from the
/// leader (`from_leader`), before it holds at least the leader's snapshot.
async fn rejoins(c: &mut ProcCluster, leader: usize, node: usize, from_leader: bool) {
    let floor = if from_leader {
        snapshot_index(c, leader).await.expect("leader snapshot index")
    } else {
        0
    };
    c.spawn(node);
    wait_until(DEADLINE, "restarted node healthy with the leader's data", || async {
        if c.get(node, "/api/raft-health").await.0 != 200 {
            return false;
        }
        let applied = c.applied_index(node).await;
        assert!(
            applied.is_some_and(|a| a >= floor),
            "node {node} healthy with AppliedIndex {applied:?} < {floor}"
        );
        c.digest(node).await == c.digest(leader).await
    })
    .await;
    let (_, body) = c.get(node, "/api/downtimed").await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).expect("downtimed JSON");
    assert_eq!(rows.len(), DOWNTIMES, "node {node} after rejoining");
}

/// Starts `node` expecting a refusal whose output contains `expected`.
async fn refuses(c: &mut ProcCluster, node: usize, expected: &str) {
    c.spawn(node);
    let status = c.wait_exit(node, DEADLINE).await;
    assert!(!status.success(), "node {node} should refuse to start");
    let log = fs::read_to_string(c.log(node)).unwrap_or_default();
    assert!(log.contains(expected), "node {node} log lacks {expected:?}:\n{log}");
    assert_eq!(c.get(node, "/api/raft-health").await.0, 0, "a refused node must not serve");
}

fn reset_raft_state(c: &ProcCluster, node: usize) {
    let config = c.config(node).to_string_lossy().into_owned();
    let (status, out) = run_once(c.node_dir(node), &["--config", &config, "reset-raft-state"]);
    assert!(status.success(), "reset-raft-state: {out}");
    assert!(out.contains("rejoin by snapshot"), "{out}");
}

fn remove(path: &Path) {
    if path.is_dir() {
        fs::remove_dir_all(path).expect("remove dir");
    } else if path.exists() {
        fs::remove_file(path).expect("remove file");
    }
}

fn remove_backend(dir: &Path) {
    for name in ["orchestrator.db", "orchestrator.db-wal", "orchestrator.db-shm"] {
        remove(&dir.join(name));
    }
}

/// Byte offsets of the records of a raft log file.
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        out.push(pos);
        let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        pos += 8 + len;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wiped_follower_rejoins_by_snapshot() {
    let (mut c, leader, f) = loaded_cluster().await;
    c.kill9(f);
    remove(&c.node_dir(f).join("raft"));
    remove_backend(c.node_dir(f));
    rejoins(&mut c, leader, f, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_backend_rejoins_from_log_and_snapshot() {
    let (mut c, leader, f) = loaded_cluster().await;
    c.kill9(f);
    remove_backend(c.node_dir(f));
    rejoins(&mut c, leader, f, false).await;
    // Then the snapshots as well: the log alone cannot rebuild the backend.
    c.kill9(f);
    remove_backend(c.node_dir(f));
    remove(&c.node_dir(f).join("raft/snapshots"));
    rejoins(&mut c, leader, f, true).await;
    let log = fs::read_to_string(c.log(f)).unwrap_or_default();
    assert!(log.contains("rejoining by snapshot"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_backend_left_rejoins_as_a_new_member() {
    let (mut c, leader, f) = loaded_cluster().await;
    c.kill9(f);
    remove(&c.node_dir(f).join("raft"));
    rejoins(&mut c, leader, f, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_log_is_refused_until_reset() {
    let (mut c, leader, f) = loaded_cluster().await;
    c.kill9(f);
    remove(&c.node_dir(f).join("raft/raft-log.bin"));
    refuses(&mut c, f, "raft-log.bin is missing").await;
    reset_raft_state(&c, f);
    rejoins(&mut c, leader, f, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_log_record_is_refused_torn_tail_is_cut() {
    let (mut c, leader, f) = loaded_cluster().await;
    let path = c.node_dir(f).join("raft/raft-log.bin");
    // A torn tail: half a record after the last one. The node starts and keeps its data.
    c.kill9(f);
    let mut bytes = fs::read(&path).expect("log");
    let whole = bytes.len();
    let last = *record_offsets(&bytes).last().expect("records");
    bytes.extend_from_slice(&bytes[last..whole].to_vec()[..(whole - last) / 2]);
    fs::write(&path, &bytes).expect("write log");
    rejoins(&mut c, leader, f, false).await;
    // A damaged length field one third into the file: refused, naming the offset.
    c.kill9(f);
    let mut bytes = fs::read(&path).expect("log");
    let offsets = record_offsets(&bytes);
    assert!(offsets.len() >= 3, "log has {} records", offsets.len());
    let victim = offsets[offsets.len() / 3];
    bytes[victim..victim + 4].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    fs::write(&path, &bytes).expect("write log");
    refuses(&mut c, f, &format!("corrupt at byte offset {victim}")).await;
    reset_raft_state(&c, f);
    rejoins(&mut c, leader, f, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_sqlite_is_refused_then_rebuilt() {
    let (mut c, leader, f) = loaded_cluster().await;
    c.kill9(f);
    let db = c.node_dir(f).join("orchestrator.db");
    let len = fs::metadata(&db).expect("db").len();
    assert!(len > 8192, "database is {len} bytes");
    let file = fs::OpenOptions::new().write(true).open(&db).expect("open db");
    file.set_len(len / 2).expect("truncate");
    drop(file);
    remove(&c.node_dir(f).join("orchestrator.db-wal"));
    remove(&c.node_dir(f).join("orchestrator.db-shm"));
    refuses(&mut c, f, "backend database is corrupt").await;
    // The documented recovery: move the file aside and start again.
    fs::rename(&db, c.node_dir(f).join("orchestrator.db.corrupt")).expect("move aside");
    rejoins(&mut c, leader, f, false).await;
}
