//! Setup: MariaDB topologies, 3 orchestrator processes discovering them, JSON reads on a node,
//! waiting on every node, and running `orchestrator-client` against the cluster.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use server::testkit::cluster::{Backend, ProcCluster};
use server::testkit::mariadb::{self, Sandbox, Server};
use server::testkit::Wait;

/// Deadline for discovery and analysis conditions (generous: CI machines are shared).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The alias `ClusterNameToAlias` gives the star's cluster.
pub const STAR_ALIAS: &str = "shop";

/// `127.0.0.1:port` of a server.
pub fn key(s: &Server) -> String {
    s.key()
}

/// `{Hostname, Port}` of a server, as the API writes keys.
pub fn key_json(s: &Server) -> Value {
    serde_json::json!({"Hostname": "127.0.0.1", "Port": s.port()})
}

/// `host:port` of a key object.
pub fn key_text(v: &Value) -> String {
    format!("{}:{}", v["Hostname"].as_str().unwrap_or(""), v["Port"])
}

/// MariaDB servers and the orchestrator nodes managing them.
pub struct Fleet {
    /// A 1+2 star: `star[0]` is the master.
    pub star: Vec<Server>,
    /// A chain `chain[0]` → `chain[1]` → `chain[2]` (empty when not asked for).
    pub chain: Vec<Server>,
    /// The orchestrator processes.
    pub orc: ProcCluster,
    _sandbox: Sandbox,
}

impl Fleet {
    /// A star (and a chain when `with_chain`), and 3 nodes seeded with their top masters.
    /// `None` (reason printed) when MariaDB is not installed.
    pub fn start(test: &str, with_chain: bool) -> Option<Fleet> {
        if let Err(why) = mariadb::available() {
            eprintln!("SKIPPED {test}: MariaDB is not installed ({why})");
            return None;
        }
        let sandbox = Sandbox::new().expect("sandbox");
        let star = sandbox.star(3).expect("star topology");
        let chain = if with_chain {
            let c = sandbox.start(3).expect("chain servers");
            sandbox.chain(&c[0], &c[1]).expect("chain 0 -> 1");
            sandbox.chain(&c[1], &c[2]).expect("chain 1 -> 2");
            c
        } else {
            Vec::new()
        };
        let seeds: Vec<String> = std::iter::once(&star[0])
            .chain(chain.first())
            .map(|s| format!("\"{}\"", key(s)))
            .collect();
        let extra = format!(
            r#""MySQLTopologyUser": "orc", "MySQLTopologyPassword": "orcpass", "InstancePollSeconds": 1,
               "DiscoverySeeds": [{}], "ClusterNameToAlias": {{"^{}$": "{STAR_ALIAS}"}}"#,
            seeds.join(", "),
            key(&star[0]).replace('.', "[.]"),
        );
        let orc = ProcCluster::start(vec![Backend::Sqlite; 3], &extra);
        Some(Fleet { star, chain, orc, _sandbox: sandbox })
    }

    /// GET on node `i`: (status, JSON; `Null` when the body is not JSON).
    pub async fn json(&self, i: usize, path: &str) -> (u16, Value) {
        let (status, body) = self.orc.get(i, path).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// Waits until `check` holds for node `i`'s answer to `path`; returns that answer.
    pub async fn wait_json(
        &self,
        i: usize,
        path: &str,
        what: &str,
        check: impl Fn(u16, &Value) -> bool,
    ) -> Value {
        Wait::new(DEADLINE, format!("{what} on node {i}"))
            .every(Duration::from_millis(100))
            .result(|| async {
                let (status, v) = self.json(i, path).await;
                match check(status, &v) {
                    true => Ok(v),
                    false => Err(format!("{path}: {status} {v}")),
                }
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Waits on every node until it lists `count` instances in the cluster `hint`.
    pub async fn wait_cluster(&self, hint: &str, count: usize) {
        let path = format!("/api/cluster/{hint}");
        for i in 0..3 {
            let what = format!("{count} valid instances in cluster {hint}");
            self.wait_json(i, &path, &what, |status, v| {
                status == 200
                    && v.as_array().is_some_and(|a| {
                        a.len() == count && a.iter().all(|i| i["IsLastCheckValid"] == true)
                    })
            })
            .await;
        }
    }

    /// Runs `orchestrator-client` with `args` against the three nodes.
    pub async fn client(&self, args: &[&str]) -> ClientRun {
        let api = self.orc.urls().join(" ");
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_orchestrator-client"))
            .args(args)
            .env("ORCHESTRATOR_API", api)
            .env_remove("ORCHESTRATOR_INSTANCE")
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), out)
            .await
            .expect("client finishes")
            .expect("run client");
        ClientRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// One `orchestrator-client` run.
#[derive(Debug)]
pub struct ClientRun {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ClientRun {
    /// stdout lines, asserting a 0 exit.
    pub fn lines(&self) -> Vec<&str> {
        assert_eq!(self.code, 0, "client failed: {self:?}");
        self.stdout.lines().collect()
    }
}

/// Polls `probe` every 100 ms until it yields a value; panics naming `what` after [`DEADLINE`].
pub async fn wait_for<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    Wait::new(DEADLINE, what)
        .every(Duration::from_millis(100))
        .value(probe)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}
