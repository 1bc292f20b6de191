//! `SimDisk`: an in-memory `LogDisk` that loses, tears or reorders unsynced appends on a crash.
//!
//! The medium (durable log bytes, unsynced appends, the vote) outlives crashes; each process
//! life gets its own handle, and a crash retires the handle: whatever the dead process's writer
//! thread still does afterwards fails and reaches nothing. Vote writes and log replacements are
//! atomic and durable (fsync + rename on a real disk); `open_log` syncs (set_len + fsync).

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;
use server::raft::disk_state::RaftFiles;
use server::raft::log_disk::LogDisk;

/// What survived of the unsynced appends at a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashKind {
    /// Nothing was pending.
    Clean,
    /// Every pending byte reached the disk (the page cache was written back in time).
    KeptAll,
    /// Every pending byte was lost.
    Dropped,
    /// A prefix survived, possibly followed by zeros or garbage.
    Torn,
    /// A later block survived while an earlier one reads back as zeros.
    Reordered,
}

/// A crash's effect on the log, for the trace and the statistics.
#[derive(Debug, Clone)]
pub struct CrashReport {
    /// What happened to the pending bytes.
    pub kind: CrashKind,
    /// A readable account.
    pub detail: String,
}

#[derive(Debug, Default)]
struct Media {
    /// Durable log bytes; `None`: the file does not exist.
    log: Option<Vec<u8>>,
    /// Appended but not yet synced (they follow `log`).
    pending: Vec<u8>,
    /// The vote file.
    vote: Option<Vec<u8>>,
}

/// The simulated medium behind one node's raft log and vote.
#[derive(Debug)]
pub struct SimMedia {
    state: Mutex<Media>,
    /// The live handle's generation; older handles are dead processes.
    generation: AtomicU64,
    /// How long a `sync_log` takes (widens the window in which a crash finds unsynced bytes).
    fsync: Duration,
}

/// A process's handle on the medium.
#[derive(Debug)]
pub struct SimDisk {
    media: Arc<SimMedia>,
    generation: u64,
}

fn dead() -> io::Error {
    io::Error::other("simulated crash: this process is dead")
}

impl SimMedia {
    /// An empty medium whose syncs take `fsync`.
    pub fn new(fsync: Duration) -> Arc<Self> {
        Arc::new(SimMedia {
            state: Mutex::new(Media::default()),
            generation: AtomicU64::new(0),
            fsync,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Media> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A handle for a new process life.
    pub fn handle(self: &Arc<Self>) -> Arc<SimDisk> {
        Arc::new(SimDisk {
            media: self.clone(),
            generation: self.generation.load(Ordering::SeqCst),
        })
    }

    /// Which raft files exist (what `disk_state::inspect` sees on a real directory).
    pub fn files(&self) -> RaftFiles {
        let m = self.lock();
        RaftFiles { log: m.log.is_some(), vote: m.vote.is_some() }
    }

    /// Durable length of the log (after a crash, what the next process reads).
    pub fn durable_len(&self) -> usize {
        self.lock().log.as_ref().map_or(0, Vec::len)
    }

    /// What an operator's `reset-raft-state` leaves: an empty log beside the kept vote.
    pub fn reset_log(&self) {
        let mut m = self.lock();
        m.log = Some(Vec::new());
        m.pending.clear();
    }
}

impl SimDisk {
    fn live(&self) -> io::Result<MutexGuard<'_, Media>> {
        let guard = self.media.lock();
        if self.media.generation.load(Ordering::SeqCst) != self.generation {
            return Err(dead());
        }
        Ok(guard)
    }

    /// The process dies: this handle (and any older one) stops working, and the pending appends
    /// are dropped, kept, torn or reordered as `rng` decides.
    pub fn crash(&self, rng: &mut StdRng) -> CrashReport {
        let mut m = self.media.lock();
        self.media.generation.fetch_add(1, Ordering::SeqCst);
        let pending = std::mem::take(&mut m.pending);
        let base = m.log.as_ref().map_or(0, Vec::len);
        let Some(log) = m.log.as_mut() else {
            return CrashReport { kind: CrashKind::Clean, detail: "no log file".into() };
        };
        let n = pending.len();
        if n == 0 {
            return CrashReport { kind: CrashKind::Clean, detail: "nothing unsynced".into() };
        }
        let roll = rng.random_range(0..100);
        let (kind, detail) = if roll < 20 {
            log.extend_from_slice(&pending);
            (CrashKind::KeptAll, format!("all {n} unsynced bytes survived"))
        } else if roll < 45 {
            (CrashKind::Dropped, format!("{n} unsynced bytes lost"))
        } else if roll < 80 || !reorderable(base, n) {
            let keep = rng.random_range(0..n);
            log.extend_from_slice(&pending[..keep]);
            let tail = match rng.random_range(0..3) {
                0 => String::new(),
                1 => {
                    let zeros = rng.random_range(1..=(n - keep).max(1) + 64);
                    log.resize(log.len() + zeros, 0);
                    format!(" + {zeros} zero bytes")
                }
                _ => {
                    let junk = rng.random_range(1..=64);
                    log.extend((0..junk).map(|_| rng.random::<u8>()));
                    format!(" + {junk} garbage bytes")
                }
            };
            (CrashKind::Torn, format!("torn: kept {keep}/{n} unsynced bytes{tail}"))
        } else {
            // Blocks aligned on file offsets, as a disk writes them back; block `hole` reads as
            // zeros while every block up to `last` (a later one) reached the medium.
            let mut blocks = blocks_of(base, n, if rng.random_bool(0.5) { 64 } else { 512 });
            if blocks.len() < 2 {
                blocks = blocks_of(base, n, 64);
            }
            let last = rng.random_range(1..blocks.len());
            let hole = rng.random_range(0..last);
            let mut image = pending[..blocks[last].1].to_vec();
            for b in &mut image[blocks[hole].0..blocks[hole].1] {
                *b = 0;
            }
            log.extend_from_slice(&image);
            let (from, to) = blocks[hole];
            (
                CrashKind::Reordered,
                format!(
                    "reordered: {} of {n} unsynced bytes survived, bytes {from}..{to} zeroed",
                    image.len()
                ),
            )
        };
        CrashReport { kind, detail }
    }
}

/// Whether `n` pending bytes at file offset `base` span at least two 64-byte blocks.
fn reorderable(base: usize, n: usize) -> bool {
    blocks_of(base, n, 64).len() >= 2
}

/// The pending region `[0, n)` (at file offset `base`) cut at multiples of `block` in the file.
fn blocks_of(base: usize, n: usize, block: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let end = ((base + start) / block + 1) * block - base;
        let end = end.min(n);
        out.push((start, end));
        start = end;
    }
    out
}

impl LogDisk for SimDisk {
    fn read_log(&self) -> io::Result<Option<Vec<u8>>> {
        let m = self.live()?;
        Ok(m.log.as_ref().map(|log| [log.as_slice(), m.pending.as_slice()].concat()))
    }

