//! A malformed raft entry is a fatal, clearly logged error — never skipped, never applied as
//! something else: a log record with a valid checksum whose command does not decode stops the
//! log from opening (and the node from starting), and an entry of a newer command format is
//! refused by the state machine.

use std::time::Duration;

use app::core::{Command, CommandEnvelope, COMMAND_VERSION};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId};
use server::config::BackendConfig;
use server::raft::log_store::LogStore;
use server::raft::state_machine::StateMachine;
use server::raft::TypeConfig;
use server::store::Store;
use server::testkit::cluster::{Backend, ProcCluster};

/// A log record as `log_file` frames it (`len | crc32 | kind | payload`), with a valid checksum.
fn record(payload: &[u8]) -> Vec<u8> {
    let mut body = vec![1u8]; // kind: entry
    body.extend_from_slice(payload);
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend(body);
    out
}

/// An entry whose command is not one this build knows (as a newer or hostile writer would make).
fn alien_entry(index: u64) -> Vec<u8> {
    let json = serde_json::json!({
        "log_id": {"leader_id": {"term": 1, "node_id": 1}, "index": index},
        "payload": {"Normal": {"v": 1, "issued_at_ms": 0, "proposer": 1, "command": {"op": "drop-everything"}}}
    });
    record(json.to_string().as_bytes())
}

#[test]
fn undecodable_log_entry_stops_the_log_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    let mut good = Vec::new();
    let entry = Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 1), 1),
        payload: EntryPayload::Blank,
    };
    server::raft::log_file::encode_entry(&entry, &mut good).unwrap();
    good.extend(alien_entry(2));
    std::fs::write(dir.path().join("raft-log.bin"), &good).unwrap();
    let Err(error) = LogStore::open(dir.path()) else {
        panic!("a log with an undecodable entry opened")
    };
    let message = error.to_string();
    assert!(message.contains("corrupt") && message.contains("does not decode"), "{message}");
}

#[tokio::test]
async fn newer_command_format_is_fatal_in_the_state_machine() {
    let dir = tempfile::tempdir().unwrap();
    let backend = BackendConfig::Sqlite { path: dir.path().join("orc.db") };
    let store = Store::open(&backend, Duration::from_secs(5)).await.unwrap();
    let mut sm = StateMachine::open(store, dir.path(), Duration::from_secs(1)).await.unwrap();
    let mut env = CommandEnvelope::new(Command::DisableGlobalRecoveries, 1, 1);
    env.v = COMMAND_VERSION + 1;
    let entry = Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 1), 1),
        payload: EntryPayload::Normal(env),
    };
    let error = sm.apply(vec![entry]).await.expect_err("an entry of a newer format was applied");
    assert!(error.to_string().contains("format"), "{error}");
    let (applied, _) = sm.applied_state().await.unwrap();
    assert_eq!(applied, None, "nothing was recorded as applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_with_a_malformed_entry_exits_with_a_clear_error() {
    let mut c = ProcCluster::start(vec![Backend::Sqlite], "");
    c.wait_for_leader(&[0]).await;
    c.kill9(0);
    let log = c.node_dir(0).join("raft/raft-log.bin");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend(alien_entry(1_000));
    std::fs::write(&log, bytes).unwrap();
    c.spawn(0);
    let status = c.wait_exit(0, Duration::from_secs(30)).await;
    assert!(!status.success(), "the node started on a log with a malformed entry");
    let text = std::fs::read_to_string(c.log(0)).unwrap();
    assert!(text.contains("raft log is corrupt"), "the reason is logged:\n{text}");
}
