//! Nodes: three real `orchestrator` processes from the test kit's process cluster, node i inside
//! DC i's namespace (started with `ip netns exec`; raft on `<DC ip>:10008`, HTTP on
//! `<DC ip>:3000`), each with a `PostFailoverProcesses` hook appending to its `hooks.log`. Driven
//! over HTTP from the root namespace with the kit's helpers (`Deref` to [`ProcCluster`]): killed
//! with SIGKILL or stopped with SIGTERM, restarted on the same data. Nothing here injects faults.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use server::testkit::cluster::{parse_extra, Backend, ClusterSpec, NodeAddr, ProcCluster};

use crate::netns::FaultNet;

/// Raft port inside every DC.
const RAFT_PORT: u16 = 10008;
/// HTTP port inside every DC.
const HTTP_PORT: u16 = 3000;

/// The three processes, in their DCs.
pub struct Nodes {
    cluster: ProcCluster,
    /// The namespaces they run in.
    pub net: Arc<FaultNet>,
    /// The leader lease: `RaftElectionTimeoutMillis` (a leader answers 200 on leader-check only
    /// while its last quorum ack is younger than this).
    pub lease: Duration,
}

impl Deref for Nodes {
    type Target = ProcCluster;
    fn deref(&self) -> &ProcCluster {
        &self.cluster
    }
}

impl DerefMut for Nodes {
    fn deref_mut(&mut self) -> &mut ProcCluster {
        &mut self.cluster
    }
}

/// Node config keys: the failover hook, writing to the node's `hooks.log`.
fn hook(dir: &std::path::Path) -> Map<String, Value> {
    let line = "{failureType} {failedHost}:{failedPort} {successorHost}:{successorPort}";
    let hook = format!("echo \"{line}\" >> {}", dir.join("hooks.log").display());
    let mut keys = Map::new();
    keys.insert("PostFailoverProcesses".into(), vec![hook].into());
    keys
}

impl Nodes {
    /// Writes a config per node (with `extra` JSON keys) and starts all of them.
    pub fn start(net: Arc<FaultNet>, backends: Vec<Backend>, extra: &str) -> Nodes {
        let n = backends.len();
        assert!(n <= net.dcs(), "one node per DC");
        let lease_ms = parse_extra(extra)
            .expect("extra config keys")
            .get("RaftElectionTimeoutMillis")
            .and_then(Value::as_u64)
            .unwrap_or(300);
        let addrs = (0..n)
            .map(|i| NodeAddr { host: net.ip(i), raft_port: RAFT_PORT, http_port: HTTP_PORT })
            .collect();
        let launch = net.clone();
        let cluster = ClusterSpec::new(backends)
            .node_extra(|_, dir| hook(dir))
            .extra(extra)
            .addrs(addrs)
            .launcher(move |i, bin| launch.command(i, &bin.to_string_lossy()))
            .temp_prefix("orc-faults-")
            .request_timeout(Duration::from_secs(5))
            .probe_timeout(Duration::from_secs(2))
            .dump_lines(40)
            .start();
        Nodes { cluster, net, lease: Duration::from_millis(lease_ms) }
    }

    /// How long after a cut a cut-off leader may still answer 200 on leader-check: its lease
    /// (`RaftElectionTimeoutMillis`) runs from the send time of its last heartbeat a quorum
    /// acknowledged, which may precede the cut by up to one heartbeat interval
    /// (`RaftHeartbeatMillis`, 100 ms here), plus 100 ms for the raft core's metrics refresh and
    /// scheduling on a loaded 2-core box.
    pub fn step_down_bound(&self) -> Duration {
        self.lease + Duration::from_millis(100) + Duration::from_millis(100)
    }

    /// Node `i`'s address (its DC's).
    pub fn ip(&self, i: usize) -> String {
        self.net.ip(i)
    }

    /// Where node `i`'s `PostFailoverProcesses` hook appends (absent until it ran once).
    pub fn hook_log(&self, i: usize) -> PathBuf {
        self.node_dir(i).join("hooks.log")
    }

    /// The node whose address appears in an audit entry's `ProcessingNodeHostname`.
    pub fn node_of_host(&self, host: &str) -> Option<usize> {
        self.all().into_iter().find(|i| self.ip(*i) == host)
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        if std::env::var_os("ORC_FAULTS_KEEP").is_some() {
            let dir = self.cluster.keep();
            eprintln!("--- kept node directories (configs, logs, data): {}", dir.display());
        }
    }
}
