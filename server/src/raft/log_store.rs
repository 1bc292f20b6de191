//! RaftLogStorage over an append-only file in `RaftDataDir`, separate from the backend DB.
//!
//! Entries live in memory (bounded: the log is purged behind snapshots) and in `raft-log.bin`;
//! the vote lives in `raft-vote.json`. Appends return at once and are acknowledged to raft by
//! the writer thread after fdatasync (see `log_writer`).

use std::fmt::Debug;
use std::io;
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{Entry, LogId, OptionalSend, RaftLogReader, StorageError, StorageIOError, Vote};
use thiserror::Error;

use super::log_disk::{LogDisk, OsDisk};
use super::log_file::{
    encode_entry, encode_purge, encode_seal, encode_truncate, LogContents, LogFileError,
};
use super::log_replay::replay;
use super::log_writer::{self, Done, WriteOp, WriterStats};
use super::TypeConfig;

use super::disk_state::VOTE_FILE;

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
    disk: Arc<dyn LogDisk>,
    vote: Arc<Mutex<Option<Vote<u64>>>>,
    stats: Arc<WriterStats>,
}

impl LogStore {
    /// Opens (or creates) the log in `dir`, replaying it and cutting a torn tail.
    pub fn open(dir: &Path) -> Result<Self, LogOpenError> {
        let disk = OsDisk::new(dir)
            .map_err(|source| LogOpenError::Io { dir: dir.to_path_buf(), source })?;
        Self::open_on(Arc::new(disk), dir)
    }

