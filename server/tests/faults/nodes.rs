//! Nodes: three real `orchestrator` processes, node i inside DC i's namespace (raft on
//! `<DC ip>:10008`, HTTP on `<DC ip>:3000`), driven over HTTP from the root namespace, killed with
//! SIGKILL or stopped with SIGTERM, restarted on the same data. Nothing here injects faults.

use std::fs;
use std::future::Future;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::Value;
use tempfile::TempDir;

use crate::netns::FaultNet;

/// Deadline for cluster-level conditions (elections, convergence).
pub const DEADLINE: Duration = Duration::from_secs(30);
/// Raft port inside every DC.
const RAFT_PORT: u16 = 10008;
/// HTTP port inside every DC.
const HTTP_PORT: u16 = 3000;

/// Polls `cond` every 25 ms until true; panics naming `what` after `timeout`.
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

/// A node's backend.
#[derive(Clone)]
pub enum Backend {
    /// SQLite file in the node's directory.
    Sqlite,
    /// A MariaDB server inside the node's own namespace on 127.0.0.1: (port, database, user, password).
    MySql(u16, String, String, String),
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
    fn prctl(option: i32, ...) -> i32;
}
const PR_SET_PDEATHSIG: i32 = 1;
const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;

/// Spawns from one long-lived thread with `PR_SET_PDEATHSIG` (which fires when the spawning
/// *thread* exits), so that a node dies with the test process even if that is SIGKILLed.
fn spawn_child(mut cmd: Command) -> Child {
    type Job = Box<dyn FnOnce() + Send>;
    static SPAWNER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::spawn(move || rx.into_iter().for_each(|job| job()));
        tx
    });
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| match prctl(PR_SET_PDEATHSIG, SIGKILL as std::ffi::c_ulong) {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        });
    }
    let (rtx, rrx) = mpsc::channel();
    tx.send(Box::new(move || drop(rtx.send(cmd.spawn())))).expect("spawner thread");
    rrx.recv().expect("spawner thread").expect("spawn orchestrator")
}

/// The three processes.
pub struct Nodes {
    /// Scratch dir: `n<i>/` holds config, raft data, SQLite file, `node.log`, `hooks.log`.
    pub dir: TempDir,
    /// The namespaces they run in.
    pub net: Arc<FaultNet>,
    configs: Vec<PathBuf>,
    children: Vec<Option<Child>>,
    /// HTTP client (no proxy).
    pub http: reqwest::Client,
    /// The leader lease: `RaftElectionTimeoutMillis` (a leader answers 200 on leader-check only
    /// while its last quorum ack is younger than this).
    pub lease: Duration,
}

