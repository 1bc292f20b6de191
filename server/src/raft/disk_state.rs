//! What a node finds in `RaftDataDir` and its backend at start, and what it may do with it.
//!
//! Raft's safety rests on the log and the vote surviving together. A node whose state is wholly
//! gone (a new disk) may rejoin as a new member and be fed a snapshot; a node whose state is
//! partly gone must not guess. [`check`] is the one place that decides, as a pure function of
//! the facts [`inspect`] collects; `node::start` carries the verdict out before raft starts.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use openraft::LogId;
use thiserror::Error;

/// Raft log file name in `RaftDataDir`.
pub const LOG_FILE: &str = "raft-log.bin";
/// Vote file name in `RaftDataDir`.
pub const VOTE_FILE: &str = "raft-vote.json";
/// Snapshot directory name in `RaftDataDir`.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// Lock file held by the running node.
const LOCK_FILE: &str = "LOCK";

/// How an operator resynchronises a node whose raft state is refused.
pub const RESYNC_HINT: &str = "to rejoin with a fresh copy, stop the node and run \
`orchestrator --config <file> reset-raft-state`; it then rejoins by snapshot from the leader \
(docs/operations.md)";

/// Which files exist in `RaftDataDir` before anything is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RaftFiles {
    /// `raft-log.bin` exists.
    pub log: bool,
    /// `raft-vote.json` exists.
    pub vote: bool,
}

/// Everything [`check`] decides on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskFacts {
    /// Files present before start.
    pub files: RaftFiles,
    /// Last log id the log describes (last entry, else the last purged id).
    pub log_last: Option<LogId<u64>>,
    /// Last purged log id.
    pub log_purged: Option<LogId<u64>>,
    /// Highest term of any entry in the log (0 for the initial membership entry only).
    pub log_max_term: u64,
    /// Last log id of the local snapshot, if any.
    pub snapshot_last: Option<LogId<u64>>,
    /// Last applied log id recorded in the backend.
    pub backend_applied: Option<LogId<u64>>,
}

/// What to do before raft starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Consistent: start as usual.
    Start,
    /// `RaftDataDir` is empty: a new member. Any replicated state left in the backend belongs to
    /// an earlier life and is cleared; the leader sends a snapshot.
    StartFresh {
        /// The backend held applied state (worth a warning).
        backend_had_state: bool,
    },
    /// The log was purged past what the backend holds and no local snapshot bridges the gap:
    /// the log cannot rebuild the backend. The log is set aside (the vote is kept) and the
    /// backend cleared; the leader sends a snapshot.
    RejoinBySnapshot,
    /// Partly missing or contradictory state: refuse to start.
    Refuse(DiskError),
}

/// Why the node refuses to start; each names the missing part.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DiskError {
    /// Vote without log: the node would forget entries it acknowledged (raft amnesia).
    #[error("raft log {LOG_FILE} is missing from RaftDataDir but {VOTE_FILE} exists: this node would forget entries it acknowledged; {RESYNC_HINT}")]
    LogMissing,
    /// Log with entries of elected leaders but no vote: the node could vote twice in a term.
    #[error("raft vote {VOTE_FILE} is missing from RaftDataDir but {LOG_FILE} holds entries up to {0}: this node could vote twice in one term; {RESYNC_HINT}")]
    VoteMissing(String),
    /// The backend recorded entries the log never had.
    #[error("the backend database has applied raft entries up to {applied} but the raft log ends at {log}: they belong to a different history (a restored or swapped backend, or a lost log); {RESYNC_HINT}")]
    BackendAhead {
        /// Backend's last applied id.
        applied: String,
        /// Log's last id.
        log: String,
    },
}

fn show(id: &Option<LogId<u64>>) -> String {
    id.map_or_else(|| "nothing".to_string(), |l| l.to_string())
}

