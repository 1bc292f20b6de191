//! Discovery: this node probes every MySQL/MariaDB server it knows, on its own, and keeps what
//! it saw in its own backend store (`store::observed`), never through raft.
//!
//! - [`Prober`] is the handle: [`Prober::enqueue`] a key (seeds, API, crawl), [`Prober::start`]
//!   the loops, [`Prober::probe_now`] for `/api/discover`.
//! - `scheduler`: every known instance is probed every `InstancePollSeconds`, at most
//!   `DiscoveryMaxConcurrency` at once, each probe bounded by the connect and read timeouts so a
//!   dead or hanging host never delays the others. A successful probe queues its master and its
//!   replicas (crawl). Keys in the replicated `forgotten_instance` table are not rediscovered
//!   within the forget window; keys in `discovered_instance` (the leader's `discover`) are added.
//! - `batch`: results are written in batches (one transaction every 100 ms or 100 results), with
//!   orchestrator's timestamps: `last_attempted_check` at probe start, `last_checked` at the
//!   end, `last_seen` only on success; a failed probe is an invalid last check.
//! - `share` (`ProbeSharing`): the keys this node probes under the leader's assignment, the
//!   observations it owes the others and those it receives (stored as its own, by `batch`).
//! - `one` runs one probe: `connect` (short-lived connection), `queries` (the SQL per dialect)
//!   and `parse` (pure: result rows → `Instance`, unit-tested with recorded outputs).

mod batch;
pub mod connect;
#[cfg(any(test, feature = "testkit"))]
pub mod fixture;
mod one;
pub mod parse;
pub mod queries;
pub mod resolve;
mod scheduler;
mod share;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::core::{Instance, InstanceKey};
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::DiscoveryConfig;
use crate::probe_metrics::{ProbeMetrics, Settings};
use crate::store::Store;
use batch::WriterMsg;
use scheduler::SchedMsg;
pub use share::{ShareBatch, SharedProbe};

/// Why one probe failed.
#[derive(Debug, Error)]
pub enum ProbeError {
    /// The server refused or dropped the connection, or refused the credentials.
    #[error("cannot connect: {source}")]
    Connect {
        /// The driver's error.
        source: sqlx::Error,
    },
    /// TCP connect plus handshake took longer than `MySQLConnectTimeoutSeconds`.
    #[error("connect timed out after {after:?}")]
    ConnectTimeout {
        /// The configured timeout.
        after: Duration,
    },
    /// A query failed.
    #[error("{what} query failed: {source}")]
    Query {
        /// Which query.
        what: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The queries took longer than `MySQLDiscoveryReadTimeoutSeconds`.
    #[error("queries timed out after {after:?}")]
    ReadTimeout {
        /// The configured timeout.
        after: Duration,
    },
    /// The server's answers do not make an instance.
    #[error(transparent)]
    Malformed(#[from] parse::ParseError),
    /// The server lacks the name `MySQLHostnameResolveMethod` keys it by.
    #[error(transparent)]
    Unnamed(#[from] resolve::NoReportHost),
}

impl ProbeError {
    /// A short name of the failure, for metrics (`connect`, `connect_timeout`, `query`,
    /// `read_timeout`, `malformed`, `unnamed`).
    pub fn reason(&self) -> &'static str {
        match self {
            ProbeError::Connect { .. } => "connect",
            ProbeError::ConnectTimeout { .. } => "connect_timeout",
            ProbeError::Query { .. } => "query",
            ProbeError::ReadTimeout { .. } => "read_timeout",
            ProbeError::Malformed(_) => "malformed",
            ProbeError::Unnamed(_) => "unnamed",
        }
    }
}

/// Counters since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProbeStats {
    /// Probes finished (successful or not).
    pub probes: u64,
    /// Probes that failed.
    pub failures: u64,
}

/// What the loops share.
struct Shared {
    config: DiscoveryConfig,
    resolver: resolve::Resolver,
    store: Store,
    clock: Arc<dyn Clock>,
    sched_tx: mpsc::UnboundedSender<SchedMsg>,
    writer_tx: mpsc::UnboundedSender<WriterMsg>,
    probes: AtomicU64,
    failures: AtomicU64,
    /// Woken when a flush changed an instance's health (the analysis loop waits on it).
    health_changed: Arc<tokio::sync::Notify>,
    /// Discovery, queue, backend-write and write-buffer metrics (`/api/*-metrics-*`).
    metrics: ProbeMetrics,
    /// Probe sharing: this node's share and the observations it owes the others.
    share: share::Share,
}

type Receivers = (mpsc::UnboundedReceiver<SchedMsg>, mpsc::UnboundedReceiver<WriterMsg>);

/// Handle to this node's discovery. Cheap to clone; keys enqueued before [`Prober::start`] wait.
#[derive(Clone)]
pub struct Prober {
    shared: Arc<Shared>,
    receivers: Arc<Mutex<Option<Receivers>>>,
}

impl Prober {
    /// A prober writing to `store`, idle until started.
    pub fn new(config: DiscoveryConfig, store: Store, clock: Arc<dyn Clock>) -> Self {
        let (sched_tx, sched_rx) = mpsc::unbounded_channel();
        let (writer_tx, writer_rx) = mpsc::unbounded_channel();
        let settings = Settings {
            retention: config.metrics_retention,
            queue_samples: config.queue_statistics,
            write_buffer_size: batch::FLUSH_ROWS,
            flush_interval: batch::FLUSH_INTERVAL,
        };
        let shared = Shared {
            metrics: ProbeMetrics::new(settings, clock.clone()),
            resolver: resolve::Resolver::new(config.resolve.clone()),
            config,
            store,
            clock,
            sched_tx,
            writer_tx,
            probes: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            health_changed: Arc::new(tokio::sync::Notify::new()),
            share: share::Share::default(),
        };
        Prober {
            shared: Arc::new(shared),
            receivers: Arc::new(Mutex::new(Some((sched_rx, writer_rx)))),
        }
    }

