//! The discovery queue: which instance to probe when.
//!
//! Every known instance is probed every `InstancePollSeconds` (measured from the start of its
//! previous probe, kept in a timer heap so the cadence is exact and each event costs O(log n);
//! a probe that overran its period waits a full period, orchestrator's hung-probe back-off in
//! spirit). An instance is never probed twice at once. Probes run as
//! separate tasks, at most `DiscoveryMaxConcurrency` at a time, each bounded by the connect and
//! read timeouts, so a dead or hanging host only ever holds its own slot.
//!
//! New keys come from seeds, the API, crawling (each successful probe queues its master and
//! replicas) and the replicated `discovered_instance` table. Keys forgotten through raft
//! (`forgotten_instance`, within `FORGET_WINDOW_MS`) are dropped and not rediscovered; instances
//! unseen for `UnseenInstanceForgetHours` are forgotten locally.
//!
//! With `ProbeSharing`, a due instance another node probes under the leader's assignment is
//! skipped for a period (its observations arrive from that node); today's behaviour otherwise.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use app::core::{Instance, InstanceKey};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use super::batch::WriterMsg;
use super::one;
use super::Shared;
use crate::config::discovery::DiscoveryIgnore;
use crate::store::replicated::FORGET_WINDOW_MS;

/// How often the replicated forgotten/discovered tables are read.
const REPLICATED_EVERY: Duration = Duration::from_secs(1);
/// How often long-unseen instances are forgotten.
const UNSEEN_EVERY: Duration = Duration::from_secs(60);

/// Messages to the scheduler.
pub enum SchedMsg {
    /// Add these keys to discovery.
    Enqueue(Vec<InstanceKey>),
    /// Probe these known instances now (the replicas of a master that just failed: they
    /// confirm or refute its death without waiting for their turn).
    ProbeNow(Vec<InstanceKey>),
    /// A probe ended; `neighbours` are its master and replicas when it succeeded.
    Done {
        /// The probed key.
        key: InstanceKey,
        /// When its probe started.
        started: Instant,
        /// Keys to crawl to.
        neighbours: Vec<InstanceKey>,
        /// The key the server goes by when it differs from the probed one (resolved or
        /// renamed by `MySQLHostnameResolveMethod`): it replaces the probed key.
        renamed: Option<InstanceKey>,
    },
}

/// The keys a successful probe leads to: its master and its replicas, less those the
/// `DiscoveryIgnore*HostnameFilters` keep out.
pub fn neighbours(instance: &Instance, ignore: &DiscoveryIgnore) -> Vec<InstanceKey> {
    let master = instance.master_key.iter().filter(|k| ignore.allows_master(k));
    let replicas = instance.replica_hosts.iter().filter(|k| ignore.allows_replica(k));
    master.chain(replicas).cloned().collect()
}

struct Slot {
    due: Instant,
    in_flight: bool,
}

struct Queue {
    shared: Arc<Shared>,
    slots: HashMap<InstanceKey, Slot>,
    /// When each idle slot is due, earliest first; entries whose slot has moved on are stale
    /// and skipped (cheaper than removing them).
    timers: BinaryHeap<Reverse<(Instant, InstanceKey)>>,
    forgotten: HashSet<InstanceKey>,
    discovered_since_ms: i64,
    semaphore: Arc<Semaphore>,
    tasks: JoinSet<()>,
}

impl Queue {
    fn enqueue(&mut self, keys: Vec<InstanceKey>) {
        let now = Instant::now();
        for key in keys {
            let key = self.shared.resolver.cached_key(&key);
            if !self.shared.config.ignore.allows(&key) {
                tracing::debug!(instance = %key, "not discovered: matches DiscoveryIgnoreHostnameFilters");
                continue;
            }
            if !self.forgotten.contains(&key) && !self.slots.contains_key(&key) {
                self.slots.insert(key.clone(), Slot { due: now, in_flight: false });
                self.timers.push(Reverse((now, key)));
            }
        }
    }

    fn done(
        &mut self,
        key: InstanceKey,
        started: Instant,
        neighbours: Vec<InstanceKey>,
        renamed: Option<InstanceKey>,
    ) {
        let poll = self.shared.config.instance_poll;
        // The server goes by another key: that key takes the probed one's place.
        let key = match renamed {
            Some(renamed) => {
                if self.slots.contains_key(&key) {
                    tracing::info!(instance = %key, resolved = %renamed, "discovered under its resolved name");
                    self.forget(key);
                }
                // Already scheduled under that key (or forgotten): its own turn stands.
                if self.forgotten.contains(&renamed) || self.slots.contains_key(&renamed) {
                    return self.enqueue(neighbours);
                }
                self.slots.insert(renamed.clone(), Slot { due: started, in_flight: true });
                renamed
            }
            None => key,
        };
        match self.slots.get_mut(&key) {
            Some(slot) => {
                slot.in_flight = false;
                let now = Instant::now();
                slot.due = if started + poll > now { started + poll } else { now + poll };
                self.timers.push(Reverse((slot.due, key)));
            }
            // Forgotten while in flight: the writer may just have re-recorded it.
            None if self.forgotten.contains(&key) => self.forget(key),
            None => {}
        }
        self.enqueue(neighbours);
    }

    /// Makes every known, idle instance of `keys` due now.
    fn due_now(&mut self, keys: Vec<InstanceKey>) {
        let now = Instant::now();
        for key in keys {
            if let Some(slot) = self.slots.get_mut(&key).filter(|s| !s.in_flight) {
                slot.due = now;
                self.timers.push(Reverse((now, key)));
            }
        }
    }

    fn forget(&mut self, key: InstanceKey) {
        self.slots.remove(&key);
        let _ = self.shared.writer_tx.send(WriterMsg::Forget(key));
    }

