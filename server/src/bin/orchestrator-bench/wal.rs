//! Samples the leader's SQLite WAL and database file sizes during a load phase, to show that
//! the WAL stays bounded (background TRUNCATE checkpoints, `journal_size_limit`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Largest WAL and database sizes seen.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalSizes {
    /// Largest `-wal` file size, bytes.
    pub wal_max: u64,
    /// Database file size at the largest WAL, bytes.
    pub db_at_max: u64,
    /// Database file size at the end, bytes.
    pub db_end: u64,
}

impl WalSizes {
    /// One line for the report.
    pub fn describe(&self) -> String {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let db = self.db_end.max(self.db_at_max).max(1);
        format!(
            "leader's SQLite WAL at most {:.1} MiB beside a {:.1} MiB database ({:.1}× the database; target ≤ 4×)",
            mib(self.wal_max),
            mib(db),
            self.wal_max as f64 / db as f64
        )
    }
}

/// A running sampler (every 50 ms) of `db` and `db-wal`.
pub struct WalSampler {
    stop: Arc<AtomicBool>,
    wal_max: Arc<AtomicU64>,
    db_at_max: Arc<AtomicU64>,
    db: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn wal_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

impl WalSampler {
    /// Starts sampling the SQLite file `db`.
    pub fn start(db: PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let wal_max = Arc::new(AtomicU64::new(0));
        let db_at_max = Arc::new(AtomicU64::new(0));
        let (s, w, d, path) = (stop.clone(), wal_max.clone(), db_at_max.clone(), db.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                let wal = size(&wal_of(&path));
                if wal > w.load(Ordering::Relaxed) {
                    w.store(wal, Ordering::Relaxed);
                    d.store(size(&path), Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        WalSampler { stop, wal_max, db_at_max, db, task }
    }

    /// Stops and returns what was seen.
    pub async fn finish(self) -> WalSizes {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        WalSizes {
            wal_max: self.wal_max.load(Ordering::Relaxed),
            db_at_max: self.db_at_max.load(Ordering::Relaxed),
            db_end: size(&self.db),
        }
    }
}
