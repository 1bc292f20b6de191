//! Node: assembles backend store, raft (log, state machine, network), HTTP and background tasks.
//!
//! `start` takes already-bound listeners so that the binary and the tests use the same entry
//! point (tests bind port 0 first and put the real ports into `RaftNodes`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use openraft::error::{InitializeError, RaftError};
use openraft::{BasicNode, SnapshotPolicy};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::serve;
use crate::clock::{Clock, SystemClock};
use crate::config::NodeConfig;
use crate::error::StartError;
use crate::probe::Prober;
use crate::raft::disk_state::DirLock;
use crate::raft::log_store::LogStore;
use crate::raft::network::{Network, NetworkFaults};
use crate::raft::Raft;
use crate::store::Store;

/// The listening sockets of a node.
pub struct Listeners {
    /// Raft RPC (`RaftBind`).
    pub raft: TcpListener,
    /// HTTP API and dashboard (`ListenAddress`).
    pub http: TcpListener,
}

impl Listeners {
    /// Binds both listeners from the config.
    pub async fn bind(config: &NodeConfig) -> Result<Self, StartError> {
        let raft_addr = config.raft_bind.to_string();
        let raft = TcpListener::bind(&raft_addr).await.map_err(|source| StartError::Bind {
            what: "RaftBind",
            addr: raft_addr,
            source,
        })?;
        let http =
            TcpListener::bind(config.listen_address).await.map_err(|source| StartError::Bind {
                what: "ListenAddress",
                addr: config.listen_address.to_string(),
                source,
            })?;
        Ok(Listeners { raft, http })
    }
}

/// One raft member from the fixed `RaftNodes` list.
#[derive(Debug, Clone)]
pub struct Member {
    /// Stable id.
    pub id: u64,
    /// Raft address as configured.
    pub raft_addr: String,
    /// Host part of the raft address.
    pub host: String,
}

/// Everything a running node shares between its HTTP handlers and background tasks.
pub struct Node {
    /// This node's raft id.
    pub id: u64,
    /// Validated configuration.
    pub config: Arc<NodeConfig>,
    /// The raft handle.
    pub raft: Raft,
    /// The backend store.
    pub store: Store,
    /// The raft log (shared with raft; for its write statistics).
    pub log: LogStore,
    /// Folds concurrent proposals into one raft entry.
    pub batcher: crate::batcher::Batcher,
    /// Test fault layer for the raft links.
    pub faults: Arc<NetworkFaults>,
    /// Proposers' clock.
    pub clock: Arc<dyn Clock>,
    /// HTTP client for forwarding to the leader (TCP_NODELAY, bounded timeouts, the cluster's TLS).
    pub http: reqwest::Client,
    /// Authentication, authorization and TLS settings (`crate::auth`).
    pub security: Arc<crate::auth::Security>,
    /// The fixed membership.
    pub members: Vec<Member>,
    /// This node's discovery (probes the fleet into this node's store).
    pub prober: Prober,
    /// The latest analysis of this node's observations.
    pub analysis: Arc<crate::recovery::AnalysisState>,
    /// While now (unix ms) is below this, this node is yielding leadership and refuses writes.
    pub(crate) yielding_until_ms: AtomicI64,
    /// Whether the last backend health write succeeded.
    pub(crate) backend_ok: AtomicBool,
    /// Set when the node must stop (e.g. backend gone for too long); the binary exits non-zero.
    pub(crate) fatal: watch::Sender<Option<String>>,
}

impl Node {
    /// This node's HTTP base URI.
    pub fn http_uri(&self) -> String {
        self.config.http_uri()
    }

    /// Whether the node is currently yielding leadership.
    pub fn is_yielding(&self) -> bool {
        self.clock.now_ms() < self.yielding_until_ms.load(Ordering::Relaxed)
    }

    /// Whether the last backend health write succeeded.
    pub fn backend_ok(&self) -> bool {
        self.backend_ok.load(Ordering::Relaxed)
    }

