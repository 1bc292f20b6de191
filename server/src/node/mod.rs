//! Node: the one place that assembles the process — backend store, raft (log, state machine,
//! network), the HTTP listener and the background tasks — and the only importer of `http`,
//! `recovery`, `leadership` and `health`.
//!
//! `start` takes already-bound listeners so that the binary and the tests use the same entry
//! point (tests bind port 0 first and put the real ports into `RaftNodes`).

mod bindings;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use openraft::SnapshotPolicy;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::serve;
use crate::clock::{Clock, SystemClock};
use crate::config::NodeConfig;
use crate::consensus::{Consensus, ConsensusParts, Member, Peers};
use crate::error::StartError;
use crate::ports::AppState;
use crate::probe::Prober;
use crate::propose::Proposer;
use crate::raft::disk_state::DirLock;
use crate::raft::faults::NetworkFaults;
use crate::raft::network::Network;
use crate::raft::Raft;
use crate::recovery::AnalysisState;
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
        let raft_addr = config.raft.bind.to_string();
        let raft = TcpListener::bind(&raft_addr).await.map_err(|source| StartError::Bind {
            what: "RaftBind",
            addr: raft_addr,
            source,
        })?;
        let http = TcpListener::bind(config.http.listen_address).await.map_err(|source| {
            StartError::Bind {
                what: "ListenAddress",
                addr: config.http.listen_address.to_string(),
                source,
            }
        })?;
        Ok(Listeners { raft, http })
    }
}

