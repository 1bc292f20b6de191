//! Keeps the SQLite WAL bounded: a background task watches the WAL file's size and checkpoints
//! it (outside the state machine's commits) as soon as it outgrows a multiple of the database.
//!
//! PASSIVE checkpoints never block the writer; once all frames are in the database the next
//! write starts the WAL from its beginning, so its size stays near what is written between two
//! checkpoints. A TRUNCATE checkpoint (waiting at most 200 ms for readers) runs when readers kept
//! a PASSIVE one from completing, and every few seconds, so the file also shrinks.
//!
//! The watcher can lag behind a fast writer (it shares the CPU with it). The hard bound is kept
//! by the writer itself: after a commit that left the WAL past [`HARD_RATIO`] × the database
//! ([`over_hard_limit`]), the state machine checkpoints on its own connection before the next
//! batch. That happens only when the watcher fell behind, so it rarely costs a write anything.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Store;

/// How often the WAL's size is looked at (a `stat`).
const POLL: Duration = Duration::from_millis(20);
/// The WAL may reach this multiple of the database before a checkpoint.
const RATIO: u64 = 2;
/// ... but never needs checkpointing below this size.
const FLOOR: u64 = 128 * 1024;
/// Past this multiple of the database the writer checkpoints itself (the bound is 4×: one
/// batch of writes fits in the margin).
pub const HARD_RATIO: u64 = 3;
/// `journal_size_limit`: a WAL reset by a checkpoint shrinks back to [`FLOOR`] bytes.
pub const SIZE_LIMIT_PRAGMA: &str = "PRAGMA journal_size_limit=131072";
/// A TRUNCATE checkpoint at least this often while anything is in the WAL.
const TRUNCATE_EVERY: Duration = Duration::from_secs(5);

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn wal_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Whether the WAL beside `db` is past [`HARD_RATIO`] × the database (and past the floor).
pub fn over_hard_limit(db: &Path) -> bool {
    size(&wal_of(db)) > (size(db) * HARD_RATIO).max(FLOOR)
}

/// Runs until shutdown; returns at once for a MySQL backend.
pub async fn keep_bounded(store: Store, mut shutdown: watch::Receiver<bool>) {
    let Some(db) = store.sqlite_path().map(Path::to_path_buf) else { return };
    let wal = wal_of(&db);
    let mut last_truncate = Instant::now();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
        }
        let wal_size = size(&wal);
        if wal_size == 0 {
            continue;
        }
        let limit = (size(&db) * RATIO).max(FLOOR);
        let due = last_truncate.elapsed() >= TRUNCATE_EVERY;
        let result = if due || wal_size > limit * 2 {
            last_truncate = Instant::now();
            store.checkpoint(true).await
        } else if wal_size > limit {
            store.checkpoint(false).await
        } else {
            continue;
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "WAL checkpoint skipped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{over_hard_limit, wal_of, FLOOR, HARD_RATIO, SIZE_LIMIT_PRAGMA};

    #[test]
    fn size_limit_is_the_floor() {
        assert!(SIZE_LIMIT_PRAGMA.ends_with(&format!("={FLOOR}")));
    }

    #[test]
    fn hard_limit_is_a_multiple_of_the_database_above_a_floor() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("o.db");
        std::fs::write(&db, vec![0u8; 100 * 1024]).unwrap();
        assert!(!over_hard_limit(&db), "no WAL");
        std::fs::write(wal_of(&db), vec![0u8; FLOOR as usize]).unwrap();
        assert!(!over_hard_limit(&db), "below 3× a 100 KiB database");
        std::fs::write(wal_of(&db), vec![0u8; (100 * 1024 * HARD_RATIO + 1) as usize]).unwrap();
        assert!(over_hard_limit(&db));
    }
}
