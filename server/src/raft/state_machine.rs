//! RaftStateMachine over the backend DB: one transaction per apply batch, snapshots of the
//! replicated tables.
//!
//! Apply is deterministic and side-effect free beyond the DB: it never reads a clock, probes a
//! server or calls the network. Each batch's rows, last-applied log id and membership commit in
//! one transaction, and outcomes are returned only after that commit. An entry that does not
//! decode, or has a newer format than this build, is a fatal storage error, never skipped.

use std::io::{self, Cursor};
use std::path::Path;
use std::time::{Duration, Instant};

use app::core::{Command, CommandOutcome, COMMAND_VERSION};
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    BasicNode, Entry, EntryPayload, LogId, OptionalSend, RaftSnapshotBuilder, SnapshotMeta,
    StorageError, StorageIOError, StoredMembership,
};

use super::snapshot_file::{
    decode_payload, SnapshotFiles, SnapshotPayload, StoredSnapshot, SNAPSHOT_VERSION,
};
use super::{EntryOutcome, TypeConfig};
use crate::store::apply_tx::{self, ApplyTx};
use crate::store::local::{read_meta, write_meta};
use crate::store::replicated::{self, ReplicatedTables};
use crate::store::{Store, StoreError};

const META_APPLIED: &str = "last_applied";
const META_MEMBERSHIP: &str = "membership";

type Membership = StoredMembership<u64, BasicNode>;

/// The state machine handed to openraft.
pub struct StateMachine {
    store: Store,
    /// A connection of its own for applying (no pool hand-off per batch; keeps its page cache).
    /// (Behind a mutex only because openraft needs the state machine to be `Sync`.)
    conn: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
    /// For a SQLite backend, the synchronous handle batches are applied on, in place on this
    /// task (no hand-off to sqlx's worker thread per statement). Opened on the first batch.
    sqlite: Option<std::sync::Mutex<rusqlite::Connection>>,
    snapshots: SnapshotFiles,
    applied: Option<LogId<u64>>,
    membership: Membership,
    /// How long to keep retrying a batch against an unreachable backend before giving up.
    retry_for: Duration,
}

fn sm_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_state_machine(&e).into()
}

fn read_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::read_state_machine(&e).into()
}

impl StateMachine {
    /// Opens the state machine. If the snapshot on disk is ahead of the DB (the DB lost its last
    /// commits in a crash, or a snapshot install was interrupted), the snapshot is restored first.
    pub async fn open(
        store: Store,
        raft_dir: &Path,
        retry_for: Duration,
    ) -> Result<Self, StorageError<u64>> {
        let snapshots =
            SnapshotFiles::open(raft_dir).map_err(|e| StorageIOError::read_snapshot(None, &e))?;
        let mut conn = store.pool().acquire().await.map_err(read_err)?;
        let applied = decode_meta::<Option<LogId<u64>>>(
            read_meta(&mut conn, META_APPLIED).await.map_err(read_err)?,
        )?
        .flatten();
        let membership = decode_meta::<Membership>(
            read_meta(&mut conn, META_MEMBERSHIP).await.map_err(read_err)?,
        )?
        .unwrap_or_default();
        drop(conn);
        let mut sm = StateMachine {
            store,
            conn: tokio::sync::Mutex::new(None),
            sqlite: None,
            snapshots,
            applied,
            membership,
            retry_for,
        };
        if let Some(snap) =
            sm.snapshots.read().map_err(|e| StorageIOError::read_snapshot(None, &e))?
        {
            if snap.meta.last_log_id > sm.applied {
                tracing::warn!(
                    snapshot = ?snap.meta.last_log_id, db = ?sm.applied,
                    "backend DB is behind the local snapshot; restoring the snapshot into it"
                );
                sm.restore(&snap.meta, &snap.data).await?;
            }
        }
        Ok(sm)
    }

    /// The last applied log id recorded in the backend (before the state machine is opened).
    pub async fn backend_applied(store: &Store) -> Result<Option<LogId<u64>>, StorageError<u64>> {
        let mut conn = store.pool().acquire().await.map_err(read_err)?;
        Ok(decode_meta::<Option<LogId<u64>>>(
            read_meta(&mut conn, META_APPLIED).await.map_err(read_err)?,
        )?
        .flatten())
    }

