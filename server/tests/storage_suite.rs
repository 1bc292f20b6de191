//! openraft's storage conformance suite against the real log store (file + group commit) and the
//! real state machine (backend DB, SQLite in a temp dir).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::time::Duration;

use openraft::testing::{StoreBuilder, Suite};
use openraft::StorageError;
use server::config::BackendConfig;
use server::raft::log_store::LogStore;
use server::raft::state_machine::StateMachine;
use server::raft::TypeConfig;
use server::store::Store;
use tempfile::TempDir;

struct Builder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, TempDir> for Builder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachine), StorageError<u64>> {
        let dir = tempfile::tempdir().map_err(|e| openraft::StorageIOError::read(&e))?;
        let backend = BackendConfig::Sqlite { path: dir.path().join("backend.db") };
        let store = Store::open(&backend, Duration::from_secs(5))
            .await
            .map_err(|e| openraft::StorageIOError::read(&e))?;
        let log = LogStore::open(&dir.path().join("raft"))
            .map_err(|e| openraft::StorageIOError::read(&e))?;
        let sm =
            StateMachine::open(store, &dir.path().join("raft"), Duration::from_secs(1)).await?;
        Ok((dir, log, sm))
    }
}

#[test]
fn storage_conformance_suite() -> Result<(), StorageError<u64>> {
    Suite::test_all(Builder)
}

/// A node's storage in its own directory: raft dir `raft/`, SQLite `backend.db`.
struct Disk {
    dir: TempDir,
}

impl Disk {
    fn new() -> Self {
        Disk { dir: tempfile::tempdir().unwrap() }
    }

    fn raft(&self) -> std::path::PathBuf {
        self.dir.path().join("raft")
    }

    async fn store(&self) -> Store {
        let backend = BackendConfig::Sqlite { path: self.dir.path().join("backend.db") };
        Store::open(&backend, Duration::from_secs(5)).await.unwrap()
    }
}

mod rejoin {
    //! The cases a node rejoins from: wiped, only its log, only its backend. Each is opened with
    //! the node's own start-up path (`raft::open`), must come up empty (never with stale or
    //! half state), and must end with the leader's digest once the leader's snapshot is installed.

    use std::io::Cursor;
    use std::time::Duration;

    use app::core::{DowntimeRequest, InstanceKey, Proposal};
    use openraft::storage::{RaftLogStorage, RaftStateMachine};
    use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId, RaftSnapshotBuilder};
    use server::raft::state_machine::StateMachine;
    use server::raft::TypeConfig;
    use server::store::Store;

    use super::Disk;

    /// A "leader" with 40 downtimes applied, snapshotted, and its log purged behind the snapshot.
    async fn leader() -> (Disk, Store, StateMachine) {
        let disk = Disk::new();
        let store = disk.store().await;
        let mut storage =
            server::raft::open::open(&disk.raft(), &store, Duration::from_secs(1)).await.unwrap();
        let entries: Vec<Entry<TypeConfig>> = (1..=40u64)
            .map(|i| {
                let key = InstanceKey::parse(&format!("db{i}"), "3306").unwrap();
                let req = DowntimeRequest::parse(key, "ops", "rejoin", "1h").unwrap();
                let env = Proposal::BeginDowntime(req).stamp(1_000 + i as i64, 1, 3_600_000);
                Entry {
                    log_id: LogId::new(CommittedLeaderId::new(1, 1), i),
                    payload: EntryPayload::Normal(env),
                }
            })
            .collect();
        storage.log.append_detached(entries.clone()).unwrap().await.unwrap().unwrap();
        storage.log.save_vote(&openraft::Vote::new_committed(1, 1)).await.unwrap();
        storage.state_machine.apply(entries).await.unwrap();
        let mut builder = storage.state_machine.get_snapshot_builder().await;
        builder.build_snapshot().await.unwrap();
        storage.log.purge(LogId::new(CommittedLeaderId::new(1, 1), 35)).await.unwrap();
        drop(storage.log);
        drop(storage.lock);
        (disk, store, storage.state_machine)
    }

    /// Installs the leader's current snapshot into `sm` and compares digests.
    async fn install_and_compare(
        leader: &mut StateMachine,
        leader_store: &Store,
        sm: &mut StateMachine,
        store: &Store,
    ) {
        assert_eq!(sm.applied_state().await.unwrap().0, None, "a rejoining node must start empty");
        let snap = leader.get_current_snapshot().await.unwrap().expect("leader snapshot");
        let data = snap.snapshot.into_inner();
        sm.install_snapshot(&snap.meta, Box::new(Cursor::new(data))).await.unwrap();
        assert_eq!(
            store.replicated_digest().await.unwrap(),
            leader_store.replicated_digest().await.unwrap()
        );
        assert_eq!(sm.applied_state().await.unwrap().0.map(|l| l.index), Some(40));
    }

    fn copy_dir(from: &std::path::Path, to: &std::path::Path, skip: &[&str]) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if skip.contains(&name.as_str()) || entry.path().is_dir() {
                continue;
            }
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }

    #[tokio::test]
    async fn a_wiped_node_starts_empty_and_takes_the_snapshot() {
        let (_ld, leader_store, mut leader_sm) = leader().await;
        let disk = Disk::new();
        let store = disk.store().await;
        let mut s =
            server::raft::open::open(&disk.raft(), &store, Duration::from_secs(1)).await.unwrap();
        install_and_compare(&mut leader_sm, &leader_store, &mut s.state_machine, &store).await;
    }

    #[tokio::test]
    async fn a_node_with_only_its_log_sets_it_aside_and_takes_the_snapshot() {
        let (ld, leader_store, mut leader_sm) = leader().await;
        let disk = Disk::new();
        copy_dir(&ld.raft(), &disk.raft(), &["LOCK"]);
        let store = disk.store().await;
        let mut s =
            server::raft::open::open(&disk.raft(), &store, Duration::from_secs(1)).await.unwrap();
        let mut log = s.log.clone();
        assert_eq!(
            log.get_log_state().await.unwrap().last_log_id,
            None,
            "the purged log cannot rebuild the backend"
        );
        assert!(std::fs::read_dir(disk.raft()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("discarded-")));
        assert!(log.read_vote().await.unwrap().is_some(), "the vote is kept");
        install_and_compare(&mut leader_sm, &leader_store, &mut s.state_machine, &store).await;
    }

    #[tokio::test]
    async fn a_node_with_only_its_backend_clears_it_and_takes_the_snapshot() {
        let (ld, leader_store, mut leader_sm) = leader().await;
        leader_store.checkpoint(true).await.unwrap();
        // The backend file of the leader, without any raft state: an earlier life.
        let stale = Disk::new();
        for name in ["backend.db", "backend.db-wal"] {
            let from = ld.dir.path().join(name);
            if from.exists() {
                std::fs::copy(&from, stale.dir.path().join(name)).unwrap();
            }
        }
        let store = stale.store().await;
        assert_eq!(
            store.replicated_digest().await.unwrap(),
            leader_store.replicated_digest().await.unwrap()
        );
        let mut s =
            server::raft::open::open(&stale.raft(), &store, Duration::from_secs(1)).await.unwrap();
        let empty = Disk::new();
        let empty_store = empty.store().await;
        assert_eq!(
            store.replicated_digest().await.unwrap(),
            empty_store.replicated_digest().await.unwrap(),
            "stale rows cleared"
        );
        install_and_compare(&mut leader_sm, &leader_store, &mut s.state_machine, &store).await;
    }
}