    /// When the earliest idle instance is due.
    fn next_due(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((due, _))| *due)
    }

    /// Starts a probe task for every due instance that is not being probed.
    fn spawn_due(&mut self) {
        let now = Instant::now();
        while self.next_due().is_some_and(|due| due <= now) {
            let Some(Reverse((due, key))) = self.timers.pop() else { break };
            let poll = self.shared.config.instance_poll;
            let sharing = self.shared.config.probe_sharing;
            let here = !sharing || self.shared.share.probes_here(&key, poll);
            match self.slots.get_mut(&key) {
                Some(slot) if !slot.in_flight && slot.due == due && !here => {
                    // ProbeSharing: another node probes it and sends what it saw.
                    slot.due = now + poll;
                    self.timers.push(Reverse((slot.due, key)));
                    continue;
                }
                Some(slot) if !slot.in_flight && slot.due == due => slot.in_flight = true,
                _ => continue, // stale: forgotten, in flight, or rescheduled
            }
            let (shared, semaphore) = (self.shared.clone(), self.semaphore.clone());
            let waiting = shared.metrics.waiting();
            self.tasks.spawn(async move {
                let Ok(_permit) = semaphore.acquire_owned().await else { return };
                drop(waiting);
                let _running = shared.metrics.running();
                let started = Instant::now();
                let _ =
                    shared.writer_tx.send(WriterMsg::Attempt(key.clone(), shared.clock.now_ms()));
                let (probed, outcome) =
                    one::probe(&key, &shared.config, &shared.resolver, shared.clock.as_ref()).await;
                shared.count(outcome.is_ok());
                let neighbours = outcome
                    .as_ref()
                    .map(|i| neighbours(i, &shared.config.ignore))
                    .unwrap_or_default();
                let renamed = outcome.as_ref().ok().map(|i| i.key.clone()).filter(|k| *k != key);
                if shared.config.probe_sharing {
                    shared.share.owe(&probed, shared.config.instance_poll);
                }
                let _ = shared.writer_tx.send(WriterMsg::Probed(probed, None));
                let _ = shared.sched_tx.send(SchedMsg::Done { key, started, neighbours, renamed });
            });
        }
    }

    /// Applies the replicated `forget` and `discover` commands seen since the last call.
    async fn sync_replicated(&mut self) {
        let now_ms = self.shared.clock.now_ms();
        match self.shared.store.forgotten_since(now_ms - FORGET_WINDOW_MS).await {
            Ok(keys) => {
                self.forgotten = keys.into_iter().collect();
                let drop: Vec<InstanceKey> =
                    self.slots.keys().filter(|k| self.forgotten.contains(*k)).cloned().collect();
                for key in drop {
                    tracing::info!(instance = %key, "forgotten through raft; dropped from discovery");
                    self.forget(key);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read forgotten instances"),
        }
        match self.shared.store.discovered_since(self.discovered_since_ms).await {
            Ok(found) => {
                if let Some(newest) = found.iter().map(|(_, at)| *at).max() {
                    self.discovered_since_ms = self.discovered_since_ms.max(newest);
                }
                self.enqueue(found.into_iter().map(|(key, _)| key).collect());
            }
            Err(e) => tracing::debug!(error = %e, "cannot read discovered instances"),
        }
    }

    /// Forgets instances not seen for `UnseenInstanceForgetHours`.
    async fn forget_unseen(&mut self) {
        let older_than = self.shared.clock.now_ms()
            - self.shared.config.unseen_instance_forget.as_millis() as i64;
        match self.shared.store.forget_unseen(older_than).await {
            Ok(keys) => {
                for key in keys {
                    tracing::info!(instance = %key, "forgotten: not seen for UnseenInstanceForgetHours");
                    self.forget(key);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot forget long-unseen instances"),
        }
    }
}

/// Runs the queue until shutdown; in-flight probes are abandoned then.
pub async fn run(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<SchedMsg>,
    known: Vec<InstanceKey>,
    mut shutdown: watch::Receiver<bool>,
) {
    let semaphore = Arc::new(Semaphore::new(shared.config.max_concurrency.max(1)));
    let mut queue = Queue {
        shared,
        slots: HashMap::new(),
        timers: BinaryHeap::new(),
        forgotten: HashSet::new(),
        discovered_since_ms: 0,
        semaphore,
        tasks: JoinSet::new(),
    };
    queue.sync_replicated().await;
    queue.enqueue(known);
    let mut maintenance = tokio::time::interval(REPLICATED_EVERY);
    maintenance.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_unseen = Instant::now();
    loop {
        let wake = queue.next_due().unwrap_or_else(|| Instant::now() + REPLICATED_EVERY);
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    queue.tasks.abort_all();
                    return;
                }
            }
            msg = rx.recv() => match msg {
                Some(SchedMsg::Enqueue(keys)) => {
                    queue.enqueue(keys);
                    queue.spawn_due();
                }
                Some(SchedMsg::ProbeNow(keys)) => {
                    queue.due_now(keys);
                    queue.spawn_due();
                }
                Some(SchedMsg::Done { key, started, neighbours, renamed }) => {
                    queue.done(key, started, neighbours, renamed);
                    queue.spawn_due();
                }
                None => return,
            },
            Some(_) = queue.tasks.join_next(), if !queue.tasks.is_empty() => {}
            _ = tokio::time::sleep_until(wake) => queue.spawn_due(),
            _ = maintenance.tick() => {
                queue.sync_replicated().await;
                if last_unseen.elapsed() >= UNSEEN_EVERY {
                    last_unseen = Instant::now();
                    queue.forget_unseen().await;
                }
                queue.spawn_due();
            }
        }
    }
}
