//! One simulated node: its lives (start, crash, restart) over a `SimDisk` and a real backend.
//!
//! Start mirrors `server::raft::open::open` (which needs the OS disk): open the log, gather the
//! `DiskFacts`, carry out `disk_state::check`'s verdict. Where a real node would stop and wait
//! for an operator (a corrupt log, a refused start), the simulation does what the operator
//! does — `reset-raft-state`: keep the vote, empty the log, clear the backend, drop the
//! snapshot — and starts again; the trace records it. The real `StateMachine` runs behind a
//! fence that a crash closes, so a dead process never commits to SQLite afterwards.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openraft::error::{InitializeError, RaftError};
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    BasicNode, Entry, LogId, OptionalSend, RaftMetrics, RaftSnapshotBuilder, ServerState,
    SnapshotMeta, StorageError, StorageIOError, StoredMembership,
};
use rand::rngs::StdRng;
use server::raft::disk_state::{self, DiskFacts, Verdict, SNAPSHOT_DIR};
use server::raft::log_store::{LogOpenError, LogStore};
use server::raft::rejoin::{Inbox, Rejoin};
use server::raft::snapshot_file::SnapshotFiles;
use server::raft::state_machine::{SnapshotBuilder, StateMachine};
use server::raft::{EntryOutcome, Raft, TypeConfig};
use server::store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::disk::{CrashKind, CrashReport, SimMedia};
use crate::net::{SimNet, IDS};
use crate::trace::{AppliedIds, Counters, LeadersByTerm, Trace};

/// What every node of a run shares.
#[derive(Clone)]
pub struct Ctx {
    /// The network.
    pub net: SimNet,
    /// Raft settings.
    pub config: Arc<openraft::Config>,
    /// The run's trace.
    pub trace: Trace,
    /// The run's counters.
    pub counters: Arc<Counters>,
    /// Leaders seen per term.
    pub leaders: LeadersByTerm,
    /// Log ids applied, by index and node.
    pub applied: AppliedIds,
}

/// Closed by a crash: afterwards the dead process's state machine commits nothing.
struct Fence {
    alive: AtomicBool,
    busy: tokio::sync::Mutex<()>,
}

impl Fence {
    async fn enter(&self) -> Result<tokio::sync::MutexGuard<'_, ()>, StorageError<u64>> {
        let guard = self.busy.lock().await;
        if !self.alive.load(Ordering::SeqCst) {
            return Err(StorageIOError::write_state_machine(&std::io::Error::other(
                "simulated crash",
            ))
            .into());
        }
        Ok(guard)
    }

    /// Closes the fence and waits for the state machine call in progress, if any.
    async fn close(&self) {
        self.alive.store(false, Ordering::SeqCst);
        drop(self.busy.lock().await);
    }
}

/// The real state machine behind the fence; records applied log ids, counts snapshots.
pub struct FencedSm {
    inner: StateMachine,
    fence: Arc<Fence>,
    counters: Arc<Counters>,
    trace: Trace,
    applied: AppliedIds,
    id: u64,
}

/// The real snapshot builder behind the fence.
pub struct FencedBuilder {
    inner: SnapshotBuilder,
    fence: Arc<Fence>,
}

impl RaftSnapshotBuilder<TypeConfig> for FencedBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<u64>> {
        let _open = self.fence.enter().await?;
        self.inner.build_snapshot().await
    }
}

type Membership = StoredMembership<u64, BasicNode>;