    fn open_log(&self, len: u64) -> io::Result<()> {
        let mut m = self.live()?;
        let pending = std::mem::take(&mut m.pending);
        let log = m.log.get_or_insert_with(Vec::new);
        log.extend_from_slice(&pending);
        log.resize(len as usize, 0);
        Ok(())
    }

    fn append_log(&self, bytes: &[u8]) -> io::Result<()> {
        let mut m = self.live()?;
        if m.log.is_none() {
            return Err(io::Error::other("raft log file is not open"));
        }
        m.pending.extend_from_slice(bytes);
        Ok(())
    }

    fn sync_log(&self) -> io::Result<()> {
        drop(self.live()?);
        std::thread::sleep(self.media.fsync);
        let mut m = self.live()?;
        let pending = std::mem::take(&mut m.pending);
        m.log.get_or_insert_with(Vec::new).extend_from_slice(&pending);
        Ok(())
    }

    fn log_len(&self) -> io::Result<u64> {
        let m = self.live()?;
        Ok((m.log.as_ref().map_or(0, Vec::len) + m.pending.len()) as u64)
    }

    fn replace_log(&self, image: &[u8]) -> io::Result<()> {
        let mut m = self.live()?;
        m.log = Some(image.to_vec());
        m.pending.clear();
        Ok(())
    }

    fn read_vote(&self) -> io::Result<Option<Vec<u8>>> {
        Ok(self.live()?.vote.clone())
    }

    fn write_vote(&self, bytes: &[u8]) -> io::Result<()> {
        self.live()?.vote = Some(bytes.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn synced_bytes_survive_every_crash_and_unsynced_ones_may_not() {
        for seed in 0..200 {
            let media = SimMedia::new(Duration::ZERO);
            let disk = media.handle();
            disk.open_log(0).unwrap();
            disk.append_log(&[7u8; 300]).unwrap();
            disk.sync_log().unwrap();
            disk.append_log(&[9u8; 700]).unwrap();
            let report = disk.crash(&mut StdRng::seed_from_u64(seed));
            assert!(disk.append_log(b"x").is_err(), "a dead handle must not write");
            let after = media.handle().read_log().unwrap().unwrap();
            assert_eq!(&after[..300], &[7u8; 300][..], "seed {seed}: {report:?}");
            if report.kind == CrashKind::Reordered {
                assert!(after[300..].contains(&0) && after[300..].contains(&9), "{report:?}");
            }
        }
    }
}
