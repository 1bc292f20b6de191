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
        let log = LogStore::open(&dir.path().join("raft")).map_err(|e| openraft::StorageIOError::read(&e))?;
        let sm = StateMachine::open(store, &dir.path().join("raft"), Duration::from_secs(1)).await?;
        Ok((dir, log, sm))
    }
}

#[test]
fn storage_conformance_suite() -> Result<(), StorageError<u64>> {
    Suite::test_all(Builder)
}
