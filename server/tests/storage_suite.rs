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

/// `/api/raft-status`'s digest is computed again only when the applied index moved.
#[tokio::test]
async fn the_served_digest_follows_the_applied_index() {
    use app::core::{Command, CommandEnvelope};
    let disk = Disk::new();
    let store = disk.store().await;
    let before = store.replicated_digest_at(Some(1)).await.unwrap();
    assert_eq!(before, store.replicated_digest().await.unwrap());
    let env = CommandEnvelope::new(Command::DisableGlobalRecoveries, 1_000, 7);
    let mut conn = store.pool().acquire().await.unwrap();
    let mut tx = server::store::apply_tx::ApplyTx::Sqlx(&mut conn);
    server::store::replicated::apply(&mut tx, &env).await.unwrap();
    drop(conn);
    let after = store.replicated_digest().await.unwrap();
    assert_ne!(before, after, "the command changed the replicated state");
    assert_eq!(store.replicated_digest_at(Some(1)).await.unwrap(), before, "same index: kept");
    assert_eq!(store.replicated_digest_at(Some(2)).await.unwrap(), after, "moved: computed");
    assert_eq!(store.replicated_digest_at(None).await.unwrap(), after, "no index: computed");
}

/// A transaction that reads before it writes (the analysis changelog) does not fail with
/// "database is locked" while another connection keeps committing writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_reads_first_waits_for_other_writers() {
    let disk = Disk::new();
    let store = disk.store().await;
    let key = app::core::InstanceKey::new("db1", 3306).unwrap();
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..500 {
                store.write_node_health(1, i).await.unwrap();
            }
        })
    };
    let mut failures = Vec::new();
    let mut i = 0;
    while !writer.is_finished() {
        let code = if i % 2 == 0 { "DeadMaster" } else { "NoProblem" };
        if let Err(e) = store.record_analysis(&key, code, i).await {
            failures.push(e.to_string());
        }
        i += 1;
    }
    writer.await.unwrap();
    assert!(i > 10, "the two writers overlapped only {i} times");
    assert!(failures.is_empty(), "{} of {i} failed, first: {}", failures.len(), failures[0]);
}

mod apply_paths {
    //! The state machine applies SQLite batches on a synchronous handle and MySQL batches
    //! through sqlx, running the same statements: on two SQLite backends, one per path, every
    //! command kind gives the same outcomes and the same replicated tables.

    use server::store::apply_tx::{self, ApplyTx};
    use server::store::{replicated, Store};
    use server::testkit::every_command::{self, every_command_kind};

    use super::Disk;

    async fn dump(store: &Store) -> replicated::ReplicatedTables {
        let mut tx = store.pool().begin().await.unwrap();
        replicated::dump(&mut tx).await.unwrap()
    }

    #[tokio::test]
    async fn both_apply_paths_write_the_same_rows() {
        let (sqlx_disk, sync_disk) = (Disk::new(), Disk::new());
        let (via_sqlx, via_sync) = (sqlx_disk.store().await, sync_disk.store().await);
        let mut conn = via_sqlx.pool().acquire().await.unwrap();
        let mut handle = apply_tx::open_sqlite(via_sync.sqlite_path().unwrap()).unwrap();
        let mut outcomes = Vec::new();
        for env in every_command_kind().unwrap() {
            let a = replicated::apply(&mut ApplyTx::Sqlx(&mut conn), &env).await.unwrap();
            let b = replicated::apply(&mut ApplyTx::Sqlite(&mut handle), &env).await.unwrap();
            assert_eq!(a, b, "{}", env.command.op());
            outcomes.push(a);
        }
        let kinds: std::collections::BTreeSet<&str> = every_command_kind()
            .unwrap()
            .iter()
            .filter(|e| every_command::is_applied_kind(&e.command))
            .map(|e| e.command.op())
            .collect();
        assert_eq!(kinds.len(), every_command::KINDS, "a sample of every kind: {kinds:?}");
        let applied = outcomes.iter().filter(|o| **o == app::core::CommandOutcome::Applied);
        assert!(applied.count() > 20, "most commands changed something: {outcomes:?}");
        let tables = dump(&via_sqlx).await;
        assert!(!tables.downtimes.is_empty() && !tables.recovery.recoveries.is_empty());
        assert_eq!(tables, dump(&via_sync).await);

        // A snapshot restored through either path reads back the same.
        let mut handle2 = apply_tx::open_sqlite(via_sqlx.sqlite_path().unwrap()).unwrap();
        replicated::restore(&mut ApplyTx::Sqlite(&mut handle2), &tables).await.unwrap();
        assert_eq!(dump(&via_sqlx).await, tables);
    }
}
