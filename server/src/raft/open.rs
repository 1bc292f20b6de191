//! Opens raft's storage at start: lock `RaftDataDir`, check it against the backend, carry out
//! the verdict of [`disk_state::check`], then hand the log and state machine to raft.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use thiserror::Error;

use super::disk_state::{
    self, DirError, DirLock, DiskError, DiskFacts, Verdict, LOG_FILE, SNAPSHOT_DIR,
};
use super::log_store::{LogOpenError, LogStore};
use super::rejoin::Rejoin;
use super::snapshot_file::SnapshotFiles;
use super::state_machine::StateMachine;
use crate::store::{Store, StoreError};

/// Why raft's storage could not be opened; each is fatal at start.
#[derive(Debug, Error)]
pub enum OpenError {
    /// `RaftDataDir` is in use or unusable.
    #[error(transparent)]
    Dir(#[from] DirError),
    /// Raft state is partly missing or contradicts the backend.
    #[error("refusing to start: {0}")]
    State(#[from] DiskError),
    /// The log or vote cannot be read.
    #[error(transparent)]
    Log(#[from] LogOpenError),
    /// The backend could not be read or cleared.
    #[error(transparent)]
    Backend(#[from] StoreError),
    /// The state machine or the snapshot is unreadable.
    #[error("{0}")]
    StateMachine(String),
}

/// Raft storage ready for `Raft::new`, and the lock that keeps it ours while the node runs.
pub struct RaftStorage {
    /// Held until the node stops.
    pub lock: DirLock,
    /// The log.
    pub log: LogStore,
    /// The state machine over `store`.
    pub state_machine: StateMachine,
}

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Opens (and if needed repairs, or refuses) the raft state in `dir` over `store`.
pub async fn open(
    dir: &Path,
    store: &Store,
    retry_for: Duration,
) -> Result<RaftStorage, OpenError> {
    let lock = DirLock::acquire(dir)?;
    let files = disk_state::inspect(dir);
    let log = LogStore::open(dir)?;
    let (log_last, log_purged, log_max_term) = log.summary();
    let snapshot_last = SnapshotFiles::open(dir)
        .and_then(|s| s.read())
        .map_err(|e| {
            OpenError::StateMachine(format!("unreadable snapshot in {}: {e}", dir.display()))
        })?
        .and_then(|s| s.meta.last_log_id);
    let backend_applied = StateMachine::backend_applied(store).await.map_err(|e| {
        OpenError::StateMachine(format!("unreadable state machine bookkeeping: {e}"))
    })?;
    let facts =
        DiskFacts { files, log_last, log_purged, log_max_term, snapshot_last, backend_applied };
    let verdict = disk_state::check(&facts);
    tracing::info!(?facts, ?verdict, "raft state at start");
    let log = match verdict {
        Verdict::Start => log,
        Verdict::Refuse(e) => return Err(e.into()),
        Verdict::StartFresh { backend_had_state } => {
            if backend_had_state {
                tracing::warn!(
                    applied = ?backend_applied,
                    "RaftDataDir is empty but the backend holds replicated state of an earlier life: \
                     clearing it; this node rejoins as a new member and receives a snapshot from the leader"
                );
            }
            StateMachine::clear_backend(store).await?;
            if backend_had_state {
                // It had a history: it may have acknowledged entries it no longer holds.
                Rejoin::mark(dir)
                    .map_err(|source| DirError::Io { dir: dir.to_path_buf(), source })?;
            }
            if snapshot_last.is_some() {
                if let Some(aside) = disk_state::set_aside(dir, &[SNAPSHOT_DIR], unix_secs())? {
                    tracing::warn!(to = %aside.display(), "set aside a snapshot without log or vote");
                }
            }
            log
        }
        Verdict::RejoinBySnapshot => {
            tracing::warn!(
                purged = ?log_purged, applied = ?backend_applied.max(snapshot_last),
                "the backend is behind the raft log's purge point and no local snapshot bridges the gap: \
                 setting the log aside (the vote is kept) and rejoining by snapshot from the leader"
            );
            drop(log);
            Rejoin::mark(dir).map_err(|source| DirError::Io { dir: dir.to_path_buf(), source })?;
            StateMachine::clear_backend(store).await?;
            let aside = disk_state::set_aside(dir, &[LOG_FILE, SNAPSHOT_DIR], unix_secs())?;
            tracing::warn!(to = ?aside, "old raft log set aside");
            LogStore::open(dir)?
        }
    };
    let state_machine = StateMachine::open(store.clone(), dir, retry_for).await.map_err(|e| {
        OpenError::StateMachine(format!("unreadable state machine or snapshot: {e}"))
    })?;
    Ok(RaftStorage { lock, log, state_machine })
}