    /// Whether this node may serve as a healthy member: no fatal condition, and a raft core that
    /// is still running (a panicked core drops its metrics channel; a stopped one reports why).
    pub fn is_running(&self) -> bool {
        if self.fatal.borrow().is_some() {
            return false;
        }
        let metrics = self.raft.metrics();
        metrics.has_changed().is_ok() && metrics.borrow().running_state.is_ok()
    }

    /// Marks the node as failed; the binary exits non-zero.
    pub fn fail(&self, reason: String) {
        tracing::error!(%reason, "FATAL: node must stop");
        self.fatal.send_replace(Some(reason));
    }
}

/// A running node: its shared state, task handles and addresses.
pub struct NodeHandle {
    /// Shared state.
    pub node: Arc<Node>,
    /// Where the HTTP API listens.
    pub http_addr: SocketAddr,
    /// Where raft RPC listens.
    pub raft_addr: SocketAddr,
    /// Becomes `Some(reason)` when the node hits a fatal condition.
    pub fatal: watch::Receiver<Option<String>>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// `RaftDataDir` stays this node's until the handle is dropped.
    _dir_lock: DirLock,
}

impl NodeHandle {
    /// Stops raft, the servers and the background tasks.
    pub async fn shutdown(self) {
        self.shutdown.send_replace(true);
        if let Err(e) = self.node.raft.shutdown().await {
            tracing::warn!(error = %e, "raft shutdown reported an error");
        }
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Builds openraft's config from ours.
fn raft_config(config: &NodeConfig) -> Result<Arc<openraft::Config>, StartError> {
    let election = config.raft.election_timeout.as_millis() as u64;
    let raft = openraft::Config {
        cluster_name: "orchestrator".into(),
        heartbeat_interval: config.raft.heartbeat.as_millis() as u64,
        election_timeout_min: election,
        // openraft 0.9 makes a follower wait leader_lease (= election_timeout_max) + an election
        // timeout before standing: keep the spread small so a dead leader is replaced quickly.
        election_timeout_max: election * 3 / 2,
        install_snapshot_timeout: (election * 4).max(2_000),
        // openraft 0.9 bounds an AppendEntries by the heartbeat interval: keep each RPC small
        // (entries can be batches of up to 128 commands).
        max_payload_entries: 32,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(config.raft.snapshot_threshold),
        max_in_snapshot_log_to_keep: config.raft.logs_to_keep,
        snapshot_max_chunk_size: 1024 * 1024,
        ..Default::default()
    };
    raft.validate()
        .map(Arc::new)
        .map_err(|e| StartError::Raft(format!("invalid raft settings: {e}")))
}

/// Starts a node on the given listeners. Fails (fatally) when the backend or raft cannot be set up.
pub async fn start(
    config: NodeConfig,
    listeners: Listeners,
    leptos: LeptosOptions,
) -> Result<NodeHandle, StartError> {
    let config = Arc::new(config);
    let id = config.node_id();
    let security = Arc::new(crate::auth::Security::load(&config)?);
    let store = Store::open(&config.backend, Duration::from_secs(5)).await?;
    let storage =
        crate::raft::open::open(&config.raft_data_dir, &store, config.backend_exit_after).await?;
    let (dir_lock, log_store, state_machine) = (storage.lock, storage.log, storage.state_machine);
    let faults = Arc::new(NetworkFaults::default());
    let network = Network::secured(
        faults.clone(),
        config.raft.heartbeat.max(Duration::from_millis(200)),
        &security,
    )
    .map_err(|e| StartError::Raft(format!("cannot build raft HTTP client: {e}")))?;
    let log = log_store.clone();
    let raft = Raft::new(id, raft_config(&config)?, network, log_store, state_machine)
        .await
        .map_err(|e| StartError::Raft(e.to_string()))?;

    let members: Vec<Member> = config
        .raft_nodes
        .iter()
        .map(|a| Member { id: a.node_id(), raft_addr: a.to_string(), host: a.host().to_string() })
        .collect();
    initialize_if_pristine(&raft, &members).await?;

    let http = security
        .http_client(reqwest::Client::builder())
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(2))
        // Peers close keep-alive connections idle for HTTPReadHeaderTimeoutSeconds (10 s by
        // default); dropping ours sooner avoids reusing one the peer is closing.
        .pool_idle_timeout(crate::raft::network::peer_pool_idle(
            security.config.header_read_timeout,
        ))
        .no_proxy()
        .build()
        .map_err(|e| StartError::Raft(format!("cannot build HTTP client: {e}")))?;
    let (fatal_tx, fatal_rx) = watch::channel(None);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let prober = Prober::new(config.discovery.clone(), store.clone(), clock.clone());
    let node = Arc::new(Node {
        id,
        config: config.clone(),
        raft: raft.clone(),
        store,
        log,
        batcher: crate::batcher::Batcher::start(raft.clone()),
        faults: faults.clone(),
        clock,
        http,
        security: security.clone(),
        members,
        prober,
        analysis: Arc::default(),
        yielding_until_ms: AtomicI64::new(0),
        backend_ok: AtomicBool::new(true),
        fatal: fatal_tx,
    });

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let raft_addr = listeners.raft.local_addr().map_err(|source| StartError::Bind {
        what: "RaftBind",
        addr: config.raft_bind.to_string(),
        source,
    })?;
    let http_addr = listeners.http.local_addr().map_err(|source| StartError::Bind {
        what: "ListenAddress",
        addr: config.listen_address.to_string(),
        source,
    })?;
    let mut tasks = Vec::new();
    let raft_app = crate::raft::rpc::router(raft.clone(), faults)
        .layer(axum::middleware::from_fn_with_state(security.clone(), crate::auth::raft_guard));
    let header_timeout = security.config.header_read_timeout;
    let raft_listener = serve::Listener {
        socket: listeners.raft,
        what: "raft",
        tls: security.raft_tls.clone(),
        header_timeout,
    };
    tasks.push(serve::spawn(raft_listener, raft_app, shutdown_rx.clone()));
    let http_app = crate::http::router(node.clone(), leptos);
    let http_listener = serve::Listener {
        socket: listeners.http,
        what: "http",
        tls: security.http_tls.clone(),
        header_timeout,
    };
    tasks.push(serve::spawn(http_listener, http_app, shutdown_rx.clone()));
    tasks.push(tokio::spawn(crate::leadership::run(node.clone(), shutdown_rx.clone())));
    tasks.push(node.prober.start(shutdown_rx.clone()));
    tasks
        .push(tokio::spawn(crate::recovery::analysis_loop::run(node.clone(), shutdown_rx.clone())));
    tasks.push(tokio::spawn(crate::health::watch_raft_core(node.clone(), shutdown_rx.clone())));
    tasks.push(tokio::spawn(crate::health::run(node.clone(), shutdown_rx)));
    tracing::info!(node_id = id, raft = %raft_addr, http = %http_addr, "node started");
    Ok(NodeHandle {
        node,
        http_addr,
        raft_addr,
        fatal: fatal_rx,
        shutdown: shutdown_tx,
        tasks,
        _dir_lock: dir_lock,
    })
}

/// A pristine node (no log, no vote) initializes with the full fixed member list; every node
/// does the same with the same list, which openraft allows. A restart is never a re-init.
async fn initialize_if_pristine(raft: &Raft, members: &[Member]) -> Result<(), StartError> {
    let initialized = raft.is_initialized().await.map_err(|e| StartError::Raft(e.to_string()))?;
    if initialized {
        return Ok(());
    }
    let map: BTreeMap<u64, BasicNode> =
        members.iter().map(|m| (m.id, BasicNode::new(m.raft_addr.clone()))).collect();
    match raft.initialize(map).await {
        Ok(()) => Ok(()),
        Err(RaftError::APIError(InitializeError::NotAllowed(_))) => Ok(()),
        Err(e) => Err(StartError::Raft(format!("initialize failed: {e}"))),
    }
}