impl RaftStateMachine<TypeConfig> for FencedSm {
    type SnapshotBuilder = FencedBuilder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<u64>>, Membership), StorageError<u64>> {
        self.inner.applied_state().await
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<EntryOutcome>, StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry<TypeConfig>> = entries.into_iter().collect();
        let ids: Vec<LogId<u64>> = entries.iter().map(|e| e.log_id).collect();
        let _open = self.fence.enter().await?;
        let outcomes = self.inner.apply(entries).await?;
        let mut applied = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            applied.entry(id.index).or_default().entry(id).or_default().insert(self.id);
        }
        Ok(outcomes)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        FencedBuilder { inner: self.inner.get_snapshot_builder().await, fence: self.fence.clone() }
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<u64>> {
        self.inner.begin_receiving_snapshot().await
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<u64>> {
        let _open = self.fence.enter().await?;
        self.inner.install_snapshot(meta, snapshot).await?;
        Counters::bump(&self.counters.snapshots_installed);
        self.trace.log(format!(
            "n{} installed a snapshot up to {:?}",
            self.id,
            meta.last_log_id.map(|l| l.index)
        ));
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, StorageError<u64>> {
        self.inner.get_current_snapshot().await
    }
}

/// A running process of a node.
pub struct Life {
    /// The raft handle.
    pub raft: Raft,
    disk: Arc<crate::disk::SimDisk>,
    fence: Arc<Fence>,
    watcher: JoinHandle<()>,
}

/// A node: its medium, raft directory (snapshots) and backend survive its lives.
pub struct SimNode {
    /// Raft node id.
    pub id: u64,
    dir: PathBuf,
    /// The backend (a SQLite file).
    pub store: Store,
    media: Arc<SimMedia>,
    life: u64,
    /// The running process, if up.
    pub live: Option<Life>,
}

/// The membership every node initializes with.
pub fn members() -> BTreeMap<u64, BasicNode> {
    IDS.iter().map(|id| (*id, BasicNode::new(format!("sim-{id}")))).collect()
}

impl SimNode {
    /// A node that has never run.
    pub fn new(id: u64, dir: PathBuf, store: Store, fsync: Duration) -> Self {
        SimNode { id, dir, store, media: SimMedia::new(fsync), life: 0, live: None }
    }

    /// Starts a process of this node (repairing or resetting its state as `open` and an
    /// operator would) and joins it to the network.
    pub async fn start(&mut self, ctx: &Ctx) -> Result<(), String> {
        self.life += 1;
        let id = self.id;
        let log = self.open_log(ctx).await?;
        let sm = StateMachine::open(self.store.clone(), &self.dir, Duration::from_secs(5))
            .await
            .map_err(|e| format!("n{id}: state machine does not open: {e}"))?;
        let fence =
            Arc::new(Fence { alive: AtomicBool::new(true), busy: tokio::sync::Mutex::new(()) });
        let sm = FencedSm {
            inner: sm,
            fence: fence.clone(),
            counters: ctx.counters.clone(),
            trace: ctx.trace.clone(),
            applied: ctx.applied.clone(),
            id,
        };
        let raft = Raft::new(id, ctx.config.clone(), ctx.net.factory(id, self.life), log.0, sm)
            .await
            .map_err(|e| format!("n{id}: Raft::new failed: {e}"))?;
        let watcher = tokio::spawn(watch_leaders(raft.metrics(), ctx.leaders.clone()));
        let rejoin = Rejoin::load(&self.dir);
        tokio::spawn(rejoin.clone().watch(raft.clone()));
        ctx.net.up(id, self.life, Inbox::new(raft.clone(), rejoin));
        initialize_if_pristine(&raft).await.map_err(|e| format!("n{id}: {e}"))?;
        self.live = Some(Life { raft, disk: log.1, fence, watcher });
        Ok(())
    }

    /// Opens the log on a fresh handle and carries out the start verdict.
    async fn open_log(
        &mut self,
        ctx: &Ctx,
    ) -> Result<(LogStore, Arc<crate::disk::SimDisk>), String> {
        let id = self.id;
        let files = self.media.files();
        let disk = self.media.handle();
        let log = match LogStore::open_on(disk.clone(), &self.dir) {
            Ok(log) => log,
            Err(e @ LogOpenError::Corrupt { .. }) => {
                ctx.trace.log(format!("n{id} does not start: {e}"));
                return self.operator_reset(ctx, disk).await;
            }
            Err(e) => return Err(format!("n{id}: log does not open: {e}")),
        };
        let (log_last, log_purged, log_max_term) = log.summary();
        let snapshot_last = SnapshotFiles::open(&self.dir)
            .and_then(|s| s.read())
            .map_err(|e| format!("n{id}: unreadable snapshot: {e}"))?
            .and_then(|s| s.meta.last_log_id);
        let backend_applied = StateMachine::backend_applied(&self.store)
            .await
            .map_err(|e| format!("n{id}: unreadable backend bookkeeping: {e}"))?;
        let facts =
            DiskFacts { files, log_last, log_purged, log_max_term, snapshot_last, backend_applied };
        match disk_state::check(&facts) {
            Verdict::Start => {
                let show = |l: Option<LogId<u64>>| l.map_or("-".to_string(), |l| l.to_string());
                ctx.trace.log(format!(
                    "n{id} starts: log to {}, purged to {}, backend at {}, snapshot at {}",
                    show(log_last),
                    show(log_purged),
                    show(backend_applied),
                    show(snapshot_last)
                ));
                Ok((log, disk))
            }
            Verdict::StartFresh { backend_had_state } => {
                ctx.trace
                    .log(format!("n{id} starts fresh (backend had state: {backend_had_state})"));
                if backend_had_state {
                    Rejoin::mark(&self.dir).map_err(|e| format!("n{id}: mark rejoining: {e}"))?;
                }
                StateMachine::clear_backend(&self.store)
                    .await
                    .map_err(|e| format!("n{id}: clear backend: {e}"))?;
                remove_snapshots(&self.dir)?;
                Ok((log, disk))
            }
            Verdict::RejoinBySnapshot => {
                ctx.trace.log(format!("n{id} rejoins by snapshot ({facts:?})"));
                Counters::bump(&ctx.counters.rejoins);
                drop(log);
                self.wipe(disk).await
            }
            Verdict::Refuse(e) => {
                ctx.trace.log(format!("n{id} refuses to start: {e} ({facts:?})"));
                drop(log);
                self.operator_reset(ctx, disk).await
            }
        }
    }

    /// `reset-raft-state` and a restart.
    async fn operator_reset(
        &mut self,
        ctx: &Ctx,
        disk: Arc<crate::disk::SimDisk>,
    ) -> Result<(LogStore, Arc<crate::disk::SimDisk>), String> {
        Counters::bump(&ctx.counters.resets);
        ctx.trace.log(format!(
            "n{}: operator runs reset-raft-state (vote kept, log emptied, backend cleared)",
            self.id
        ));
        self.wipe(disk).await
    }

    /// Empties the log (keeping the vote), clears the backend and drops the snapshot.
    async fn wipe(
        &mut self,
        disk: Arc<crate::disk::SimDisk>,
    ) -> Result<(LogStore, Arc<crate::disk::SimDisk>), String> {
        let id = self.id;
        // As `reset-raft-state` and the automatic rejoin do: no vote until caught up.
        Rejoin::mark(&self.dir).map_err(|e| format!("n{id}: mark rejoining: {e}"))?;
        self.media.reset_log();
        StateMachine::clear_backend(&self.store)
            .await
            .map_err(|e| format!("n{id}: clear backend: {e}"))?;
        remove_snapshots(&self.dir)?;
        let log = LogStore::open_on(disk.clone(), &self.dir)
            .map_err(|e| format!("n{id}: emptied log: {e}"))?;
        Ok((log, disk))
    }

    /// Kills the running process: the network forgets it, its disk loses what was not synced
    /// (as `rng` decides), its state machine stops, raft shuts down.
    pub async fn crash(&mut self, ctx: &Ctx, rng: &mut StdRng) -> Option<CrashReport> {
        let life = self.live.take()?;
        ctx.net.down(self.id);
        let report = life.disk.crash(rng);
        life.fence.close().await;
        Counters::bump(&ctx.counters.crashes);
        match report.kind {
            CrashKind::Torn => Counters::bump(&ctx.counters.torn),
            CrashKind::Reordered => Counters::bump(&ctx.counters.reordered),
            _ => {}
        }
        if tokio::time::timeout(Duration::from_secs(5), life.raft.shutdown()).await.is_err() {
            ctx.trace.log(format!("n{}: raft shutdown took over 5 s; dropped", self.id));
        }
        life.watcher.abort();
        Some(report)
    }

    /// Stops a healthy process at the end of the run (no crash effects).
    pub async fn stop(&mut self) {
        if let Some(life) = self.live.take() {
            life.fence.close().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), life.raft.shutdown()).await;
            life.watcher.abort();
        }
    }

    /// Durable log length (for the trace).
    pub fn durable_len(&self) -> usize {
        self.media.durable_len()
    }
}

fn remove_snapshots(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir.join(SNAPSHOT_DIR)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove snapshots in {}: {e}", dir.display())),
    }
}

/// As `server::node::initialize_if_pristine`.
async fn initialize_if_pristine(raft: &Raft) -> Result<(), String> {
    if raft.is_initialized().await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    match raft.initialize(members()).await {
        Ok(()) | Err(RaftError::APIError(InitializeError::NotAllowed(_))) => Ok(()),
        Err(e) => Err(format!("initialize failed: {e}")),
    }
}

/// Records (term, id) whenever this process reports itself leader.
async fn watch_leaders(
    mut rx: watch::Receiver<RaftMetrics<u64, BasicNode>>,
    leaders: LeadersByTerm,
) {
    loop {
        {
            let m = rx.borrow_and_update();
            if m.state == ServerState::Leader {
                leaders
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(m.current_term)
                    .or_default()
                    .insert(m.id);
            }
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}
