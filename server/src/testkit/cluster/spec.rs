//! What to start: nodes, backends, addresses, config keys, environment, and how to reach them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::config::{parse_extra, NodeConfig};
use super::node::Node;
use super::{orchestrator_binary, Backend, ClusterError, ProcCluster, DEADLINE, NODE_LOG};
use crate::testkit::ports::reserve_port;

/// Builds the command that runs the binary for node `i` (e.g. `ip netns exec ns<i> <bin>`);
/// the kit adds the arguments, directory, environment and output.
pub type Launcher = Arc<dyn Fn(usize, &Path) -> Command + Send + Sync>;
/// Extra config keys for node `i` (whose directory is given), applied after the common ones.
pub type NodeExtra = Arc<dyn Fn(usize, &Path) -> Map<String, Value> + Send + Sync>;

/// Where a node listens: raft on `host:raft_port`, HTTP on `host:http_port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAddr {
    /// Address to bind and advertise.
    pub host: String,
    /// `RaftBind` port.
    pub raft_port: u16,
    /// `ListenAddress` port.
    pub http_port: u16,
}

impl NodeAddr {
    /// `host:raft_port`.
    pub fn raft(&self) -> String {
        format!("{}:{}", self.host, self.raft_port)
    }
    /// `host:http_port`.
    pub fn http(&self) -> String {
        format!("{}:{}", self.host, self.http_port)
    }
}

/// How to start a [`ProcCluster`]; `start`/`try_start` write the configs and spawn every node
/// (without waiting for a leader).
#[derive(Clone)]
pub struct ClusterSpec {
    pub(super) bin: Option<PathBuf>,
    pub(super) backends: Vec<Backend>,
    pub(super) extra: Vec<String>,
    pub(super) extra_keys: Map<String, Value>,
    pub(super) node_extra: Option<NodeExtra>,
    pub(super) addrs: Option<Vec<NodeAddr>>,
    pub(super) launcher: Option<Launcher>,
    pub(super) env: Vec<(String, String)>,
    pub(super) rust_log: Option<String>,
    pub(super) scheme: String,
    pub(super) client: Option<reqwest::Client>,
    pub(super) dir: Option<PathBuf>,
    pub(super) temp_prefix: String,
    pub(super) request_timeout: Duration,
    pub(super) probe_timeout: Duration,
    pub(super) deadline: Duration,
    pub(super) dump_lines: usize,
    pub(super) joiners: usize,
}

