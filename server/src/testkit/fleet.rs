//! Fleet: a MariaDB topology plus a 3-node orchestrator cluster configured to manage it (the
//! failover, refactoring and client tests' common setup).

use std::time::Duration;

use super::cluster::{Backend, ProcCluster};
use super::mariadb::{self, Sandbox, Server};
use super::{wait_until, Wait};
use serde_json::Value;

/// Deadline for discovery and failover conditions.
pub const DEADLINE: Duration = Duration::from_secs(45);

/// Servers, their sandbox, and the orchestrator cluster.
pub struct Fleet {
    /// MariaDB servers (index 0 is the master of a star).
    pub db: Vec<Server>,
    /// The orchestrator processes.
    pub orc: ProcCluster,
    /// Keeps the servers' directories.
    pub _sandbox: Sandbox,
    /// Where hooks write.
    pub hook_file: std::path::PathBuf,
}

/// `127.0.0.1:port` of a server.
pub fn key(s: &Server) -> String {
    s.key()
}

/// Config keys that make orchestrator manage the sandbox quickly.
fn config(seed: &Server, hook_file: &std::path::Path, extra: &str) -> String {
    let hook = format!(
        "echo \\\"{{failureType}} {{failedHost}}:{{failedPort}} {{successorHost}}:{{successorPort}} {{failureCluster}}\\\" >> {}",
        hook_file.display()
    );
    format!(
        r#""MySQLTopologyUser": "orc", "MySQLTopologyPassword": "orcpass",
           "MySQLReplicaUser": "repl", "MySQLReplicaPassword": "replpass",
           "InstancePollSeconds": 1, "RecoveryStartupGraceSeconds": 1,
           "RecoverMasterClusterFilters": ["*"], "RecoverIntermediateMasterClusterFilters": ["*"],
           "PostFailoverProcesses": ["{hook}"],
           "DiscoverySeeds": ["{seed}"] {extra}"#,
        seed = key(seed)
    )
}

impl Fleet {
    /// A star of `n` MariaDB servers and 3 orchestrator nodes seeded with one replica.
    /// `Ok(None)` (after printing why) when MariaDB is not installed; an error when the
    /// servers cannot be started.
    pub fn star(test: &str, n: usize, extra: &str) -> Result<Option<Fleet>, mariadb::Error> {
        let Some((sandbox, db)) = sandboxed_star(test, n)? else { return Ok(None) };
        Ok(Some(Self::manage(sandbox, db, 1, extra)))
    }

    /// Starts orchestrator for already-running servers, seeded with `db[seed]`.
    pub fn manage(sandbox: Sandbox, db: Vec<Server>, seed: usize, extra: &str) -> Fleet {
        let hook_file = sandbox.dir().join("hooks.log");
        let orc =
            ProcCluster::start(vec![Backend::Sqlite; 3], &config(&db[seed], &hook_file, extra));
        Fleet { db, orc, _sandbox: sandbox, hook_file }
    }

    /// As [`Fleet::star`], with the cluster's spec adjusted by `adjust` (e.g. per-node keys).
    pub fn star_with(
        test: &str,
        n: usize,
        extra: &str,
        adjust: impl FnOnce(super::cluster::ClusterSpec) -> super::cluster::ClusterSpec,
    ) -> Result<Option<Fleet>, mariadb::Error> {
        let Some((sandbox, db)) = sandboxed_star(test, n)? else { return Ok(None) };
        let hook_file = sandbox.dir().join("hooks.log");
        let spec = super::cluster::ClusterSpec::new(vec![Backend::Sqlite; 3])
            .extra(&config(&db[1], &hook_file, extra));
        let orc = adjust(spec).start();
        Ok(Some(Fleet { db, orc, _sandbox: sandbox, hook_file }))
    }

    /// GET on node `i`, parsed as JSON (`Value::Null` when not JSON).
    pub async fn json(&self, i: usize, path: &str) -> (u16, Value) {
        let (status, body) = self.orc.get(i, path).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// Waits until every node lists `count` instances in the cluster of `db[member]`.
    pub async fn wait_discovered(&self, member: usize, count: usize) {
        let path = format!("/api/cluster/{}", key(&self.db[member]));
        for i in 0..3 {
            wait_until(DEADLINE, &format!("node {i} discovers {count} instances"), || async {
                let (status, v) = self.json(i, &path).await;
                status == 200 && v.as_array().is_some_and(|a| a.len() == count)
            })
            .await;
        }
    }

    /// Analysis codes node `i` reports, as (key, code) ([`ProcCluster::analysis`]).
    pub async fn analysis(&self, i: usize) -> Vec<(String, String)> {
        self.orc.analysis(i).await
    }

    /// Recoveries recorded on node `i` ([`ProcCluster::recoveries`]).
    pub async fn recoveries(&self, i: usize) -> Vec<Value> {
        self.orc.recoveries(i).await
    }

    /// Waits until node `i` records a resolved recovery; returns it.
    pub async fn wait_resolved_recovery(&self, i: usize) -> Value {
        Wait::new(DEADLINE, format!("a resolved recovery on node {i}"))
            .every(Duration::from_millis(100))
            .result(|| async {
                let rs = self.recoveries(i).await;
                let resolved = rs.iter().find(|r| {
                    r["IsActive"] == Value::Bool(false)
                        || r["RecoveryEndTimestamp"].as_str().is_some_and(|t| !t.is_empty())
                });
                resolved.cloned().ok_or_else(|| format!("recoveries: {rs:?}"))
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The successor key of a recovery entry, as `host:port`.
    pub fn successor(recovery: &Value) -> String {
        let k = &recovery["SuccessorKey"];
        format!("{}:{}", k["Hostname"].as_str().unwrap_or(""), k["Port"])
    }

    /// Index of the server with key `k`.
    pub fn index_of(&self, k: &str) -> usize {
        self.db.iter().position(|s| key(s) == k).unwrap_or_else(|| panic!("no server {k}"))
    }
}

/// A sandbox running a star of `n` servers; `None` (after printing why) without MariaDB.
fn sandboxed_star(test: &str, n: usize) -> Result<Option<(Sandbox, Vec<Server>)>, mariadb::Error> {
    if let Err(why) = mariadb::available() {
        eprintln!("SKIPPED {test}: MariaDB is not installed ({why})");
        return Ok(None);
    }
    let sandbox = Sandbox::new()?;
    let db = sandbox.star(n)?;
    Ok(Some((sandbox, db)))
}

/// `SHOW SLAVE STATUS` Master_Port of a server, if it replicates.
pub fn master_port(s: &Server) -> Option<u16> {
    s.slave_status().ok().and_then(|m| m.get("Master_Port").and_then(|p| p.parse().ok()))
}
