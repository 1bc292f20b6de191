//! RaftLogStorage over an append-only file in `RaftDataDir`, separate from the backend DB.
//!
//! Entries live in memory (bounded: the log is purged behind snapshots) and in `raft-log.bin`;
//! the vote lives in `raft-vote.json`. Appends return at once and are acknowledged to raft by
//! the writer thread after fdatasync (see `log_writer`).

use std::fmt::Debug;
use std::fs::OpenOptions;
use std::io::{self, Read};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{Entry, LogId, OptionalSend, RaftLogReader, StorageError, StorageIOError, Vote};
use thiserror::Error;

use super::log_file::{encode_entry, encode_purge, encode_truncate, replay, LogContents, LogFileError};
use super::log_writer::{self, replace_durably, Done, WriteOp, WriterStats};
use super::TypeConfig;

const LOG_FILE: &str = "raft-log.bin";
const VOTE_FILE: &str = "raft-vote.json";

/// Why the raft log could not be opened.
#[derive(Debug, Error)]
pub enum LogOpenError {
    /// File system trouble (permissions, missing directory, ...).
    #[error("cannot open raft data in {dir}: {source}")]
    Io {
        /// The raft data directory.
        dir: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The log file is damaged.
    #[error("unreadable raft data in {dir}: {source}")]
    Corrupt {
        /// The raft data directory.
        dir: PathBuf,
        /// What is wrong.
        source: LogFileError,
    },
    /// The vote file is damaged.
    #[error("unreadable raft vote file {path}: {reason}")]
    BadVote {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The log store handed to openraft. Cloning shares the same log.
#[derive(Clone)]
pub struct LogStore {
    contents: Arc<Mutex<LogContents>>,
    writer: Sender<WriteOp>,
    vote_path: PathBuf,
    vote: Arc<Mutex<Option<Vote<u64>>>>,
    stats: Arc<WriterStats>,
}

impl LogStore {
    /// Opens (or creates) the log in `dir`, replaying it and cutting a torn tail.
    pub fn open(dir: &Path) -> Result<Self, LogOpenError> {
        let io_err = |source| LogOpenError::Io { dir: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io_err)?;
        let path = dir.join(LOG_FILE);
        let mut bytes = Vec::new();
        if path.exists() {
            std::fs::File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io_err)?;
        }
        let replayed = replay(&bytes).map_err(|source| LogOpenError::Corrupt { dir: dir.to_path_buf(), source })?;
        let file = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err)?;
        if replayed.valid_len < bytes.len() {
            tracing::warn!(
                cut = bytes.len() - replayed.valid_len,
                "raft log had a torn last record (crash during write); cutting it off"
            );
            file.set_len(replayed.valid_len as u64).and_then(|_| file.sync_all()).map_err(io_err)?;
        }
        let vote_path = dir.join(VOTE_FILE);
        let vote = read_vote_file(&vote_path)?;
        let contents = Arc::new(Mutex::new(replayed.contents));
        let stats = Arc::new(WriterStats::default());
        let writer = log_writer::spawn(path, file, contents.clone(), stats.clone()).map_err(io_err)?;
        Ok(LogStore { contents, writer, vote_path, vote: Arc::new(Mutex::new(vote)), stats })
    }

    /// (appends received, fdatasync calls): group commit makes the second much smaller under load.
    pub fn write_stats(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.stats.appends.load(Relaxed), self.stats.syncs.load(Relaxed))
    }

    fn lock(&self) -> Result<MutexGuard<'_, LogContents>, StorageError<u64>> {
        self.contents.lock().map_err(|_| StorageIOError::read_logs(&io::Error::other("log state poisoned")).into())
    }

    async fn marker(&self, bytes: Vec<u8>, purge: bool) -> io::Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(WriteOp { bytes, is_append: false, purge, done: Done::Waiter(tx) })
            .map_err(|_| io::Error::other("raft log writer has stopped"))?;
        rx.await.map_err(|_| io::Error::other("raft log writer has stopped"))?
    }

    /// Makes entries readable at once and queues them for the writer; `done` fires once durable.
    fn enqueue(&self, entries: impl IntoIterator<Item = Entry<TypeConfig>>, done: Done) -> Result<(), StorageError<u64>> {
        let mut bytes = Vec::new();
        {
            let mut guard = self.lock()?;
            for entry in entries {
                encode_entry(&entry, &mut bytes).map_err(|e| StorageIOError::write_logs(&e))?;
                guard.insert(entry);
            }
        }
        self.writer
            .send(WriteOp { bytes, is_append: true, purge: false, done })
            .map_err(|_| StorageIOError::write_logs(&io::Error::other("raft log writer has stopped")).into())
    }

    /// Appends without openraft's callback type, returning a receiver that completes when the
    /// entries are durable. The same path as raft's appends; used by tests and tools.
    pub fn append_detached(
        &self,
        entries: Vec<Entry<TypeConfig>>,
    ) -> Result<tokio::sync::oneshot::Receiver<io::Result<()>>, StorageError<u64>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.enqueue(entries, Done::Waiter(tx))?;
        Ok(rx)
    }
}