    /// The discovery settings.
    pub fn config(&self) -> &DiscoveryConfig {
        &self.shared.config
    }

    /// This node's hostname resolver (`HostnameResolveMethod`, cached).
    pub fn resolver(&self) -> &resolve::Resolver {
        &self.shared.resolver
    }

    /// Adds an instance to discovery (probed at once unless known already or recently forgotten).
    pub fn enqueue(&self, key: InstanceKey) {
        let _ = self.shared.sched_tx.send(SchedMsg::Enqueue(vec![key]));
    }

    /// Woken after the writer stored a change of an instance's health (a failed probe, a
    /// replication thread that stopped or started): the analysis runs at once on it.
    pub fn health_changed(&self) -> Arc<tokio::sync::Notify> {
        self.shared.health_changed.clone()
    }

    /// This prober's discovery metrics (orchestrator's `/api/*-metrics-*`).
    pub fn metrics(&self) -> ProbeMetrics {
        self.shared.metrics.clone()
    }

    /// Probe and failure counters.
    pub fn stats(&self) -> ProbeStats {
        ProbeStats {
            probes: self.shared.probes.load(Ordering::Relaxed),
            failures: self.shared.failures.load(Ordering::Relaxed),
        }
    }

    /// Starts the scheduler and the batch writer: loads the instances already in the store,
    /// queues `DiscoverySeeds`, and runs until `shutdown` becomes true (the writer flushes
    /// first). A second call does nothing.
    pub fn start(&self, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        let receivers = self.receivers.lock().unwrap_or_else(PoisonError::into_inner).take();
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let Some((sched_rx, writer_rx)) = receivers else {
                tracing::warn!("discovery already started");
                return;
            };
            let known = shared.store.all_instances().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read known instances; starting discovery from seeds only");
                Vec::new()
            });
            let _ = shared.sched_tx.send(SchedMsg::Enqueue(shared.config.seeds.clone()));
            let keys: Vec<InstanceKey> = known.iter().map(|i| i.key.clone()).collect();
            let writer = batch::Writer::new(shared.store.clone(), shared.config.clone(), known)
                .with_signals(batch::Signals {
                    changed: shared.health_changed.clone(),
                    probe_now: shared.sched_tx.clone(),
                })
                .with_metrics(shared.metrics.clone());
            let sampler = shared.metrics.clone().sample_queue_every_second(shutdown.clone());
            let sampler_task = tokio::spawn(sampler);
            let writer_task = tokio::spawn(batch::run(writer, writer_rx, shutdown.clone()));
            scheduler::run(shared, sched_rx, keys, shutdown).await;
            let _ = writer_task.await;
            sampler_task.abort();
        })
    }

    /// Probe sharing: the assignment derived from the committed node set, confirmed current
    /// now (`me`: this node's raft id; `owner_window`: how recently a replica's owner must have
    /// pushed for this node to leave the replica to it).
    pub fn set_share(
        &self,
        me: u64,
        assignment: Arc<app::core::probe_share::Assignment>,
        owner_window: Duration,
    ) {
        self.shared.share.set(me, assignment, owner_window);
    }

    /// Probe sharing: this node's probes since the last call, for the other nodes.
    pub fn take_observations(&self) -> Vec<SharedProbe> {
        self.shared.share.take()
    }

    /// Probe sharing: this node's raft id, whose share of the assignment it probes.
    pub fn share_as(&self, me: u64) {
        self.shared.share.be(me);
    }

    /// Probe sharing: the nodes whose pushes arrived within `within`.
    pub fn heard_within(&self, within: Duration) -> Vec<u64> {
        self.shared.share.heard_within(within)
    }

    /// Probe sharing: a push from another node. Its probes of instances this node does not
    /// probe itself are stored exactly as this node's own (the batch writer), and their masters
    /// and replicas queued as a local probe's would be.
    pub fn receive(&self, batch: ShareBatch) {
        let shared = &self.shared;
        shared.share.heard(batch.from);
        let poll = shared.config.instance_poll;
        // What this node probes itself (masters, its own share, everything while it has no
        // fresh assignment) stays its own observation: a pushed probe never overwrites it.
        let probes = batch.probes.into_iter().filter(|p| !shared.share.probes_here(&p.key, poll));
        let mut keys = Vec::new();
        for p in probes {
            if let Some(i) = &p.seen {
                keys.extend(scheduler::neighbours(i, &shared.config.ignore));
                keys.push(i.key.clone());
            }
            let _ = shared.writer_tx.send(WriterMsg::Attempt(p.key.clone(), p.started_ms));
            let _ = shared.writer_tx.send(WriterMsg::Probed(p.into_probed(), None));
        }
        if !keys.is_empty() {
            let _ = shared.sched_tx.send(SchedMsg::Enqueue(keys));
        }
    }

    /// Probes `key` now (not waiting for its turn), writes the result and returns it, as
    /// `/api/discover` does; when it answered, the key (and its master and replicas) then stay
    /// in discovery. Bounded by the timeouts.
    pub async fn probe_now(&self, key: InstanceKey) -> Result<Instance, ProbeError> {
        let shared = &self.shared;
        let (probed, outcome) =
            one::probe(&key, &shared.config, &shared.resolver, shared.clock.as_ref()).await;
        shared.count(outcome.is_ok());
        if let Ok(instance) = &outcome {
            let mut keys = scheduler::neighbours(instance, &shared.config.ignore);
            keys.push(instance.key.clone());
            let _ = shared.sched_tx.send(SchedMsg::Enqueue(keys));
        }
        let (tx, rx) = oneshot::channel();
        let _ = shared.writer_tx.send(WriterMsg::Probed(probed, Some(tx)));
        let instance = outcome?;
        // The writer stamps cluster name and timestamps; without a running writer, return as read.
        match tokio::time::timeout(Duration::from_secs(5), rx).await {
            Ok(Ok(written)) => Ok(written),
            _ => Ok(instance),
        }
    }
}

impl Shared {
    fn count(&self, ok: bool) {
        self.probes.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}