    /// Clears every replicated table and the applied/membership bookkeeping, in one
    /// transaction: the backend then describes nothing, and raft feeds it a snapshot.
    pub async fn clear_backend(store: &Store) -> Result<(), StoreError> {
        let mut tx = store.pool().begin().await?;
        replicated::restore(&mut ApplyTx::Sqlx(&mut tx), &ReplicatedTables::default()).await?;
        sqlx::query("DELETE FROM raft_sm_meta").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn restore(
        &mut self,
        meta: &SnapshotMeta<u64, BasicNode>,
        data: &[u8],
    ) -> Result<(), StorageError<u64>> {
        let payload = decode_payload(data)
            .map_err(|e| StorageIOError::read_snapshot(Some(meta.signature()), &e))?;
        let write_err = |e: StoreError| -> StorageError<u64> {
            StorageIOError::write_snapshot(Some(meta.signature()), &e).into()
        };
        let mut tx = self.store.pool().begin().await.map_err(|e| write_err(e.into()))?;
        let mut apply_tx = ApplyTx::Sqlx(&mut tx);
        replicated::restore(&mut apply_tx, &payload.tables).await.map_err(write_err)?;
        write_meta(&mut apply_tx, META_APPLIED, &encode_meta(&meta.last_log_id)?)
            .await
            .map_err(write_err)?;
        write_meta(&mut apply_tx, META_MEMBERSHIP, &encode_meta(&meta.last_membership)?)
            .await
            .map_err(write_err)?;
        tx.commit().await.map_err(|e| write_err(e.into()))?;
        self.applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        Ok(())
    }

    /// Applies a batch in one transaction. Returns the outcomes and the new bookkeeping.
    async fn apply_batch(&mut self, entries: &[Entry<TypeConfig>]) -> Result<Applied, StoreError> {
        if let Some(path) = self.store.sqlite_path() {
            if self.sqlite.is_none() {
                self.sqlite = Some(std::sync::Mutex::new(apply_tx::open_sqlite(path)?));
            }
            let Some(conn) = self.sqlite.as_mut() else {
                return Err(StoreError::Malformed("no apply connection".into()));
            };
            let conn = conn.get_mut().map_err(|_| {
                StoreError::Malformed("the apply connection's lock is poisoned".into())
            })?;
            // Some commands read before they write: take the write lock first (as
            // Store::begin_write_sql).
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let applied = apply_entries(&mut ApplyTx::Sqlite(conn), entries).await;
            let applied = match applied.and_then(|a| Ok((a, conn.execute_batch("COMMIT")?))) {
                Ok((a, ())) => a,
                Err(e) => {
                    if !conn.is_autocommit() {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    return Err(e);
                }
            };
            // The background watcher fell behind this writer: checkpoint here, so the WAL
            // stays within its bound whatever the write rate (crate::store::wal).
            if self.store.wal_over_hard_limit() {
                conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")?;
            }
            return Ok(applied);
        }
        let mut guard = self.conn.lock().await;
        if guard.is_none() {
            *guard = Some(self.store.pool().acquire().await?.detach());
        }
        let Some(conn) = guard.as_mut() else {
            return Err(StoreError::Malformed("no apply connection".into()));
        };
        // Some commands read before they write: take the write lock first (Store::begin_write_sql).
        let mut tx = sqlx::Connection::begin_with(conn, self.store.begin_write_sql()).await?;
        let applied = apply_entries(&mut ApplyTx::Sqlx(&mut tx), entries).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

/// What a batch did: its outcomes, the last log id and the membership it applied.
type Applied = (Vec<EntryOutcome>, Option<LogId<u64>>, Option<Membership>);

/// Applies `entries` and the bookkeeping through `tx` (inside a transaction the caller opened
/// and commits).
async fn apply_entries(
    tx: &mut ApplyTx<'_>,
    entries: &[Entry<TypeConfig>],
) -> Result<Applied, StoreError> {
    let mut outcomes = Vec::with_capacity(entries.len());
    let mut last = None;
    let mut membership = None;
    for entry in entries {
        last = Some(entry.log_id);
        match &entry.payload {
            EntryPayload::Blank => outcomes.push(EntryOutcome::One(CommandOutcome::Applied)),
            EntryPayload::Normal(env) => {
                let check = |v: u16| {
                    if v > COMMAND_VERSION {
                        Err(StoreError::Malformed(format!(
                            "log entry {} has command format v{v} but this build knows v{COMMAND_VERSION}",
                            entry.log_id
                        )))
                    } else {
                        Ok(())
                    }
                };
                check(env.v)?;
                if let Command::Batch(inner) = &env.command {
                    let mut each = Vec::with_capacity(inner.len());
                    for e in inner {
                        check(e.v)?;
                        each.push(replicated::apply(tx, e).await?);
                    }
                    outcomes.push(EntryOutcome::Batch(each));
                } else {
                    outcomes.push(EntryOutcome::One(replicated::apply(tx, env).await?));
                }
            }
            EntryPayload::Membership(m) => {
                membership = Some(StoredMembership::new(Some(entry.log_id), m.clone()));
                outcomes.push(EntryOutcome::One(CommandOutcome::Applied));
            }
        }
    }
    if let Some(id) = &last {
        write_meta(tx, META_APPLIED, &to_json(&Some(*id))?).await?;
    }
    if let Some(m) = &membership {
        write_meta(tx, META_MEMBERSHIP, &to_json(m)?).await?;
    }
    Ok((outcomes, last, membership))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn encode_meta<T: serde::Serialize>(value: &T) -> Result<String, StorageError<u64>> {
    serde_json::to_string(value).map_err(|e| sm_err(io::Error::other(e)))
}

fn decode_meta<T: serde::de::DeserializeOwned>(
    text: Option<String>,
) -> Result<Option<T>, StorageError<u64>> {
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| read_err(io::Error::other(format!("bad raft_sm_meta: {e}"))))
    })
    .transpose()
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<u64>>, Membership), StorageError<u64>> {
        Ok((self.applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<EntryOutcome>, StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry<TypeConfig>> = entries.into_iter().collect();
        let started = Instant::now();
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.apply_batch(&entries).await {
                Ok((outcomes, last, membership)) => {
                    if last.is_some() {
                        self.applied = last;
                    }
                    if let Some(m) = membership {
                        self.membership = m;
                    }
                    return Ok(outcomes);
                }
                // Bad data is fatal at once; a backend that does not answer gets retried for a
                // while (the health check yields leadership meanwhile), then is fatal too.
                Err(e) if matches!(e, StoreError::Malformed(_)) || e.is_corruption() => {
                    tracing::error!(error = %e, "FATAL: cannot apply raft entries");
                    return Err(sm_err(e));
                }
                Err(e) if started.elapsed() >= self.retry_for => {
                    tracing::error!(error = %e, "FATAL: backend DB failed applying raft entries for too long");
                    return Err(sm_err(e));
                }
                Err(e) => {
                    // The dedicated connection may be broken (MySQL restarted): take a new one.
                    *self.conn.get_mut() = None;
                    self.sqlite = None;
                    tracing::warn!(error = %e, "applying raft entries failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        SnapshotBuilder { store: self.store.clone(), snapshots: self.snapshots.clone() }
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<u64>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<u64>> {
        let data = snapshot.into_inner();
        // Keep the file first: if we crash before the DB commit, `open` restores it.
        let stored = StoredSnapshot { meta: meta.clone(), data };
        self.snapshots
            .write(&stored)
            .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        self.restore(meta, &stored.data).await?;
        tracing::info!(last = ?meta.last_log_id, "installed snapshot from leader");
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, StorageError<u64>> {
        let stored = self.snapshots.read().map_err(|e| StorageIOError::read_snapshot(None, &e))?;
        Ok(stored.map(|s| Snapshot { meta: s.meta, snapshot: Box::new(Cursor::new(s.data)) }))
    }
}

/// Builds a snapshot from a consistent read of the backend.
pub struct SnapshotBuilder {
    store: Store,
    snapshots: SnapshotFiles,
}

impl SnapshotBuilder {
    async fn read_consistent(
        &self,
    ) -> Result<(ReplicatedTables, Option<LogId<u64>>, Membership), StoreError> {
        let mut tx = self.store.pool().begin().await?;
        // Read bookkeeping and tables in one transaction so they describe the same point.
        let applied: Option<Option<LogId<u64>>> = read_meta(&mut tx, META_APPLIED)
            .await?
            .map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Malformed(e.to_string())))
            .transpose()?;
        let membership: Option<Membership> = read_meta(&mut tx, META_MEMBERSHIP)
            .await?
            .map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Malformed(e.to_string())))
            .transpose()?;
        let tables = replicated::dump(&mut tx).await?;
        tx.commit().await?;
        Ok((tables, applied.flatten(), membership.unwrap_or_default()))
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<u64>> {
        let (tables, last_log_id, last_membership) =
            self.read_consistent().await.map_err(read_err)?;
        let data = serde_json::to_vec(&SnapshotPayload { v: SNAPSHOT_VERSION, tables })
            .map_err(|e| StorageIOError::write_snapshot(None, &io::Error::other(e)))?;
        let snapshot_id = match &last_log_id {
            Some(id) => format!("{}-{}-{}", id.leader_id.term, id.leader_id.node_id, id.index),
            None => "empty".to_string(),
        };
        let meta = SnapshotMeta { last_log_id, last_membership, snapshot_id };
        let stored = StoredSnapshot { meta: meta.clone(), data };
        self.snapshots
            .write(&stored)
            .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        tracing::info!(last = ?meta.last_log_id, bytes = stored.data.len(), "built snapshot");
        Ok(Snapshot { meta, snapshot: Box::new(Cursor::new(stored.data)) })
    }
}
