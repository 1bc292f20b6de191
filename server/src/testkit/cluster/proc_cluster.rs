//! The running cluster: its nodes' processes (spawn, kill -9, stop, exit) and files.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::node::Node;
use super::{Backend, ClusterError, ClusterSpec, Launcher};
use crate::testkit::ports::ReservedPort;
use crate::testkit::process::{self, spawn_child, Signal};

/// N real `orchestrator` processes; see the module doc. Dropping it SIGKILLs every node.
pub struct ProcCluster {
    nodes: Vec<Node>,
    bin: PathBuf,
    root: PathBuf,
    temp: Option<tempfile::TempDir>,
    launcher: Option<Launcher>,
    env: Vec<(String, String)>,
    rust_log: Option<String>,
    scheme: String,
    pub(super) http: reqwest::Client,
    pub(super) request_timeout: Duration,
    pub(super) probe_timeout: Duration,
    pub(super) deadline: Duration,
    dump_lines: usize,
    url_prefix: String,
    _ports: Vec<ReservedPort>,
}

impl ProcCluster {
    pub(super) fn new(
        spec: ClusterSpec,
        bin: PathBuf,
        root: PathBuf,
        temp: Option<tempfile::TempDir>,
        nodes: Vec<Node>,
        http: reqwest::Client,
        ports: Vec<ReservedPort>,
    ) -> ProcCluster {
        // The nodes serve under URLPrefix when the spec sets one: every URL here includes it.
        let url_prefix = spec
            .common_extra()
            .ok()
            .and_then(|keys| keys.get("URLPrefix").and_then(|v| v.as_str()).map(String::from))
            .and_then(|text| crate::config::url_prefix::read(&text).ok())
            .unwrap_or_default();
        ProcCluster {
            url_prefix,
            nodes,
            bin,
            root,
            temp,
            launcher: spec.launcher,
            env: spec.env,
            rust_log: spec.rust_log,
            scheme: spec.scheme,
            http,
            request_timeout: spec.request_timeout,
            probe_timeout: spec.probe_timeout,
            deadline: spec.deadline,
            dump_lines: spec.dump_lines,
            _ports: ports,
        }
    }

    /// Writes configs for `backends.len()` nodes (with `extra` JSON keys, see
    /// [`ClusterSpec::extra`]) and starts them all; panics on failure.
    pub fn start(backends: Vec<Backend>, extra: &str) -> ProcCluster {
        ClusterSpec::new(backends).extra(extra).start()
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// All node indexes.
    pub fn all(&self) -> Vec<usize> {
        (0..self.nodes.len()).collect()
    }

    /// Indexes of the nodes started and not killed, stopped or seen exited.
    pub fn running(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|i| self.nodes[*i].child.is_some()).collect()
    }

    /// The binary the nodes run.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The directory holding the nodes' directories.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Node `i`'s directory (config, `raft/`, SQLite file `orchestrator.db`, `node.log`).
    pub fn node_dir(&self, i: usize) -> &Path {
        &self.nodes[i].dir
    }

    /// Node `i`'s config file.
    pub fn config(&self, i: usize) -> &Path {
        &self.nodes[i].config
    }

    /// Node `i`'s log file (stdout and stderr, appended across restarts).
    pub fn log(&self, i: usize) -> &Path {
        &self.nodes[i].log
    }

    /// The nodes' HTTP scheme.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The HTTP client the helpers use.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Node `i`'s address.
    pub fn host(&self, i: usize) -> &str {
        &self.nodes[i].addr.host
    }

    /// Node `i`'s HTTP port.
    pub fn http_port(&self, i: usize) -> u16 {
        self.nodes[i].addr.http_port
    }

    /// Node `i`'s raft port.
    pub fn raft_port(&self, i: usize) -> u16 {
        self.nodes[i].addr.raft_port
    }

    /// Node `i`'s raft address (`host:port`).
    pub fn raft_addr(&self, i: usize) -> String {
        self.nodes[i].addr.raft()
    }

    /// Node `i`'s HTTP base URL, with the nodes' `URLPrefix` if they have one.
    pub fn url(&self, i: usize) -> String {
        format!("{}{}", self.origin(i), self.url_prefix)
    }

    /// Node `i`'s scheme, host and port (no `URLPrefix`): its raft members' `http_uri`.
    pub fn origin(&self, i: usize) -> String {
        format!("{}://{}", self.scheme, self.nodes[i].addr.http())
    }

    /// Every node's HTTP base URL.
    pub fn urls(&self) -> Vec<String> {
        self.all().into_iter().map(|i| self.url(i)).collect()
    }

