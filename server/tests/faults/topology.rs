//! Topology: a real MariaDB star spread over the DCs — the master in one DC, one replica in each
//! other DC — each `mariadbd` started inside its DC's namespace and bound to the DC address, so
//! that the same cuts that partition the orchestrator nodes partition replication too. Plus the
//! config keys that make the nodes discover and fail it over quickly.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use server::testkit::mariadb::{Placement, Sandbox, Server};
use server::testkit::wait_until;
use server::testkit::Wait;

use crate::netns::FaultNet;
use crate::nodes::Nodes;

/// Deadline for discovery and failover conditions.
pub const DEADLINE: Duration = Duration::from_secs(45);

/// The servers and the sandbox owning their directories.
pub struct Topology {
    /// `db[0]` is the master; `db[k]` for k ≥ 1 replicate from it.
    pub db: Vec<Server>,
    /// DC of each server.
    pub dc: Vec<usize>,
    /// Keeps the directories alive.
    pub _sandbox: Sandbox,
}

/// `host:port` of a server, as orchestrator keys it.
pub fn key(s: &Server) -> String {
    s.key()
}

impl Topology {
    /// Master in `master_dc`, one replica in every other DC. `Err(reason)` when MariaDB is not
    /// installed (the scenario is then skipped).
    pub fn start(net: &Arc<FaultNet>, master_dc: usize) -> Result<Topology, String> {
        let dcs: Vec<usize> =
            std::iter::once(master_dc).chain((0..net.dcs()).filter(|d| *d != master_dc)).collect();
        Self::start_in(net, dcs)
    }

    /// A star with server `k` in DC `dcs[k]` (`dcs[0]`: the master's).
    pub fn start_in(net: &Arc<FaultNet>, dcs: Vec<usize>) -> Result<Topology, String> {
        Sandbox::available()?;
        let sandbox = Sandbox::new().map_err(|e| e.to_string())?;
        let places =
            dcs.iter().map(|d| Placement { netns: Some(net.ns(*d)), host: net.ip(*d) }).collect();
        let db = sandbox
            .start_placed(places)
            .map_err(|e| format!("starting MariaDB in the DCs: {e}"))?;
        for r in &db[1..] {
            r.replicate_from(&db[0]).map_err(|e| format!("replication across DCs: {e}"))?;
        }
        Ok(Topology { db, dc: dcs, _sandbox: sandbox })
    }

    /// Config keys for the nodes (no seeds: the topology is started after the nodes, once the
    /// leader is known, and seeded with [`Topology::seed`]): credentials, fast polling and
    /// timeouts, recovery of every cluster.
    pub fn config() -> &'static str {
        r#""MySQLTopologyUser": "orc", "MySQLTopologyPassword": "orcpass",
           "MySQLReplicaUser": "repl", "MySQLReplicaPassword": "replpass",
           "InstancePollSeconds": 1, "MySQLConnectTimeoutSeconds": 1, "MySQLDiscoveryReadTimeoutSeconds": 2,
           "RecoveryStartupGraceSeconds": 1,
           "RecoverMasterClusterFilters": ["*"], "RecoverIntermediateMasterClusterFilters": ["*"]"#
    }

    /// Asks the cluster (through node `via`, proxied to the leader) to discover the master, then
    /// waits until every node lists every server.
    pub async fn seed(&self, nodes: &Nodes, via: usize) {
        let m = &self.db[0];
        let (status, body) =
            nodes.get(via, &format!("/api/discover/{}/{}", m.host(), m.port())).await;
        assert_eq!(status, 200, "discover the master: {body}");
        self.wait_discovered(nodes).await;
    }

    /// Waits until every node lists all servers in the master's cluster.
    pub async fn wait_discovered(&self, nodes: &Nodes) {
        let path = format!("/api/cluster/{}", key(&self.db[0]));
        for i in nodes.all() {
            wait_until(
                DEADLINE,
                &format!("node {i} discovers {} instances", self.db.len()),
                || async {
                    let (status, v) = nodes.json(i, &path).await;
                    status == 200 && v.as_array().is_some_and(|a| a.len() == self.db.len())
                },
            )
            .await;
        }
    }

    /// Index of the server keyed `k`.
    pub fn index_of(&self, k: &str) -> Option<usize> {
        self.db.iter().position(|s| key(s) == k)
    }

    /// Whether server `i` is writable (`read_only=0`), asked over its unix socket.
    pub fn writable(&self, i: usize) -> bool {
        self.db[i].is_running()
            && self.db[i].sql("SELECT @@read_only").is_ok_and(|v| v.trim() == "0")
    }

    /// `Master_Port` of server `i`, when it replicates.
    pub fn master_port(&self, i: usize) -> Option<u16> {
        self.db[i]
            .slave_status()
            .ok()
            .and_then(|m| m.get("Master_Port").and_then(|p| p.parse().ok()))
    }
}

/// The successor key of an audit entry, `host:port`.
pub fn successor(recovery: &Value) -> Option<String> {
    let k = &recovery["SuccessorKey"];
    Some(format!("{}:{}", k["Hostname"].as_str()?, k["Port"]))
}

/// Waits until node `i`'s audit lists a recovery matching `pred`; returns it.
pub async fn wait_recovery(
    nodes: &Nodes,
    i: usize,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    Wait::new(DEADLINE, format!("a recovery on node {i} that {what}"))
        .every(Duration::from_millis(50))
        .result(|| async {
            let rs = crate::invariants::recoveries(nodes, i).await;
            rs.iter().find(|r| pred(r)).cloned().ok_or_else(|| format!("recoveries: {rs:?}"))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}