/// A running node: its parts, task handles and addresses.
pub struct NodeHandle {
    /// This node as a raft member.
    pub consensus: Consensus,
    /// The write path.
    pub proposer: Proposer,
    /// The HTTP router's state (store, analysis, config, ...).
    pub state: AppState,
    /// Test fault layer for the raft links.
    pub faults: Arc<NetworkFaults>,
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
        if let Err(e) = self.consensus.raft().shutdown().await {
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
    // Installs the process's metrics recorder before anything records an event.
    crate::metrics::handle();
    let id = config.node_id();
    let security = Arc::new(crate::auth::Security::load(&config)?);
    let store = Store::open(&config.backend.db, Duration::from_secs(5)).await?;
    let storage =
        crate::raft::open::open(&config.raft.data_dir, &store, config.backend.exit_after).await?;
    let (dir_lock, log_store, state_machine) = (storage.lock, storage.log, storage.state_machine);
    // A unit struct without the test kit's fault injection, a registry with it.
    #[allow(clippy::default_constructed_unit_structs)]
    let faults = Arc::new(NetworkFaults::default());
    let network = Network::secured(
        faults.clone(),
        config.raft.heartbeat.max(Duration::from_millis(200)),
        &security,
    )
    .map_err(|e| StartError::Raft(format!("cannot build raft HTTP client: {e}")))?;
    let log = log_store.clone();
    let network_probe = network.clone();
    let raft = Raft::new(id, raft_config(&config)?, network, log_store, state_machine)
        .await
        .map_err(|e| StartError::Raft(e.to_string()))?;

    let seeds: Vec<Member> =
        config.raft.nodes.iter().map(|a| Member::new(a.node_id(), &a.to_string(), true)).collect();
    crate::raft::seed::seed_or_follow(&raft, &network_probe, id, &seeds).await?;

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
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let peers = Peers::new(
        http,
        security.clone(),
        store.clone(),
        (id, config.http_uri()),
        config.http.listen_address.port(),
        (raft.clone(), seeds.clone()),
    );
    let (consensus, fatal_rx) = Consensus::new(ConsensusParts {
        raft: raft.clone(),
        id,
        advertise: config.raft.advertise.to_string(),
        election_timeout: config.raft.election_timeout,
        log,
        clock: clock.clone(),
        peers,
        network: network_probe.clone(),
    });
    let proposer = Proposer::new(consensus.clone(), config.recovery_at_start().candidate_expire);
    let prober = Prober::new(config.discovery.clone(), store.clone(), clock.clone());
    let analysis: Arc<AnalysisState> = Arc::default();
    let recovery = Arc::new(crate::recovery::Context {
        consensus: consensus.clone(),
        proposer: proposer.clone(),
        store: store.clone(),
        analysis: analysis.clone(),
        prober: prober.clone(),
        config: config.clone(),
        clock: clock.clone(),
    });
    let state = AppState {
        member: Arc::new(consensus.clone()),
        commands: Arc::new(proposer.clone()),
        ops: Arc::new(bindings::Recoveries(recovery.clone())),
        store: store.clone(),
        analysis,
        security: security.clone(),
        config: config.clone(),
        clock,
        probe_metrics: prober.metrics(),
        prober: prober.clone(),
    };

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let raft_addr = listeners.raft.local_addr().map_err(|source| StartError::Bind {
        what: "RaftBind",
        addr: config.raft.bind.to_string(),
        source,
    })?;
    let http_addr = listeners.http.local_addr().map_err(|source| StartError::Bind {
        what: "ListenAddress",
        addr: config.http.listen_address.to_string(),
        source,
    })?;
    let mut tasks = Vec::new();
    let rejoin = crate::raft::rejoin::Rejoin::load(&config.raft.data_dir);
    tasks.push(tokio::spawn(rejoin.clone().watch(raft.clone())));
    let inbox = crate::raft::rejoin::Inbox::new(raft.clone(), rejoin);
    let header_timeout = security.config.header_read_timeout;
    let raft_app =
        crate::raft::rpc::router(inbox, faults.clone(), shutdown_rx.clone(), header_timeout)
            .layer(axum::middleware::from_fn_with_state(security.clone(), crate::auth::raft_guard));
    let raft_listener = serve::Listener {
        socket: listeners.raft,
        what: "raft",
        tls: security.raft_tls.clone(),
        header_timeout,
    };
    tasks.push(serve::spawn(raft_listener, raft_app, shutdown_rx.clone()));

    let http_app = crate::http::router(state.clone(), leptos);
    let http_listener = serve::Listener {
        socket: listeners.http,
        what: "http",
        tls: security.http_tls.clone(),
        header_timeout,
    };
    tasks.push(serve::spawn(http_listener, http_app, shutdown_rx.clone()));
    let duties = crate::leadership::Duties {
        consensus: consensus.clone(),
        proposer: proposer.clone(),
        store: store.clone(),
        audit_purge: config.recovery_at_start().audit_purge,
    };
    tasks.push(tokio::spawn(crate::leadership::run(duties, shutdown_rx.clone())));
    tasks.push(prober.start(shutdown_rx.clone()));
    let sharing = crate::probe_share::Sharing {
        consensus: consensus.clone(),
        proposer: proposer.clone(),
        prober: prober.clone(),
        store: store.clone(),
        config: config.discovery.clone(),
    };
    tasks.push(tokio::spawn(crate::probe_share::run(sharing, shutdown_rx.clone())));
    tasks.push(tokio::spawn(crate::metrics::raft_watch::leader_changes(
        raft.metrics(),
        shutdown_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::kv::masters::run(
        Arc::new(recovery.kv_context()),
        shutdown_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::kv::publisher::run(
        store.clone(),
        config.kv.clone(),
        shutdown_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::recovery::analysis_loop::run(recovery, shutdown_rx.clone())));
    tasks
        .push(tokio::spawn(crate::health::watch_raft_core(consensus.clone(), shutdown_rx.clone())));
    let health = crate::health::Health {
        consensus: consensus.clone(),
        store,
        yield_after: config.backend.yield_after,
        exit_after: config.backend.exit_after,
    };
    tasks.push(tokio::spawn(crate::store::wal::keep_bounded(
        state.store.clone(),
        shutdown_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::health::run(health, shutdown_rx)));
    tracing::info!(node_id = id, raft = %raft_addr, http = %http_addr, "node started");
    Ok(NodeHandle {
        consensus,
        proposer,
        state,
        faults,
        http_addr,
        raft_addr,
        fatal: fatal_rx,
        shutdown: shutdown_tx,
        tasks,
        _dir_lock: dir_lock,
    })
}