impl Nodes {
    /// Writes a config per node (with `extra` JSON keys appended) and starts all of them.
    pub fn start(net: Arc<FaultNet>, backends: Vec<Backend>, extra: &str) -> Nodes {
        let dir = tempfile::Builder::new().prefix("orc-faults-").tempdir().expect("tempdir");
        let n = backends.len();
        assert!(n <= net.dcs(), "one node per DC");
        let nodes =
            (0..n).map(|i| format!("\"{}:{RAFT_PORT}\"", net.ip(i))).collect::<Vec<_>>().join(", ");
        let lease_ms = extra
            .split("\"RaftElectionTimeoutMillis\":")
            .nth(1)
            .and_then(|r| {
                r.trim().split(|c: char| !c.is_ascii_digit()).next().and_then(|d| d.parse().ok())
            })
            .unwrap_or(300u64);
        let mut configs = Vec::new();
        for (i, backend) in backends.iter().enumerate() {
            let node_dir = dir.path().join(format!("n{i}"));
            fs::create_dir_all(&node_dir).expect("node dir");
            let backend_json = match backend {
                Backend::Sqlite => {
                    format!(
                        r#""BackendDB": "sqlite", "SQLite3DataFile": "{}""#,
                        node_dir.join("orchestrator.db").display()
                    )
                }
                Backend::MySql(port, db, user, password) => format!(
                    r#""BackendDB": "mysql", "MySQLOrchestratorHost": "127.0.0.1", "MySQLOrchestratorPort": {port},
                       "MySQLOrchestratorDatabase": "{db}", "MySQLOrchestratorUser": "{user}",
                       "MySQLOrchestratorPassword": "{password}""#
                ),
            };
            let hook = format!(
                "echo \\\"{{failureType}} {{failedHost}}:{{failedPort}} {{successorHost}}:{{successorPort}}\\\" >> {}",
                node_dir.join("hooks.log").display()
            );
            let extra = if extra.is_empty() { String::new() } else { format!(", {extra}") };
            let ip = net.ip(i);
            let text = format!(
                r#"{{ "RaftEnabled": true, "RaftDataDir": "{raft}", "RaftBind": "{ip}:{RAFT_PORT}",
                     "RaftNodes": [{nodes}], "ListenAddress": "{ip}:{HTTP_PORT}",
                     "HTTPAdvertise": "http://{ip}:{HTTP_PORT}", {backend_json},
                     "PostFailoverProcesses": ["{hook}"] {extra} }}"#,
                raft = node_dir.join("raft").display(),
            );
            let path = node_dir.join("orchestrator.conf.json");
            fs::write(&path, text).expect("write config");
            configs.push(path);
        }
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(8)
            .build()
            .expect("client");
        let mut c = Nodes {
            dir,
            net,
            configs,
            children: (0..n).map(|_| None).collect(),
            http,
            lease: Duration::from_millis(lease_ms),
        };
        for i in 0..n {
            c.spawn(i);
        }
        c
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// All node indexes.
    pub fn all(&self) -> Vec<usize> {
        (0..self.len()).collect()
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

    /// Node `i`'s HTTP base URL.
    pub fn url(&self, i: usize) -> String {
        format!("http://{}:{HTTP_PORT}", self.ip(i))
    }

    /// Node `i`'s log file.
    pub fn log(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("n{i}/node.log"))
    }

    /// Where node `i`'s `PostFailoverProcesses` hook appends (absent until it ran once).
    pub fn hook_log(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("n{i}/hooks.log"))
    }

    /// Starts node `i` inside its DC.
    pub fn spawn(&mut self, i: usize) {
        assert!(self.children[i].is_none(), "node {i} already running");
        let log = fs::OpenOptions::new().create(true).append(true).open(self.log(i)).expect("log");
        let mut cmd = self.net.command(i, crate::binary());
        cmd.args(["--config", &self.configs[i].to_string_lossy(), "http"])
            .current_dir(self.dir.path().join(format!("n{i}")))
            .env("RUST_LOG", "info,openraft=warn,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log));
        self.children[i] = Some(spawn_child(cmd));
    }

    /// Whether node `i`'s process is running.
    pub fn is_running(&mut self, i: usize) -> bool {
        match self.children[i].as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(_) => {
                self.children[i] = None;
                false
            }
            None => false,
        }
    }

    /// SIGKILLs node `i` and reaps it (no-op when it is not running).
    pub fn kill9(&mut self, i: usize) {
        if let Some(mut child) = self.children[i].take() {
            // SAFETY: plain syscall on our own unreaped child.
            unsafe { kill(child.id() as i32, SIGKILL) };
            let _ = child.wait();
        }
    }

    /// SIGTERM (graceful shutdown), waits up to 15 s, then SIGKILL.
    pub async fn stop(&mut self, i: usize) {
        if let Some(child) = self.children[i].as_ref() {
            // SAFETY: plain syscall on our own unreaped child.
            unsafe { kill(child.id() as i32, SIGTERM) };
        }
        let start = Instant::now();
        while self.is_running(i) && start.elapsed() < Duration::from_secs(15) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill9(i);
    }

    /// Waits for node `i` to exit by itself; its status.
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

    /// GET on node `i` with a timeout: (status, body); status 0 when unreachable.
    pub async fn get_within(&self, i: usize, path: &str, timeout: Duration) -> (u16, String) {
        match self.http.get(format!("{}{path}", self.url(i))).timeout(timeout).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// GET on node `i` (5 s timeout).
    pub async fn get(&self, i: usize, path: &str) -> (u16, String) {
        self.get_within(i, path, Duration::from_secs(5)).await
    }

    /// GET parsed as JSON (`Null` when not JSON).
    pub async fn json(&self, i: usize, path: &str) -> (u16, Value) {
        let (status, body) = self.get(i, path).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// Which of `nodes` answer 200 on `/api/leader-check` (asked concurrently).
    pub async fn leaders(&self, nodes: &[usize]) -> Vec<usize> {
        let answers = join_all(
            nodes.iter().map(|i| self.get_within(*i, "/api/leader-check", Duration::from_secs(2))),
        )
        .await;
        nodes.iter().zip(answers).filter(|(_, (s, _))| *s == 200).map(|(i, _)| *i).collect()
    }

    /// Waits until exactly one of `nodes` answers 200 on leader-check and all of them answer
    /// 200 on raft-health; returns the leader.
    pub async fn wait_for_leader(&self, nodes: &[usize]) -> usize {
        let start = Instant::now();
        loop {
            let leaders = self.leaders(nodes).await;
            if leaders.len() == 1 {
                let health = join_all(
                    nodes
                        .iter()
                        .map(|i| self.get_within(*i, "/api/raft-health", Duration::from_secs(2))),
                )
                .await;
                if health.iter().all(|(s, _)| *s == 200) {
                    return leaders[0];
                }
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no single healthy leader among {nodes:?} after {DEADLINE:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Node `i`'s `/api/raft-status`, if it answers.
    pub async fn raft_status(&self, i: usize) -> Option<Value> {
        let (status, body) = self.get_within(i, "/api/raft-status", Duration::from_secs(2)).await;
        (status == 200).then(|| serde_json::from_str(&body).ok()).flatten()
    }

    /// The highest raft term any of the running nodes reports.
    pub async fn max_term(&self) -> u64 {
        let all = self.all();
        let statuses = join_all(all.iter().map(|i| self.raft_status(*i))).await;
        statuses.iter().flatten().filter_map(|v| v["Term"].as_u64()).max().unwrap_or(0)
    }

    /// Waits until `nodes` report the same `ReplicatedDigest` and the same applied index.
    pub async fn wait_converged(
        &self,
        nodes: &[usize],
        timeout: Duration,
    ) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let statuses = join_all(nodes.iter().map(|i| self.raft_status(*i))).await;
            let last = statuses
                .iter()
                .map(|s| {
                    s.as_ref().map(|v| {
                        (
                            v["ReplicatedDigest"].as_str().unwrap_or("").to_string(),
                            v["AppliedIndex"].as_u64(),
                        )
                    })
                })
                .collect::<Vec<_>>();
            if last.iter().all(|d| d.is_some()) && last.windows(2).all(|w| w[0] == w[1]) {
                return Ok(last[0].clone().map(|d| d.0).unwrap_or_default());
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "digests/applied indexes still differ after {timeout:?}: {last:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The node whose address appears in an audit entry's `ProcessingNodeHostname`.
    pub fn node_of_host(&self, host: &str) -> Option<usize> {
        self.all().into_iter().find(|i| self.ip(*i) == host)
    }

    /// The last `lines` lines of every node's log, to stderr.
    pub fn dump_logs(&self, lines: usize) {
        for i in 0..self.len() {
            let text = fs::read_to_string(self.log(i)).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            eprintln!("----- node {i} (DC{}) log, last {lines} lines -----", i + 1);
            for l in &all[all.len().saturating_sub(lines)..] {
                eprintln!("{l}");
            }
        }
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump_logs(40);
        }
        for i in 0..self.children.len() {
            self.kill9(i);
        }
        if std::env::var_os("ORC_FAULTS_KEEP").is_some() {
            let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
            eprintln!("--- kept node directories (configs, logs, data): {}", dir.keep().display());
        }
    }
}