impl fmt::Debug for ClusterSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterSpec")
            .field("bin", &self.bin)
            .field("backends", &self.backends)
            .field("extra", &self.extra)
            .field("extra_keys", &self.extra_keys)
            .field("addrs", &self.addrs)
            .field("scheme", &self.scheme)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl ClusterSpec {
    /// One node per backend; loopback addresses on reserved ports, `http`, a temp dir.
    pub fn new(backends: Vec<Backend>) -> ClusterSpec {
        ClusterSpec {
            bin: None,
            backends,
            extra: Vec::new(),
            extra_keys: Map::new(),
            node_extra: None,
            addrs: None,
            launcher: None,
            env: Vec::new(),
            rust_log: Some(NODE_LOG.into()),
            scheme: "http".into(),
            client: None,
            dir: None,
            temp_prefix: "orc-cluster-".into(),
            request_timeout: Duration::from_secs(10),
            probe_timeout: Duration::from_secs(5),
            deadline: DEADLINE,
            dump_lines: 200,
            joiners: 0,
        }
    }

    /// `n` nodes with SQLite backends.
    pub fn sqlite(n: usize) -> ClusterSpec {
        ClusterSpec::new(vec![Backend::Sqlite; n])
    }

    /// The `orchestrator` binary (default: [`orchestrator_binary`]).
    pub fn bin(mut self, bin: impl Into<PathBuf>) -> Self {
        self.bin = Some(bin.into());
        self
    }

    /// Extra config keys for every node, as JSON object members (`"Key": value, ...`) or an
    /// object; may be called more than once (later keys win).
    pub fn extra(mut self, extra: &str) -> Self {
        self.extra.push(extra.to_string());
        self
    }

    /// Extra config keys for every node, as a map (applied after [`ClusterSpec::extra`]).
    pub fn extra_keys(mut self, keys: Map<String, Value>) -> Self {
        self.extra_keys.extend(keys);
        self
    }

    /// Extra config keys per node (applied last).
    pub fn node_extra(
        mut self,
        f: impl Fn(usize, &Path) -> Map<String, Value> + Send + Sync + 'static,
    ) -> Self {
        self.node_extra = Some(Arc::new(f));
        self
    }

    /// The nodes' addresses (default: 127.0.0.1 and reserved ports).
    pub fn addrs(mut self, addrs: Vec<NodeAddr>) -> Self {
        self.addrs = Some(addrs);
        self
    }

    /// How to run the binary for a node (default: directly).
    pub fn launcher(mut self, f: impl Fn(usize, &Path) -> Command + Send + Sync + 'static) -> Self {
        self.launcher = Some(Arc::new(f));
        self
    }

    /// An environment variable for every node.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// `RUST_LOG` of the nodes; `None` inherits this process's (default: [`NODE_LOG`]).
    pub fn rust_log(mut self, filter: Option<String>) -> Self {
        self.rust_log = filter;
        self
    }

    /// The nodes' HTTP scheme (`https` when the extra keys set `UseSSL`).
    pub fn scheme(mut self, scheme: &str) -> Self {
        self.scheme = scheme.to_string();
        self
    }

    /// The client the cluster's HTTP helpers use (e.g. trusting a test CA, sending credentials).
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Put the nodes' directories in `dir` (kept afterwards) instead of a new temp dir.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Prefix of the temp dir's name (default `orc-cluster-`).
    pub fn temp_prefix(mut self, prefix: &str) -> Self {
        self.temp_prefix = prefix.to_string();
        self
    }

    /// Timeout of [`ProcCluster::get`] (default 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Timeout of the control-plane probes: leader-check, raft-health, raft-status (default 5 s).
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// Deadline of the panicking waits ([`ProcCluster::wait_for_leader`], …; default [`DEADLINE`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Log lines per node dumped when a test panics with the cluster alive (default 200).
    pub fn dump_lines(mut self, lines: usize) -> Self {
        self.dump_lines = lines;
        self
    }

    /// The last `n` nodes join later: the others' `RaftNodes` lists only the others, a joiner's
    /// lists them and itself, and `start` does not spawn joiners (spawn one, then add it with
    /// `raft-add-peer`).
    pub fn joiners(mut self, n: usize) -> Self {
        self.joiners = n;
        self
    }

    /// The extra keys for every node, parsed.
    pub fn common_extra(&self) -> Result<Map<String, Value>, ClusterError> {
        let mut keys = Map::new();
        for text in &self.extra {
            keys.extend(parse_extra(text)?);
        }
        keys.extend(self.extra_keys.clone());
        Ok(keys)
    }

    /// Writes the configs and spawns every node; panics on failure.
    pub fn start(self) -> ProcCluster {
        self.try_start().unwrap_or_else(|e| panic!("start the cluster: {e}"))
    }

    /// Writes the configs and spawns every node.
    pub fn try_start(self) -> Result<ProcCluster, ClusterError> {
        let bin = match &self.bin {
            Some(bin) if bin.is_file() => bin.clone(),
            Some(bin) => return Err(ClusterError::BinaryNotFound(bin.display().to_string())),
            None => orchestrator_binary()?,
        };
        let extra = self.common_extra()?;
        let n = self.backends.len();
        let mut ports = Vec::new();
        let addrs = match &self.addrs {
            Some(addrs) if addrs.len() == n => addrs.clone(),
            Some(addrs) => {
                return Err(ClusterError::Config(format!(
                    "{} addresses for {n} nodes",
                    addrs.len()
                )))
            }
            None => (0..n)
                .map(|_| {
                    let (raft, http) = (reserve_port()?, reserve_port()?);
                    let addr = NodeAddr {
                        host: "127.0.0.1".into(),
                        raft_port: raft.get(),
                        http_port: http.get(),
                    };
                    ports.extend([raft, http]);
                    Ok(addr)
                })
                .collect::<std::io::Result<Vec<_>>>()
                .map_err(ClusterError::io("reserve ports"))?,
        };
        let (root, temp) = match &self.dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix(&self.temp_prefix)
                    .tempdir()
                    .map_err(ClusterError::io("create the cluster's temp dir"))?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let all_raft: Vec<String> = addrs.iter().map(NodeAddr::raft).collect();
        let seeds = n.saturating_sub(self.joiners);
        let mut nodes = Vec::with_capacity(n);
        for (i, (addr, backend)) in addrs.into_iter().zip(&self.backends).enumerate() {
            let mut raft_nodes: Vec<String> = all_raft[..seeds].to_vec();
            if i >= seeds {
                raft_nodes.push(all_raft[i].clone());
            }
            let dir = root.join(format!("n{i}"));
            std::fs::create_dir_all(&dir).map_err(ClusterError::io(format!("create {dir:?}")))?;
            let mut keys = extra.clone();
            if let Some(f) = &self.node_extra {
                keys.extend(f(i, &dir));
            }
            let config = NodeConfig {
                addr: &addr,
                raft_nodes: &raft_nodes,
                scheme: &self.scheme,
                dir: &dir,
                backend,
            };
            let text = serde_json::to_string_pretty(&config.json(&keys))
                .map_err(|e| ClusterError::Config(e.to_string()))?;
            let path = dir.join("orchestrator.conf.json");
            std::fs::write(&path, text).map_err(ClusterError::io(format!("write {path:?}")))?;
            nodes.push(Node::new(addr, dir, path));
        }
        let http = match &self.client {
            Some(client) => client.clone(),
            None => reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(8)
                .build()
                .map_err(|e| ClusterError::Http(e.to_string()))?,
        };
        let mut cluster = ProcCluster::new(self, bin, root, temp, nodes, http, ports);
        for i in 0..seeds {
            cluster.try_spawn(i)?;
        }
        Ok(cluster)
    }
}
