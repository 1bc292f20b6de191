//! ProcCluster: real `orchestrator` processes on loopback, driven over HTTP, killed with SIGKILL.

use std::fs;
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Deadline for cluster-level conditions.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Polls `cond` every 25 ms until true or `timeout`; panics naming `what`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if cond().await {
            return;
        }
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_orchestrator")
}

/// Runs the binary to completion with `args` in `dir`; returns (status, stderr).
pub fn run_once(dir: &Path, args: &[&str]) -> (ExitStatus, String) {
    let out =
        Command::new(binary()).args(args).current_dir(dir).output().expect("run orchestrator");
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

/// Backend of one node.
#[derive(Clone)]
pub enum Backend {
    /// SQLite file in the node's dir.
    Sqlite,
    /// MySQL/MariaDB: (port, database, user, password).
    MySql(u16, String, String, String),
}

/// Three (or N) real processes.
pub struct ProcCluster {
    /// Scratch dir (configs, data, logs).
    pub dir: TempDir,
    /// HTTP ports.
    pub http_ports: Vec<u16>,
    /// Raft ports (`RaftBind`).
    #[allow(dead_code)]
    pub raft_ports: Vec<u16>,
    /// `http`, or `https` for nodes started with `UseSSL` (see `start_with`).
    pub scheme: &'static str,
    configs: Vec<PathBuf>,
    children: Vec<Option<Child>>,
    /// API client.
    pub http: reqwest::Client,
}

impl ProcCluster {
    /// Writes configs for `backends.len()` nodes (with `extra` JSON keys) and starts them all.
    pub fn start(backends: Vec<Backend>, extra: &str) -> Self {
        let http = reqwest::Client::builder().no_proxy().build().expect("client");
        Self::start_with(backends, extra, "http", http)
    }

    /// As `start`, with the nodes' HTTP `scheme` (`https` when `extra` sets `UseSSL`) and the
    /// client the helpers use (e.g. one that trusts a test CA or sends credentials).
    #[allow(dead_code)]
    pub fn start_with(
        backends: Vec<Backend>,
        extra: &str,
        scheme: &'static str,
        http: reqwest::Client,
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let n = backends.len();
        let http_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let raft_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let nodes =
            raft_ports.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect::<Vec<_>>().join(", ");
        let mut configs = Vec::new();
        for (i, backend) in backends.iter().enumerate() {
            let node_dir = dir.path().join(format!("n{i}"));
            fs::create_dir_all(&node_dir).expect("node dir");
            let backend_json = match backend {
                Backend::Sqlite => format!(
                    r#""BackendDB": "sqlite", "SQLite3DataFile": "{}""#,
                    node_dir.join("orchestrator.db").display()
                ),
                Backend::MySql(port, db, user, password) => format!(
                    r#""BackendDB": "mysql", "MySQLOrchestratorHost": "127.0.0.1", "MySQLOrchestratorPort": {port},
                       "MySQLOrchestratorDatabase": "{db}", "MySQLOrchestratorUser": "{user}",
                       "MySQLOrchestratorPassword": "{password}""#
                ),
            };
            let extra = if extra.is_empty() { String::new() } else { format!(", {extra}") };
            let text = format!(
                r#"{{ "RaftEnabled": true, "RaftDataDir": "{raft}", "RaftBind": "127.0.0.1:{rp}",
                     "RaftNodes": [{nodes}], "ListenAddress": "127.0.0.1:{hp}",
                     "HTTPAdvertise": "{scheme}://127.0.0.1:{hp}", {backend_json} {extra} }}"#,
                raft = node_dir.join("raft").display(),
                rp = raft_ports[i],
                hp = http_ports[i],
            );
            let path = node_dir.join("orchestrator.conf.json");
            fs::write(&path, text).expect("write config");
            configs.push(path);
        }
        let mut cluster = ProcCluster {
            dir,
            http_ports,
            raft_ports,
            scheme,
            configs,
            children: (0..n).map(|_| None).collect(),
            http,
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        cluster
    }

    /// Node `i`'s directory (its config, SQLite file `orchestrator.db`, `raft/`, `node.log`).
    #[allow(dead_code)]
    pub fn node_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("n{i}"))
    }

    /// Node `i`'s config file.
    #[allow(dead_code)]
    pub fn config(&self, i: usize) -> &Path {
        &self.configs[i]
    }

    /// Log file of node `i`.
    pub fn log(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("n{i}/node.log"))
    }

    /// Starts node `i`'s process.
    pub fn spawn(&mut self, i: usize) {
        assert!(self.children[i].is_none(), "node {i} already running");
        let log = fs::OpenOptions::new().create(true).append(true).open(self.log(i)).expect("log");
        let child = Command::new(binary())
            .args(["--config", &self.configs[i].to_string_lossy(), "http"])
            .current_dir(self.dir.path().join(format!("n{i}")))
            .env("RUST_LOG", "info,openraft=warn,sqlx=warn")
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn orchestrator");
        self.children[i] = Some(child);
    }

    /// SIGKILLs node `i` and reaps it.
    pub fn kill9(&mut self, i: usize) {
        if let Some(mut child) = self.children[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits for node `i` to exit by itself; returns its status.
    pub async fn wait_exit(&mut self, i: usize, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(child) = self.children[i].as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.children[i] = None;
                    return status;
                }
            }
            assert!(start.elapsed() < timeout, "node {i} did not exit within {timeout:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// GET on node `i`: (status, body); status 0 when the node cannot be reached.
    pub async fn get(&self, i: usize, path: &str) -> (u16, String) {
        let url = format!("{}://127.0.0.1:{}{path}", self.scheme, self.http_ports[i]);
        match self.http.get(url).timeout(Duration::from_secs(10)).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// Indexes of nodes answering 200 on /api/leader-check right now.
    pub async fn leaders(&self, nodes: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        for i in nodes {
            if self.get(*i, "/api/leader-check").await.0 == 200 {
                out.push(*i);
            }
        }
        out
    }

    /// Waits until exactly one of `nodes` answers 200 on leader-check and all of them are healthy.
    pub async fn wait_for_leader(&self, nodes: &[usize]) -> usize {
        let start = Instant::now();
        loop {
            let leaders = self.leaders(nodes).await;
            let mut healthy = true;
            for i in nodes {
                healthy &= self.get(*i, "/api/raft-health").await.0 == 200;
            }
            if leaders.len() == 1 && healthy {
                return leaders[0];
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no single healthy leader among {nodes:?} after {DEADLINE:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The `ReplicatedDigest` of node `i` (from /api/raft-status).
    pub async fn digest(&self, i: usize) -> Option<String> {
        let (status, body) = self.get(i, "/api/raft-status").await;
        if status != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        v.get("ReplicatedDigest")?.as_str().map(String::from)
    }

    /// Waits until `nodes` report the same replicated digest.
    pub async fn wait_converged(&self, nodes: &[usize]) {
        wait_until(DEADLINE, "identical replicated digests", || async {
            let mut digests = Vec::new();
            for i in nodes {
                digests.push(self.digest(*i).await);
            }
            digests.iter().all(|d| d.is_some()) && digests.windows(2).all(|w| w[0] == w[1])
        })
        .await;
    }

    /// Dumps every node's log to stderr (for failing tests).
    pub fn dump_logs(&self) {
        for i in 0..self.configs.len() {
            eprintln!(
                "----- node {i} log -----\n{}",
                fs::read_to_string(self.log(i)).unwrap_or_default()
            );
        }
    }
}

impl Drop for ProcCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump_logs();
        }
        for i in 0..self.children.len() {
            self.kill9(i);
        }
    }
}
