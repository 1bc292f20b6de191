//! TestCluster: N real nodes in one process (real raft over real loopback sockets, per-node
//! SQLite and raft dir), with the fault layer to cut links, and condition waits with deadlines.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::api::ApiError;
use app::core::{CommandOutcome, DowntimeRequest, InstanceKey, Proposal};
use openraft::ServerState;
use server::config::NodeConfig;
use server::node::{self, Listeners, NodeHandle};
use server::propose::ProposeError;
pub use server::testkit::wait_until;
use tempfile::TempDir;
use tokio::net::TcpListener;

/// Default deadline for cluster-level conditions (elections, replication).
pub const DEADLINE: Duration = Duration::from_secs(20);

/// What the tests look at and drive in one running node: its raft handle, config, store and
/// clock, its fault layer, and its write path (the dashboard's and the API's).
pub struct TestNode {
    /// Its raft id.
    pub id: u64,
    /// The raft handle.
    pub raft: server::raft::Raft,
    /// Its configuration.
    pub config: Arc<NodeConfig>,
    /// Its backend.
    pub store: server::store::Store,
    /// Its proposers' clock.
    pub clock: Arc<dyn server::clock::Clock>,
    /// The fault layer of its raft links.
    pub faults: Arc<server::raft::faults::NetworkFaults>,
    consensus: server::consensus::Consensus,
    proposer: server::propose::Proposer,
}

impl TestNode {
    /// Stamps and commits a proposal (the dashboard's and the API's path).
    pub async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.proposer.submit(proposal).await
    }

    /// Commits a stamped envelope.
    pub async fn propose(
        &self,
        env: app::core::CommandEnvelope,
        forwarded: bool,
    ) -> Result<CommandOutcome, ProposeError> {
        self.proposer.propose(env, forwarded).await
    }

    /// Leads with a quorum.
    pub fn is_leader_with_quorum(&self) -> bool {
        self.consensus.is_leader_with_quorum()
    }

    /// The raft status view.
    pub async fn raft_status(&self) -> app::api::dto::RaftStatusView {
        self.consensus.status().await
    }
}

fn with_view(handle: NodeHandle) -> (NodeHandle, Arc<TestNode>) {
    let view = Arc::new(TestNode {
        id: handle.consensus.id(),
        raft: handle.consensus.raft().clone(),
        config: handle.state.config.clone(),
        store: handle.state.store.clone(),
        clock: handle.state.clock.clone(),
        faults: handle.faults.clone(),
        consensus: handle.consensus.clone(),
        proposer: handle.proposer.clone(),
    });
    (handle, view)
}

/// Knobs for a test cluster.
#[derive(Clone)]
pub struct Options {
    /// Number of nodes.
    pub nodes: usize,
    /// Extra JSON config keys (`"Key": value, ...`) for every node.
    pub extra: String,
}

impl Default for Options {
    fn default() -> Self {
        Options { nodes: 3, extra: String::new() }
    }
}

/// A cluster of in-process nodes.
pub struct TestCluster {
    _dir: TempDir,
    configs: Vec<NodeConfig>,
    raft_addrs: Vec<SocketAddr>,
    http_addrs: Vec<SocketAddr>,
    handles: Vec<Option<(NodeHandle, Arc<TestNode>)>>,
    /// HTTP client for API calls.
    pub http: reqwest::Client,
}

