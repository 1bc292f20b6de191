//! A member that lost its raft log rejoins without a say in elections until it has caught up.
//!
//! Raft counts on a member that acknowledged an entry to keep it: a quorum that committed an
//! entry always overlaps the quorum that elects the next leader. A node whose log was set aside
//! (`reset-raft-state`, or the automatic rejoin when its backend fell behind the purge point)
//! breaks that promise; if it voted at once, a node missing a committed entry could be elected
//! with its help and overwrite the entry. So such a node is marked *rejoining* (a file in
//! `RaftDataDir`, so the mark survives restarts): while marked it refuses every vote and does not
//! stand for election. It learns the leader's commit index from the first AppendEntries or
//! snapshot it accepts, and the mark is cleared once it has applied that far — from then on it
//! holds every entry committed before it came back, like any member.
//!
//! [`Inbox`] is the one entry point for inbound raft RPCs (the HTTP RPC server and the seeded
//! simulation both go through it).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use openraft::error::{InstallSnapshotError, RaftError};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::{BasicNode, RaftMetrics};
use tokio::sync::watch;

use super::log_disk::{sync_dir, write_durably};
use super::term_vote;
use super::{Raft, TypeConfig};

/// Marker file in `RaftDataDir` while the node is rejoining.
pub const MARKER: &str = "rejoining";

/// Whether this node is rejoining, and up to where it must catch up.
#[derive(Debug)]
pub struct Rejoin {
    marker: PathBuf,
    active: AtomicBool,
    /// The leader's commit index seen first while rejoining (`Some(None)`: nothing committed).
    target: Mutex<Option<Option<u64>>>,
}

impl Rejoin {
    /// Reads the mark in `dir`.
    pub fn load(dir: &Path) -> Arc<Self> {
        let marker = dir.join(MARKER);
        let active = marker.exists();
        if active {
            tracing::warn!(
                "this node lost its raft log and is rejoining: it neither votes nor stands for \
                 election until it has caught up with the leader"
            );
        }
        Arc::new(Rejoin { marker, active: AtomicBool::new(active), target: Mutex::new(None) })
    }

    /// Marks `dir` as rejoining (durably), before the node starts on its emptied log.
    pub fn mark(dir: &Path) -> io::Result<()> {
        let marker = dir.join(MARKER);
        write_durably(&marker, b"set aside raft log; refusing votes until caught up\n")?;
        sync_dir(&marker)
    }

    /// Whether the node is still rejoining.
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    fn observe_leader_commit(&self, commit: Option<u64>) {
        if !self.is_active() {
            return;
        }
        if let Ok(mut target) = self.target.lock() {
            if target.is_none() {
                tracing::info!(?commit, "rejoining: catching up to the leader's commit index");
                *target = Some(commit);
            }
        }
    }

    /// Clears the mark once `applied` reaches the target. True when it was cleared now.
    fn observe_applied(&self, applied: Option<u64>) -> bool {
        if !self.is_active() {
            return false;
        }
        let reached = match self.target.lock() {
            Ok(target) => target.is_some_and(|t| applied >= t),
            Err(_) => false,
        };
        if !reached {
            return false;
        }
        match std::fs::remove_file(&self.marker).and_then(|_| sync_dir(&self.marker)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot remove the rejoining mark; will retry");
                return false;
            }
        }
        self.active.store(false, Ordering::Relaxed);
        tracing::info!(?applied, "caught up with the leader: this node votes again");
        true
    }

    /// Follows `raft`'s metrics: keeps it from standing for election while rejoining, and lifts
    /// the mark once caught up. Ends when raft stops.
    pub async fn watch(self: Arc<Self>, raft: Raft) {
        if !self.is_active() {
            return;
        }
        raft.runtime_config().elect(false);
        let mut metrics: watch::Receiver<RaftMetrics<u64, BasicNode>> = raft.metrics();
        loop {
            let applied = metrics.borrow_and_update().last_applied.map(|l| l.index);
            if self.observe_applied(applied) {
                raft.runtime_config().elect(true);
                return;
            }
            if metrics.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Inbound raft RPCs of one node, through the rejoin guard and the one-leader-per-term rule.
#[derive(Clone)]
pub struct Inbox {
    raft: Raft,
    rejoin: Arc<Rejoin>,
    /// Held from reading this node's vote to raft's answer, so two vote requests of one term
    /// cannot both pass the term rule before either is granted.
    votes: Arc<tokio::sync::Mutex<()>>,
}

impl Inbox {
    /// The inbox of `raft`.
    pub fn new(raft: Raft, rejoin: Arc<Rejoin>) -> Self {
        Inbox { raft, rejoin, votes: Arc::new(tokio::sync::Mutex::new(())) }
    }

    /// The raft handle behind the inbox.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// AppendEntries; an accepted one tells a rejoining node how far to catch up.
    pub async fn append_entries(
        &self,
        req: AppendEntriesRequest<TypeConfig>,
    ) -> Result<AppendEntriesResponse<u64>, RaftError<u64>> {
        let commit = req.leader_commit.map(|l| l.index);
        let resp = self.raft.append_entries(req).await;
        if matches!(
            resp,
            Ok(AppendEntriesResponse::Success | AppendEntriesResponse::PartialSuccess(_))
        ) {
            self.rejoin.observe_leader_commit(commit);
        }
        resp
    }

    /// A snapshot chunk; the last one of an accepted snapshot tells a rejoining node how far to
    /// catch up.
    pub async fn install_snapshot(
        &self,
        req: InstallSnapshotRequest<TypeConfig>,
    ) -> Result<InstallSnapshotResponse<u64>, RaftError<u64, InstallSnapshotError>> {
        let last = (req.done).then(|| req.meta.last_log_id.map(|l| l.index));
        let resp = self.raft.install_snapshot(req).await;
        if let (Ok(_), Some(last)) = (&resp, last) {
            self.rejoin.observe_leader_commit(last);
        }
        resp
    }

    /// A vote request: refused while rejoining, or for a second candidate of a term
    /// ([`term_vote`]); else raft decides.
    pub async fn vote(&self, req: VoteRequest<u64>) -> Result<VoteResponse<u64>, RaftError<u64>> {
        if self.rejoin.is_active() {
            let vote = self.raft.metrics().borrow().vote;
            tracing::info!(candidate = %req.vote, "rejoining: vote refused");
            return Ok(VoteResponse { vote, vote_granted: false, last_log_id: None });
        }
        let _one_at_a_time = self.votes.lock().await;
        let me = self.raft.metrics().borrow().id;
        // Read inside the raft core, in order with the votes it already handled.
        let ours =
            self.raft.with_raft_state(|st| *st.vote_ref()).await.map_err(RaftError::Fatal)?;
        if term_vote::refuses(me, &ours, &req.vote) {
            tracing::info!(candidate = %req.vote, vote = %ours, "vote refused: this term already has a leader or a granted candidate");
            // openraft does not expose the full last log id; the candidate only uses it to
            // delay its next attempt.
            return Ok(VoteResponse { vote: ours, vote_granted: false, last_log_id: None });
        }
        self.raft.vote(req).await
    }
}