fn read_vote_file(path: &Path) -> Result<Option<Vote<u64>>, LogOpenError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| LogOpenError::BadVote { path: path.to_path_buf(), reason: e.to_string() }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LogOpenError::BadVote { path: path.to_path_buf(), reason: e.to_string() }),
    }
}

fn read_range(
    contents: &Mutex<LogContents>,
    range: impl RangeBounds<u64>,
) -> Result<Vec<Entry<TypeConfig>>, StorageError<u64>> {
    let guard = contents.lock().map_err(|_| StorageIOError::read_logs(&io::Error::other("log state poisoned")))?;
    Ok(guard.entries.range(range).map(|(_, e)| e.clone()).collect())
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<TypeConfig>>, StorageError<u64>> {
        read_range(&self.contents, range)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError<u64>> {
        let guard = self.lock()?;
        let last_purged_log_id = guard.last_purged;
        let last_log_id = guard.entries.values().next_back().map(|e| e.log_id).or(last_purged_log_id);
        Ok(LogState { last_purged_log_id, last_log_id })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError<u64>> {
        let bytes = serde_json::to_vec(vote).map_err(|e| StorageIOError::write_vote(&e))?;
        let path = self.vote_path.clone();
        tokio::task::spawn_blocking(move || replace_durably(&path, &bytes))
            .await
            .map_err(|e| StorageIOError::write_vote(&io::Error::other(e.to_string())))?
            .map_err(|e| StorageIOError::write_vote(&e))?;
        if let Ok(mut v) = self.vote.lock() {
            *v = Some(*vote);
        }
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError<u64>> {
        self.vote
            .lock()
            .map(|v| *v)
            .map_err(|_| StorageIOError::read_vote(&io::Error::other("vote state poisoned")).into())
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        self.enqueue(entries, Done::Raft(callback))
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        let mut bytes = Vec::new();
        encode_truncate(log_id.index, &mut bytes);
        self.lock()?.truncate(log_id.index);
        self.marker(bytes, false).await.map_err(|e| StorageIOError::write_logs(&e).into())
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        let mut bytes = Vec::new();
        encode_purge(&log_id, &mut bytes).map_err(|e| StorageIOError::write_logs(&e))?;
        self.lock()?.purge(log_id);
        self.marker(bytes, true).await.map_err(|e| StorageIOError::write_logs(&e).into())
    }
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, EntryPayload};

    use super::*;

    fn entry(index: u64) -> Entry<TypeConfig> {
        Entry { log_id: LogId::new(CommittedLeaderId::new(1, 1), index), payload: EntryPayload::Blank }
    }

    #[tokio::test]
    async fn appends_queued_during_a_sync_share_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        // openraft issues appends without waiting for the previous flush; do the same.
        let waiters: Vec<_> = (1..=200).map(|i| store.append_detached(vec![entry(i)]).unwrap()).collect();
        for w in waiters {
            w.await.unwrap().unwrap();
        }
        let (appends, syncs) = store.write_stats();
        assert_eq!(appends, 200);
        assert!(syncs * 2 <= appends, "group commit: {syncs} syncs for {appends} appends");
        drop(store);
        // Everything acknowledged is there after reopening.
        let mut reopened = LogStore::open(dir.path()).unwrap();
        let state = reopened.get_log_state().await.unwrap();
        assert_eq!(state.last_log_id.map(|l| l.index), Some(200));
    }

    #[tokio::test]
    async fn vote_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = LogStore::open(dir.path()).unwrap();
        let vote = Vote::new(7, 42);
        store.save_vote(&vote).await.unwrap();
        drop(store);
        let mut reopened = LogStore::open(dir.path()).unwrap();
        assert_eq!(reopened.read_vote().await.unwrap(), Some(vote));
    }
}
