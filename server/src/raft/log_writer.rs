//! The raft log's single writer thread: group commit (many appends, one fdatasync) and compaction.
//!
//! Appends arrive on a channel. The thread takes everything that is queued, writes it as one
//! sealed group (`log_file`) with one `write_all`, syncs once with `fdatasync`, and only then
//! completes every waiting callback. Under load many client commands therefore share one sync;
//! idle, a lone command pays exactly one.
//! After an I/O error the writer refuses everything that follows: the file's state is unknown and
//! raft must stop rather than acknowledge on top of it.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use openraft::storage::LogFlushed;

use super::log_disk::LogDisk;
use super::log_file::{encode_all, encode_seal, LogContents};
use super::TypeConfig;

/// Most operations folded into one sync.
const MAX_BATCH: usize = 4096;
/// Compact when the file is larger than this and mostly dead.
const COMPACT_MIN_BYTES: u64 = 32 * 1024 * 1024;

/// Who to tell when a write is durable (or failed).
pub enum Done {
    /// openraft's flush callback (appends).
    Raft(LogFlushed<TypeConfig>),
    /// A waiting task (truncate/purge markers, and direct appends).
    Waiter(tokio::sync::oneshot::Sender<io::Result<()>>),
}

impl Done {
    fn complete(self, result: io::Result<()>) {
        match self {
            Done::Raft(callback) => callback.log_io_completed(result),
            Done::Waiter(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

/// A unit of work for the writer: encoded records and who waits for their durability.
pub struct WriteOp {
    /// Encoded records.
    pub bytes: Vec<u8>,
    /// An append of entries (counted in the stats), as opposed to a truncate/purge marker.
    pub is_append: bool,
    /// A purge marker (compaction may follow).
    pub purge: bool,
    /// Completed after the bytes are durable.
    pub done: Done,
}

/// Counters of the writer: how many appends arrived and how many syncs served them.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Append operations received.
    pub appends: AtomicU64,
    /// fdatasync calls made.
    pub syncs: AtomicU64,
}

/// Starts the writer thread on `disk`, whose log file is open.
pub fn spawn(
    disk: Arc<dyn LogDisk>,
    contents: Arc<Mutex<LogContents>>,
    stats: Arc<WriterStats>,
) -> io::Result<Sender<WriteOp>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let offset = disk.log_len()?;
    std::thread::Builder::new()
        .name("raft-log-writer".into())
        .spawn(move || Writer { disk, contents, stats, offset, failed: None }.run(rx))?;
    Ok(tx)
}

struct Writer {
    disk: Arc<dyn LogDisk>,
    contents: Arc<Mutex<LogContents>>,
    stats: Arc<WriterStats>,
    /// Length of the log file: where the next group starts.
    offset: u64,
    failed: Option<(io::ErrorKind, String)>,
}

impl Writer {
    fn run(mut self, rx: Receiver<WriteOp>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            let result = self.write_batch(&batch);
            let mut purged = false;
            for op in batch {
                purged |= op.purge;
                let r = result
                    .as_ref()
                    .map(|_| ())
                    .map_err(|e| io::Error::new(e.kind(), e.to_string()));
                op.done.complete(r);
            }
            if purged && result.is_ok() {
                if let Err(e) = self.maybe_compact() {
                    tracing::error!(error = %e, "raft log compaction failed; log file left as it was");
                }
            }
        }
    }

    fn write_batch(&mut self, batch: &[WriteOp]) -> io::Result<()> {
        if let Some((kind, msg)) = &self.failed {
            return Err(io::Error::new(
                *kind,
                format!("raft log writer stopped after an earlier error: {msg}"),
            ));
        }
        let mut buf = Vec::new();
        for op in batch {
            if op.is_append {
                self.stats.appends.fetch_add(1, Ordering::Relaxed);
            }
            buf.extend_from_slice(&op.bytes);
        }
        let mut seal = Vec::new();
        encode_seal(self.offset, &buf, &mut seal);
        buf.extend_from_slice(&seal);
        let started = std::time::Instant::now();
        let result = self.disk.append_log(&buf).and_then(|_| {
            let written = started.elapsed();
            let synced = self.disk.sync_log();
            crate::metrics::record::raft_log_write(written, started.elapsed() - written);
            synced
        });
        if result.is_ok() {
            self.stats.syncs.fetch_add(1, Ordering::Relaxed);
            self.offset += buf.len() as u64;
        }
        if let Err(e) = &result {
            tracing::error!(error = %e, "raft log write failed");
            self.failed = Some((e.kind(), e.to_string()));
        }
        result
    }

    /// Rewrites the file with only the live entries when it has grown large and mostly dead.
    fn maybe_compact(&mut self) -> io::Result<()> {
        let size = self.disk.log_len()?;
        if size < COMPACT_MIN_BYTES {
            return Ok(());
        }
        let image = {
            let contents =
                self.contents.lock().map_err(|_| io::Error::other("raft log state poisoned"))?;
            encode_all(&contents).map_err(io::Error::other)?
        };
        if (image.len() as u64) * 2 > size {
            return Ok(());
        }
        self.disk.replace_log(&image)?;
        self.offset = image.len() as u64;
        tracing::info!(before = size, after = image.len(), "raft log compacted");
        Ok(())
    }
}