    /// Opens the log on any [`LogDisk`] (`dir` only names it in errors).
    pub fn open_on(disk: Arc<dyn LogDisk>, dir: &Path) -> Result<Self, LogOpenError> {
        let io_err = |source| LogOpenError::Io { dir: dir.to_path_buf(), source };
        let bytes = disk.read_log().map_err(io_err)?.unwrap_or_default();
        let replayed = replay(&bytes)
            .map_err(|source| LogOpenError::Corrupt { dir: dir.to_path_buf(), source })?;
        if replayed.valid_len < bytes.len() {
            tracing::warn!(
                at = replayed.valid_len,
                cut = bytes.len() - replayed.valid_len,
                "raft log ends with a torn final record (a crash during a write that was never acknowledged); cutting it off"
            );
        }
        disk.open_log(replayed.valid_len as u64).map_err(io_err)?;
        if !replayed.sealed {
            // A new file, or one from before seals: seal what is there before the first group.
            let mut seal = Vec::new();
            encode_seal(0, &bytes[..replayed.valid_len], &mut seal);
            disk.append_log(&seal).and_then(|_| disk.sync_log()).map_err(io_err)?;
        }
        let vote = match disk.read_vote().map_err(io_err)? {
            Some(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| {
                LogOpenError::BadVote { path: dir.join(VOTE_FILE), reason: e.to_string() }
            })?),
            None => None,
        };
        let contents = Arc::new(Mutex::new(replayed.contents));
        let stats = Arc::new(WriterStats::default());
        let writer =
            log_writer::spawn(disk.clone(), contents.clone(), stats.clone()).map_err(io_err)?;
        Ok(LogStore { contents, writer, disk, vote: Arc::new(Mutex::new(vote)), stats })
    }

    /// What the log holds: (last log id, last purged id, highest term of any retained entry).
    pub fn summary(&self) -> (Option<LogId<u64>>, Option<LogId<u64>>, u64) {
        let Ok(guard) = self.contents.lock() else { return (None, None, 0) };
        let last = guard.entries.values().next_back().map(|e| e.log_id).or(guard.last_purged);
        let max_term = guard.entries.values().map(|e| e.log_id.leader_id.term).max().unwrap_or(0);
        (last, guard.last_purged, max_term)
    }

    /// (appends received, fdatasync calls): group commit makes the second much smaller under load.
    pub fn write_stats(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.stats.appends.load(Relaxed), self.stats.syncs.load(Relaxed))
    }

    fn lock(&self) -> Result<MutexGuard<'_, LogContents>, StorageError<u64>> {
        self.contents
            .lock()
            .map_err(|_| StorageIOError::read_logs(&io::Error::other("log state poisoned")).into())
    }

    async fn marker(&self, bytes: Vec<u8>, purge: bool) -> io::Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(WriteOp { bytes, is_append: false, purge, done: Done::Waiter(tx) })
            .map_err(|_| io::Error::other("raft log writer has stopped"))?;
        rx.await.map_err(|_| io::Error::other("raft log writer has stopped"))?
    }

    /// Makes entries readable at once and queues them for the writer; `done` fires once durable.
    fn enqueue(
        &self,
        entries: impl IntoIterator<Item = Entry<TypeConfig>>,
        done: Done,
    ) -> Result<(), StorageError<u64>> {
        let mut bytes = Vec::new();
        {
            let mut guard = self.lock()?;
            for entry in entries {
                encode_entry(&entry, &mut bytes).map_err(|e| StorageIOError::write_logs(&e))?;
                guard.insert(entry);
            }
        }
        self.writer.send(WriteOp { bytes, is_append: true, purge: false, done }).map_err(|_| {
            StorageIOError::write_logs(&io::Error::other("raft log writer has stopped")).into()
        })
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

/// Entries of `range` that the log holds. What it returns is contiguous and starts at the range's
/// start or at the first retained entry: a gap inside the log is an error, never a shorter answer.
fn read_range(
    contents: &Mutex<LogContents>,
    range: impl RangeBounds<u64>,
) -> Result<Vec<Entry<TypeConfig>>, StorageError<u64>> {
    let guard = contents
        .lock()
        .map_err(|_| StorageIOError::read_logs(&io::Error::other("log state poisoned")))?;
    let entries: Vec<Entry<TypeConfig>> =
        guard.entries.range(range).map(|(_, e)| e.clone()).collect();
    if let Some(gap) = entries.windows(2).find(|w| w[1].log_id.index != w[0].log_id.index + 1) {
        let reason = format!(
            "raft log has a gap between {} and {}",
            gap[0].log_id.index, gap[1].log_id.index
        );
        return Err(StorageIOError::read_logs(&io::Error::other(reason)).into());
    }
    Ok(entries)
}

/// Entries `[start, end)` for replication: the whole range (up to openraft's size hint), or
/// nothing when `start` was purged or truncated meanwhile — never a shorter range that begins
/// elsewhere, which a follower would take for entries following its `prev_log_id`. (An empty
/// answer is a heartbeat to openraft; a deposed leader's stale replication task can ask for a
/// range it no longer has, and an error there would stop the raft core.) A gap is an error.
fn read_exact(
    contents: &Mutex<LogContents>,
    start: u64,
    end: u64,
) -> Result<Vec<Entry<TypeConfig>>, StorageError<u64>> {
    let purged = contents
        .lock()
        .map_err(|_| StorageIOError::read_logs(&io::Error::other("log state poisoned")))?
        .last_purged
        .map(|p| p.index);
    if purged.is_some_and(|p| start <= p) {
        tracing::debug!(start, end, ?purged, "replication asked for purged entries; sending none");
        return Ok(Vec::new());
    }
    let entries = read_range(contents, start..end)?;
    let first = entries.first().map(|e| e.log_id.index);
    if first.is_none() {
        // Truncated meanwhile (the stale task of a deposed leader): nothing to send.
        tracing::debug!(start, end, "replication asked for entries the log no longer has");
        return Ok(entries);
    }
    if start < end && first != Some(start) {
        let reason = format!(
            "raft log entries [{start}, {end}) requested but the log holds them from {}",
            first.map_or_else(|| "nowhere".to_string(), |f| f.to_string())
        );
        return Err(StorageIOError::read_logs(&io::Error::other(reason)).into());
    }
    Ok(entries)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<TypeConfig>>, StorageError<u64>> {
        read_range(&self.contents, range)
    }

    async fn limited_get_log_entries(
        &mut self,
        start: u64,
        end: u64,
    ) -> Result<Vec<Entry<TypeConfig>>, StorageError<u64>> {
        read_exact(&self.contents, start, end)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError<u64>> {
        let guard = self.lock()?;
        let last_purged_log_id = guard.last_purged;
        let last_log_id =
            guard.entries.values().next_back().map(|e| e.log_id).or(last_purged_log_id);
        Ok(LogState { last_purged_log_id, last_log_id })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError<u64>> {
        let bytes = serde_json::to_vec(vote).map_err(|e| StorageIOError::write_vote(&e))?;
        let disk = self.disk.clone();
        tokio::task::spawn_blocking(move || disk.write_vote(&bytes))
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

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError<u64>>
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
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(1, 1), index),
            payload: EntryPayload::Blank,
        }
    }

    #[tokio::test]
    async fn appends_queued_during_a_sync_share_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        // openraft issues appends without waiting for the previous flush; do the same.
        let waiters: Vec<_> =
            (1..=200).map(|i| store.append_detached(vec![entry(i)]).unwrap()).collect();
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
    async fn replication_reads_are_whole_or_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = LogStore::open(dir.path()).unwrap();
        store.append_detached((1..=10).map(entry).collect()).unwrap().await.unwrap().unwrap();
        store.purge(entry(4).log_id).await.unwrap();
        assert_eq!(store.limited_get_log_entries(5, 8).await.unwrap().len(), 3);
        // Asking for purged entries must not silently answer with the retained ones.
        assert!(store.limited_get_log_entries(2, 8).await.unwrap().is_empty());
        assert!(store.limited_get_log_entries(11, 12).await.unwrap().is_empty());
        // openraft's plain reader still answers with what exists (its contract allows it).
        assert_eq!(store.try_get_log_entries(0..100).await.unwrap().len(), 6);
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

    #[tokio::test]
    async fn a_log_from_before_seals_is_sealed_at_open_and_grows_in_sealed_groups() {
        let dir = tempfile::tempdir().unwrap();
        let mut legacy = Vec::new();
        for i in 1..=3 {
            encode_entry(&entry(i), &mut legacy).unwrap();
        }
        std::fs::write(dir.path().join(crate::raft::disk_state::LOG_FILE), &legacy).unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        store.append_detached(vec![entry(4)]).unwrap().await.unwrap().unwrap();
        drop(store);
        let bytes = std::fs::read(dir.path().join(crate::raft::disk_state::LOG_FILE)).unwrap();
        assert_eq!(&bytes[..legacy.len()], &legacy[..], "old records are kept as they were");
        let replayed = replay(&bytes).unwrap();
        assert!(replayed.sealed, "the file now ends with a seal");
        assert_eq!(replayed.valid_len, bytes.len());
        assert_eq!(replayed.contents.entries.len(), 4);
        let mut reopened = LogStore::open(dir.path()).unwrap();
        let state = reopened.get_log_state().await.unwrap();
        assert_eq!(state.last_log_id.map(|l| l.index), Some(4));
    }
}