    /// Node `i`'s pid while it is started (it may have exited unseen).
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].child.as_ref().map(|c| c.id())
    }

    /// Every node's pid (see [`ProcCluster::pid`]).
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.all().into_iter().map(|i| self.pid(i)).collect()
    }

    /// Whether node `i`'s process is running (an exited one is reaped here).
    pub fn is_running(&mut self, i: usize) -> bool {
        let node = &mut self.nodes[i];
        match node.child.as_mut().map(|c| c.try_wait()) {
            Some(Ok(None)) => true,
            Some(_) => {
                node.child = None;
                false
            }
            None => false,
        }
    }

    /// Starts node `i`'s process (same config, ports and data); panics on failure.
    pub fn spawn(&mut self, i: usize) {
        self.try_spawn(i).unwrap_or_else(|e| panic!("spawn node {i}: {e}"));
    }

    /// Starts node `i`'s process (same config, ports and data). Does not wait for it.
    pub fn try_spawn(&mut self, i: usize) -> Result<(), ClusterError> {
        if self.is_running(i) {
            return Err(ClusterError::AlreadyRunning { node: i });
        }
        let node = &self.nodes[i];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .map_err(ClusterError::io(format!("open {}", node.log.display())))?;
        let out = log.try_clone().map_err(ClusterError::io("clone the log handle"))?;
        let mut cmd = match &self.launcher {
            Some(launch) => launch(i, &self.bin),
            None => Command::new(&self.bin),
        };
        cmd.arg("--config")
            .arg(&node.config)
            .arg("http")
            // The node's own directory: no stray Leptos.toml is picked up from the caller's cwd.
            .current_dir(&node.dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(log);
        if let Some(filter) = &self.rust_log {
            cmd.env("RUST_LOG", filter);
        }
        let child = spawn_child(cmd)
            .map_err(ClusterError::io(format!("spawn {} for node {i}", self.bin.display())))?;
        self.nodes[i].child = Some(child);
        Ok(())
    }

    /// SIGKILLs node `i` and reaps it (no-op when it is not running).
    pub fn kill9(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGKILLs every node.
    pub fn kill_all(&mut self) {
        for i in self.all() {
            self.kill9(i);
        }
    }

    /// Graceful stop: SIGTERM, up to 15 s for the exit, then SIGKILL.
    pub async fn stop(&mut self, i: usize) {
        if let Some(pid) = self.pid(i) {
            let _ = process::send(pid, Signal::Term);
        }
        let start = Instant::now();
        while self.is_running(i) && start.elapsed() < Duration::from_secs(15) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill9(i);
    }

    /// Waits for node `i` to exit by itself; its status. Panics after `timeout`.
    pub async fn wait_exit(&mut self, i: usize, timeout: Duration) -> ExitStatus {
        match self.try_wait_exit(i, timeout).await {
            Ok(status) => status,
            Err(e) => panic!("node {i}: {e}"),
        }
    }

    /// Waits for node `i` to exit by itself; its status.
    pub async fn try_wait_exit(
        &mut self,
        i: usize,
        timeout: Duration,
    ) -> Result<ExitStatus, ClusterError> {
        let start = Instant::now();
        loop {
            if let Some(child) = self.nodes[i].child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.nodes[i].child = None;
                    return Ok(status);
                }
            }
            if start.elapsed() >= timeout {
                let what = format!("node {i} to exit");
                return Err(crate::testkit::TimedOut { what, timeout, last: None }.into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails if a node that should run has exited, naming its log.
    pub fn check_alive(&mut self) -> Result<(), ClusterError> {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if let Some(child) = node.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    node.child = None;
                    let tail = process::tail(&node.log, 15);
                    let (status, log) = (status.to_string(), node.log.clone());
                    return Err(ClusterError::Exited { node: i, status, log, tail });
                }
            }
        }
        Ok(())
    }

    /// Keeps the nodes' directories after the cluster is dropped; returns where they are.
    pub fn keep(&mut self) -> PathBuf {
        if let Some(temp) = self.temp.take() {
            let _ = temp.keep();
        }
        self.root.clone()
    }

    /// The last `lines` lines of every node's log, to stderr.
    pub fn dump_logs(&self, lines: usize) {
        for (i, node) in self.nodes.iter().enumerate() {
            eprintln!("----- node {i} log ({}), last {lines} lines -----", node.log.display());
            eprintln!("{}", process::tail(&node.log, lines));
        }
    }
}

impl Drop for ProcCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump_logs(self.dump_lines);
        }
        self.kill_all();
    }
}