mod upgrade {
    //! A `RaftDataDir` and backend exactly as the build before `single-term-leader` wrote them
    //! (openraft's advanced leader ids: `{"term":T,"node_id":N}` in every log id and in the vote),
    //! read by this build: the same vote (candidate included), the same log ids and entries, the
    //! same applied id, membership and snapshot meta.

    use std::collections::{BTreeMap, BTreeSet};
    use std::time::Duration;

    use app::core::{DowntimeRequest, InstanceKey, Proposal};
    use openraft::storage::{RaftLogStorage, RaftStateMachine};
    use openraft::BasicNode;
    use openraft::RaftLogReader;
    use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId, Membership, Vote};
    use serde_json::{json, Value};
    use server::raft::disk_state::{LOG_FILE, SNAPSHOT_DIR, VOTE_FILE};
    use server::raft::log_file::{self, KIND_ENTRY, KIND_PURGE};
    use server::raft::snapshot_file::{SnapshotFiles, StoredSnapshot};
    use server::raft::TypeConfig;
    use server::store::local::write_meta;

    use super::Disk;

    /// The leader that wrote everything: node 1.
    const LEADER: u64 = 1;

    fn id(term: u64, index: u64) -> LogId<u64> {
        LogId::new(CommittedLeaderId::new(term, LEADER), index)
    }

    /// A log id as the previous build serialised it.
    fn old_id(id: &LogId<u64>) -> Value {
        json!({"leader_id": {"term": id.leader_id.term, "node_id": LEADER}, "index": id.index})
    }

    /// `value` (this build's JSON of a type holding a log id at `field`) with that log id in
    /// the old format.
    fn with_old_id(mut value: Value, field: &str, id: &LogId<u64>) -> Value {
        value[field] = old_id(id);
        value
    }

    fn entries() -> Vec<Entry<TypeConfig>> {
        let voters: BTreeSet<u64> = [LEADER].into();
        let nodes: BTreeMap<u64, BasicNode> = [(LEADER, BasicNode::new("127.0.0.1:10008"))].into();
        let membership = Membership::new(vec![voters], nodes);
        let mut out = vec![Entry { log_id: id(1, 1), payload: EntryPayload::Blank }];
        out.push(Entry { log_id: id(1, 2), payload: EntryPayload::Membership(membership) });
        for i in 3..=6u64 {
            let key = InstanceKey::parse(&format!("db{i}"), "3306").unwrap();
            let req = DowntimeRequest::parse(key, "ops", "upgrade", "1h").unwrap();
            let env = Proposal::BeginDowntime(req).stamp(1_000 + i as i64, 1, 3_600_000);
            out.push(Entry { log_id: id(2, i), payload: EntryPayload::Normal(env) });
        }
        out
    }

    #[tokio::test]
    async fn data_written_with_advanced_leader_ids_reads_the_same() {
        let disk = Disk::new();
        let raft = disk.raft();
        std::fs::create_dir_all(raft.join(SNAPSHOT_DIR)).unwrap();
        let entries = entries();
        let membership_entry = &entries[1];
        let EntryPayload::Membership(membership) = &membership_entry.payload else { panic!() };

        // The vote file: node 1 voted for node 42 in term 7 (not committed).
        let old_vote = r#"{"leader_id":{"term":7,"node_id":42},"committed":false}"#;
        std::fs::write(raft.join(VOTE_FILE), old_vote).unwrap();

        // The log: purged up to 1-1, then entries 2..=6, each record framed as the file layer
        // frames it, with the old JSON inside.
        let mut log = Vec::new();
        let purge = old_id(&id(1, 1)).to_string();
        log_file::frame(KIND_PURGE, purge.as_bytes(), &mut log);
        for entry in &entries[1..] {
            let json = with_old_id(serde_json::to_value(entry).unwrap(), "log_id", &entry.log_id);
            assert!(json.to_string().contains(r#""node_id":1"#), "{json}");
            log_file::frame(KIND_ENTRY, json.to_string().as_bytes(), &mut log);
        }
        std::fs::write(raft.join(LOG_FILE), &log).unwrap();

        // The backend's bookkeeping: applied up to 2-4, membership from 1-2.
        let store = disk.store().await;
        let stored_membership = json!({
            "log_id": old_id(&membership_entry.log_id),
            "membership": serde_json::to_value(membership).unwrap(),
        });
        {
            let mut conn = store.pool().acquire().await.unwrap();
            write_meta(&mut conn, "last_applied", &old_id(&id(2, 4)).to_string()).await.unwrap();
            write_meta(&mut conn, "membership", &stored_membership.to_string()).await.unwrap();
        }

        // The snapshot file: up to 2-4 (as far as the backend), with the same membership.
        let snapshot = json!({
            "meta": {
                "last_log_id": old_id(&id(2, 4)),
                "last_membership": stored_membership,
                "snapshot_id": "2-1-4",
            },
            "data": serde_json::to_vec(&json!({"v": 1, "tables": {}})).unwrap(),
        });
        let snapshot_path = raft.join(SNAPSHOT_DIR).join("current.json");
        std::fs::write(&snapshot_path, snapshot.to_string()).unwrap();
        assert!(SnapshotFiles::open(&raft).unwrap().read().unwrap().is_some());

        let mut storage =
            server::raft::open::open(&raft, &store, Duration::from_secs(1)).await.unwrap();
        let vote = storage.log.read_vote().await.unwrap();
        assert_eq!(vote, Some(Vote::new(7, 42)), "the vote and its candidate survive the upgrade");
        let state = storage.log.get_log_state().await.unwrap();
        assert_eq!(state.last_purged_log_id, Some(id(1, 1)));
        assert_eq!(state.last_log_id, Some(id(2, 6)));
        let read = storage.log.try_get_log_entries(2..=6).await.unwrap();
        assert_eq!(read, entries[1..].to_vec());

        let (applied, stored) = storage.state_machine.applied_state().await.unwrap();
        assert_eq!(applied, Some(id(2, 4)));
        assert_eq!(stored.log_id(), &Some(id(1, 2)));
        assert_eq!(stored.membership(), membership);
        let snap = storage.state_machine.get_current_snapshot().await.unwrap().unwrap();
        assert_eq!(snap.meta.last_log_id, Some(id(2, 4)));
        assert_eq!(snap.meta.last_membership.log_id(), &Some(id(1, 2)));

        // What this build writes from here on is the new format.
        storage.log.save_vote(&Vote::new(8, 42)).await.unwrap();
        let text = std::fs::read_to_string(raft.join(VOTE_FILE)).unwrap();
        assert_eq!(text, r#"{"leader_id":{"term":8,"voted_for":42},"committed":false}"#);
        // Decoded directly, the old snapshot file does not even parse: the rewrite is what reads it.
        let old_file = std::fs::read(&snapshot_path).unwrap();
        assert!(serde_json::from_slice::<StoredSnapshot>(&old_file).is_err());
        let kept = SnapshotFiles::open(&raft).unwrap().read().unwrap().unwrap();
        assert_eq!(kept.meta.last_log_id, Some(id(2, 4)));
    }
}