/// Decides what to do with the state found at start.
pub fn check(f: &DiskFacts) -> Verdict {
    match (f.files.log, f.files.vote) {
        (false, false) => {
            return Verdict::StartFresh { backend_had_state: f.backend_applied.is_some() }
        }
        (false, true) => return Verdict::Refuse(DiskError::LogMissing),
        // A crash during the very first start can leave the initial membership entry (term 0)
        // without a vote; anything an elected leader wrote needs the vote that came with it.
        (true, false) if f.log_max_term > 0 || f.log_purged.is_some() => {
            return Verdict::Refuse(DiskError::VoteMissing(show(&f.log_last)));
        }
        _ => {}
    }
    // The backend as it will be once the local snapshot (if newer) is restored into it.
    let applied = f.backend_applied.max(f.snapshot_last);
    if applied > f.log_last {
        // A crash between installing a snapshot and purging the log behind it leaves exactly
        // this, with the snapshot at the backend's position; openraft purges the log up to it.
        if f.snapshot_last == applied {
            return Verdict::Start;
        }
        return Verdict::Refuse(DiskError::BackendAhead {
            applied: show(&applied),
            log: show(&f.log_last),
        });
    }
    if f.log_purged.is_some() && applied < f.log_purged {
        return Verdict::RejoinBySnapshot;
    }
    Verdict::Start
}

/// Which raft files exist in `dir` (call before opening anything, which creates them).
pub fn inspect(dir: &Path) -> RaftFiles {
    RaftFiles { log: dir.join(LOG_FILE).exists(), vote: dir.join(VOTE_FILE).exists() }
}

/// Why the data directory could not be locked or reset.
#[derive(Debug, Error)]
pub enum DirError {
    /// Another process holds the lock.
    #[error("RaftDataDir {0} is in use by another orchestrator process (its LOCK file is held)")]
    InUse(PathBuf),
    /// File system trouble.
    #[error("cannot use RaftDataDir {dir}: {source}")]
    Io {
        /// The directory.
        dir: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// Exclusive use of `RaftDataDir` while the node (or `reset-raft-state`) runs.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Creates `dir` if needed and takes its lock, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<Self, DirError> {
        let io_err = |source| DirError::Io { dir: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io_err)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(DirError::InUse(dir.to_path_buf())),
            Err(TryLockError::Error(e)) => Err(io_err(e)),
        }
    }
}

/// Moves `names` (files or directories in `dir`) into a new `dir/discarded-<unix seconds>/`,
/// returning that folder, or `None` when none of them existed. Nothing is deleted: an operator
/// can inspect or remove the folder.
pub fn set_aside(dir: &Path, names: &[&str], unix_secs: u64) -> Result<Option<PathBuf>, DirError> {
    let io_err = |source| DirError::Io { dir: dir.to_path_buf(), source };
    let present: Vec<&&str> = names.iter().filter(|n| dir.join(n).exists()).collect();
    if present.is_empty() {
        return Ok(None);
    }
    let mut target = dir.join(format!("discarded-{unix_secs}"));
    let mut n = 1;
    while target.exists() {
        target = dir.join(format!("discarded-{unix_secs}-{n}"));
        n += 1;
    }
    std::fs::create_dir_all(&target).map_err(io_err)?;
    for name in present {
        std::fs::rename(dir.join(name), target.join(name)).map_err(io_err)?;
    }
    super::log_disk::sync_dir(&dir.join(LOG_FILE)).map_err(io_err)?;
    Ok(Some(target))
}

/// What `reset-raft-state` did in `RaftDataDir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetOutcome {
    /// Where the old files went (`None`: there were none).
    pub aside: Option<PathBuf>,
    /// The vote was readable and kept, so that this node cannot vote twice in a term it
    /// already voted in.
    pub vote_kept: bool,
}

/// `reset-raft-state` (caller holds the [`DirLock`]): sets the log and snapshots aside, keeps a
/// readable vote beside a new empty log (an unreadable one is set aside too). The caller then
/// clears the backend's replicated state; the node rejoins by snapshot from the leader.
pub fn reset(dir: &Path, unix_secs: u64) -> Result<ResetOutcome, DirError> {
    let io_err = |source| DirError::Io { dir: dir.to_path_buf(), source };
    let vote_ok = std::fs::read(dir.join(VOTE_FILE))
        .ok()
        .is_some_and(|b| serde_json::from_slice::<openraft::Vote<u64>>(&b).is_ok());
    let mut names = vec![LOG_FILE, SNAPSHOT_DIR];
    if !vote_ok {
        names.push(VOTE_FILE);
    }
    let aside = set_aside(dir, &names, unix_secs)?;
    if vote_ok {
        super::log_disk::write_durably(&dir.join(LOG_FILE), &[]).map_err(io_err)?;
        super::log_disk::sync_dir(&dir.join(LOG_FILE)).map_err(io_err)?;
    }
    Ok(ResetOutcome { aside, vote_kept: vote_ok })
}