impl TestCluster {
    /// Starts `options.nodes` nodes and waits until one leads.
    pub async fn start(options: Options) -> Self {
        init_logging();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut raft_listeners = Vec::new();
        let mut http_listeners = Vec::new();
        for _ in 0..options.nodes {
            raft_listeners.push(TcpListener::bind("127.0.0.1:0").await.expect("bind raft"));
            http_listeners.push(TcpListener::bind("127.0.0.1:0").await.expect("bind http"));
        }
        let raft_addrs: Vec<SocketAddr> =
            raft_listeners.iter().map(|l| l.local_addr().unwrap()).collect();
        let http_addrs: Vec<SocketAddr> =
            http_listeners.iter().map(|l| l.local_addr().unwrap()).collect();
        let nodes_json =
            raft_addrs.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
        let mut configs = Vec::new();
        for i in 0..options.nodes {
            let d = dir.path().join(format!("n{i}"));
            let extra = if options.extra.is_empty() {
                String::new()
            } else {
                format!(", {}", options.extra)
            };
            let text = format!(
                r#"{{ "RaftEnabled": true, "RaftDataDir": "{raft}", "RaftBind": "{bind}", "RaftNodes": [{nodes_json}],
                     "ListenAddress": "{http}", "HTTPAdvertise": "http://{http}",
                     "BackendDB": "sqlite", "SQLite3DataFile": "{db}" {extra} }}"#,
                raft = d.join("raft").display(),
                bind = raft_addrs[i],
                http = http_addrs[i],
                db = d.join("orchestrator.db").display(),
            );
            configs.push(NodeConfig::parse(&text).expect("valid test config"));
        }
        let mut cluster = TestCluster {
            _dir: dir,
            configs,
            raft_addrs,
            http_addrs,
            handles: Vec::new(),
            http: reqwest::Client::builder().no_proxy().build().expect("client"),
        };
        for (i, (raft, http)) in raft_listeners.into_iter().zip(http_listeners).enumerate() {
            let handle = cluster.start_node(i, Listeners { raft, http }).await;
            cluster.handles.push(Some(with_view(handle)));
        }
        cluster.wait_for_leader().await;
        cluster
    }

    async fn start_node(&self, i: usize, listeners: Listeners) -> NodeHandle {
        node::start(self.configs[i].clone(), listeners, server::site_options::defaults())
            .await
            .unwrap_or_else(|e| panic!("node {i} failed to start: {e}"))
    }

    /// Number of nodes (running or not).
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// Node `i` (panics if stopped).
    pub fn node(&self, i: usize) -> &Arc<TestNode> {
        &self.handles[i].as_ref().unwrap_or_else(|| panic!("node {i} is stopped")).1
    }

    /// Raft id of node `i`.
    pub fn id(&self, i: usize) -> u64 {
        self.configs[i].node_id()
    }

    /// Indexes of running nodes.
    pub fn running(&self) -> Vec<usize> {
        (0..self.len()).filter(|i| self.handles[*i].is_some()).collect()
    }

    /// HTTP base URL of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!("http://{}", self.http_addrs[i])
    }

    /// GET `path` on node `i`: (status, body text).
    pub async fn get(&self, i: usize, path: &str) -> (u16, String) {
        match self
            .http
            .get(format!("{}{path}", self.url(i)))
            .timeout(Duration::from_secs(10))
            .send()
            .await
        {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// Index of the node that leads with a quorum, if exactly one does among running nodes.
    pub fn leader(&self) -> Option<usize> {
        let leaders: Vec<usize> =
            self.running().into_iter().filter(|i| self.node(*i).is_leader_with_quorum()).collect();
        (leaders.len() == 1).then(|| leaders[0])
    }

    /// Waits until one running node leads and every running node knows it.
    pub async fn wait_for_leader(&self) -> usize {
        wait_until(DEADLINE, "a leader known to every running node", || async {
            match self.leader() {
                Some(l) => self.running().iter().all(|i| {
                    let m = self.node(*i).raft.metrics().borrow().clone();
                    m.current_leader == Some(self.id(l))
                        && (m.state == ServerState::Leader || m.state == ServerState::Follower)
                }),
                None => false,
            }
        })
        .await;
        self.leader().expect("leader")
    }

    /// The leader and a follower that knows the leader's HTTP URI (announced through raft), so
    /// that it can forward writes.
    pub async fn leader_and_informed_follower(&self) -> (usize, usize) {
        let leader = self.wait_for_leader().await;
        let f = (0..3).find(|i| *i != leader).expect("a follower");
        wait_until(DEADLINE, "leader URI known", || async {
            self.node(f).raft_status().await.leader_uri.is_some()
        })
        .await;
        (leader, f)
    }

    /// Waits until a node other than `old` leads with a quorum and every running node except
    /// `old` (which may be cut off) knows it.
    pub async fn wait_for_new_leader(&self, old: usize) -> usize {
        let mut found = None;
        wait_until(DEADLINE, "a new leader known to the others", || {
            let candidate = self
                .running()
                .into_iter()
                .find(|i| *i != old && self.node(*i).is_leader_with_quorum());
            found = candidate;
            async move {
                candidate.is_some_and(|l| {
                    self.running().iter().filter(|i| **i != old).all(|i| {
                        self.node(*i).raft.metrics().borrow().current_leader == Some(self.id(l))
                    })
                })
            }
        })
        .await;
        found.expect("new leader")
    }

    /// Cuts node `i`'s raft links to every other node, both directions, on both sides.
    pub fn isolate(&self, i: usize) {
        for j in self.running() {
            if j != i {
                self.node(i).faults.cut(self.id(j));
                self.node(j).faults.cut(self.id(i));
            }
        }
    }

    /// Restores every link.
    pub fn heal(&self) {
        for i in self.running() {
            self.node(i).faults.heal();
        }
    }

    /// Stops node `i` (its data stays).
    pub async fn stop(&mut self, i: usize) {
        if let Some((handle, _)) = self.handles[i].take() {
            handle.shutdown().await;
        }
    }

    /// Starts a stopped node `i` again on the same addresses and data.
    pub async fn restart(&mut self, i: usize) {
        assert!(self.handles[i].is_none(), "node {i} is running");
        let deadline = Instant::now() + DEADLINE;
        let listeners = loop {
            let raft = TcpListener::bind(self.raft_addrs[i]).await;
            let http = TcpListener::bind(self.http_addrs[i]).await;
            match (raft, http) {
                (Ok(raft), Ok(http)) => break Listeners { raft, http },
                (r, h) => {
                    assert!(
                        Instant::now() < deadline,
                        "cannot rebind node {i}: {:?} {:?}",
                        r.err(),
                        h.err()
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        let handle = self.start_node(i, listeners).await;
        self.handles[i] = Some(with_view(handle));
    }

    /// Submits a proposal through node `i`'s control plane (the dashboard's path).
    pub async fn submit(&self, i: usize, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.node(i).submit(proposal).await
    }

    /// Applied index of node `i`.
    pub fn applied(&self, i: usize) -> u64 {
        self.node(i).raft.metrics().borrow().last_applied.map(|l| l.index).unwrap_or(0)
    }

    /// Waits until every running node has applied at least what node `i` has.
    pub async fn wait_converged(&self) {
        wait_until(
            DEADLINE,
            "every running node applied the same index and has the same digest",
            || async {
                let running = self.running();
                let top = running.iter().map(|i| self.applied(*i)).max().unwrap_or(0);
                if !running.iter().all(|i| self.applied(*i) == top) {
                    return false;
                }
                let mut digests = Vec::new();
                for i in &running {
                    digests.push(self.node(*i).store.replicated_digest().await.expect("digest"));
                }
                digests.windows(2).all(|w| w[0] == w[1])
            },
        )
        .await;
    }

    /// Hostnames downtimed on node `i`, sorted.
    pub async fn downtimed_hosts(&self, i: usize) -> Vec<String> {
        let node = self.node(i);
        let mut hosts: Vec<String> = node
            .store
            .active_downtimes(node.clock.now_ms())
            .await
            .expect("downtimes")
            .into_iter()
            .map(|d| d.key.hostname)
            .collect();
        hosts.sort();
        hosts
    }
}

/// A begin-downtime proposal for `host:3306`.
pub fn downtime(host: &str) -> Proposal {
    let key = InstanceKey::new(host, 3306).expect("key");
    Proposal::BeginDowntime(DowntimeRequest::parse(key, "test", "testing", "1h").expect("request"))
}

/// Installs a test log subscriber once (RUST_LOG controls it; quiet by default).
pub fn init_logging() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    });
}
