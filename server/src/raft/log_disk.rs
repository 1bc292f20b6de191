//! The files behind the raft log and vote, as an interface: the operating system's in
//! `RaftDataDir` ([`OsDisk`]), or a simulated disk that loses and tears unsynced writes (the
//! seeded simulation in `server/tests/simulation`).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::disk_state::{LOG_FILE, VOTE_FILE};

/// What the log store and its writer thread need from storage.
pub trait LogDisk: Send + Sync + 'static {
    /// The whole log file, or `None` when it does not exist.
    fn read_log(&self) -> io::Result<Option<Vec<u8>>>;
    /// Creates the log file if missing and cuts it to `len` bytes, durably.
    fn open_log(&self, len: u64) -> io::Result<()>;
    /// Appends to the log file (durable only after [`LogDisk::sync_log`]).
    fn append_log(&self, bytes: &[u8]) -> io::Result<()>;
    /// Makes every append so far durable (fdatasync).
    fn sync_log(&self) -> io::Result<()>;
    /// Current size of the log file.
    fn log_len(&self) -> io::Result<u64>;
    /// Atomically and durably replaces the whole log file (compaction).
    fn replace_log(&self, image: &[u8]) -> io::Result<()>;
    /// The vote file, or `None` when it does not exist.
    fn read_vote(&self) -> io::Result<Option<Vec<u8>>>;
    /// Atomically and durably replaces the vote file.
    fn write_vote(&self, bytes: &[u8]) -> io::Result<()>;
}

/// The log and vote as files in a directory.
#[derive(Debug)]
pub struct OsDisk {
    dir: PathBuf,
    log: Mutex<Option<File>>,
}

impl OsDisk {
    /// Uses `dir` (created if missing).
    pub fn new(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(OsDisk { dir: dir.to_path_buf(), log: Mutex::new(None) })
    }

    fn with_log<T>(&self, f: impl FnOnce(&mut File) -> io::Result<T>) -> io::Result<T> {
        let mut guard =
            self.log.lock().map_err(|_| io::Error::other("raft log file handle poisoned"))?;
        match guard.as_mut() {
            Some(file) => f(file),
            None => Err(io::Error::other("raft log file is not open")),
        }
    }
}

fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match File::open(path) {
        Ok(mut f) => {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)?;
            Ok(Some(bytes))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl LogDisk for OsDisk {
    fn read_log(&self) -> io::Result<Option<Vec<u8>>> {
        read_optional(&self.dir.join(LOG_FILE))
    }

    fn open_log(&self, len: u64) -> io::Result<()> {
        let path = self.dir.join(LOG_FILE);
        let existed = path.exists();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        if file.metadata()?.len() != len {
            file.set_len(len)?;
        }
        file.sync_all()?;
        if !existed {
            sync_dir(&path)?;
        }
        let mut guard =
            self.log.lock().map_err(|_| io::Error::other("raft log file handle poisoned"))?;
        *guard = Some(file);
        Ok(())
    }

    fn append_log(&self, bytes: &[u8]) -> io::Result<()> {
        self.with_log(|f| f.write_all(bytes))
    }

    fn sync_log(&self) -> io::Result<()> {
        self.with_log(|f| f.sync_data())
    }

    fn log_len(&self) -> io::Result<u64> {
        self.with_log(|f| Ok(f.metadata()?.len()))
    }

    fn replace_log(&self, image: &[u8]) -> io::Result<()> {
        let path = self.dir.join(LOG_FILE);
        let tmp = path.with_extension("compact");
        write_durably(&tmp, image)?;
        std::fs::rename(&tmp, &path)?;
        sync_dir(&path)?;
        let file = OpenOptions::new().append(true).open(&path)?;
        let mut guard =
            self.log.lock().map_err(|_| io::Error::other("raft log file handle poisoned"))?;
        *guard = Some(file);
        Ok(())
    }

    fn read_vote(&self) -> io::Result<Option<Vec<u8>>> {
        read_optional(&self.dir.join(VOTE_FILE))
    }

    fn write_vote(&self, bytes: &[u8]) -> io::Result<()> {
        replace_durably(&self.dir.join(VOTE_FILE), bytes)
    }
}

/// Writes `bytes` to `path` and fsyncs it.
pub fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().create(true).write(true).truncate(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Fsyncs the directory holding `path`, so a rename in it is durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    File::open(dir)?.sync_all()
}

/// Atomically replaces `path` with `bytes` (write temp, fsync, rename, fsync dir).
pub fn replace_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    write_durably(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    sync_dir(path)
}