#[cfg(test)]
mod tests {
    use openraft::CommittedLeaderId;

    use super::*;

    fn id(term: u64, index: u64) -> Option<LogId<u64>> {
        Some(LogId::new(CommittedLeaderId::new(term, 1), index))
    }

    fn both() -> RaftFiles {
        RaftFiles { log: true, vote: true }
    }

    #[test]
    fn an_empty_dir_is_a_new_member_whatever_the_backend_holds() {
        let mut f = DiskFacts::default();
        assert_eq!(check(&f), Verdict::StartFresh { backend_had_state: false });
        f.backend_applied = id(3, 400);
        assert_eq!(check(&f), Verdict::StartFresh { backend_had_state: true });
    }

    #[test]
    fn a_vote_without_its_log_is_refused() {
        let f = DiskFacts {
            files: RaftFiles { log: false, vote: true },
            backend_applied: id(2, 9),
            ..Default::default()
        };
        let Verdict::Refuse(e) = check(&f) else { panic!("expected a refusal") };
        assert_eq!(e, DiskError::LogMissing);
        assert!(
            e.to_string().contains("raft-log.bin is missing")
                && e.to_string().contains("reset-raft-state")
        );
    }

    #[test]
    fn a_log_without_its_vote_is_refused_unless_only_the_initial_entry_was_written() {
        let mut f = DiskFacts {
            files: RaftFiles { log: true, vote: false },
            log_last: id(0, 0),
            log_max_term: 0,
            ..Default::default()
        };
        assert_eq!(check(&f), Verdict::Start);
        f.log_last = id(4, 80);
        f.log_max_term = 4;
        let Verdict::Refuse(e) = check(&f) else { panic!("expected a refusal") };
        assert!(e.to_string().contains("raft-vote.json is missing"), "{e}");
    }

    #[test]
    fn a_backend_ahead_of_the_log_is_refused_unless_a_snapshot_install_was_interrupted() {
        let mut f = DiskFacts {
            files: both(),
            log_last: id(2, 50),
            log_max_term: 2,
            backend_applied: id(3, 90),
            ..Default::default()
        };
        assert!(matches!(check(&f), Verdict::Refuse(DiskError::BackendAhead { .. })));
        f.snapshot_last = id(3, 90);
        assert_eq!(check(&f), Verdict::Start);
    }

    #[test]
    fn a_backend_behind_the_purge_point_rejoins_by_snapshot_unless_the_local_snapshot_bridges() {
        let mut f = DiskFacts {
            files: both(),
            log_last: id(5, 900),
            log_purged: id(5, 800),
            log_max_term: 5,
            backend_applied: None,
            ..Default::default()
        };
        assert_eq!(check(&f), Verdict::RejoinBySnapshot);
        f.snapshot_last = id(5, 800);
        assert_eq!(check(&f), Verdict::Start);
        f.snapshot_last = None;
        f.backend_applied = id(5, 850);
        assert_eq!(check(&f), Verdict::Start);
    }

    #[test]
    fn the_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let held = DirLock::acquire(dir.path()).unwrap();
        assert!(matches!(DirLock::acquire(dir.path()), Err(DirError::InUse(_))));
        drop(held);
        assert!(DirLock::acquire(dir.path()).is_ok());
    }

    #[test]
    fn reset_sets_the_log_aside_and_keeps_a_readable_vote() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOG_FILE), b"x").unwrap();
        std::fs::write(
            dir.path().join(VOTE_FILE),
            serde_json::to_vec(&openraft::Vote::new(3u64, 9u64)).unwrap(),
        )
        .unwrap();
        let out = reset(dir.path(), 7).unwrap();
        assert!(out.vote_kept);
        let aside = out.aside.unwrap();
        assert!(aside.join(LOG_FILE).exists() && !aside.join(VOTE_FILE).exists());
        assert_eq!(inspect(dir.path()), RaftFiles { log: true, vote: true });
        assert_eq!(std::fs::read(dir.path().join(LOG_FILE)).unwrap().len(), 0);
        // An unreadable vote goes aside too: the node then starts as a new member.
        std::fs::write(dir.path().join(VOTE_FILE), b"{garbage").unwrap();
        let out = reset(dir.path(), 8).unwrap();
        assert!(!out.vote_kept && out.aside.unwrap().join(VOTE_FILE).exists());
        assert_eq!(inspect(dir.path()), RaftFiles::default());
    }
}
