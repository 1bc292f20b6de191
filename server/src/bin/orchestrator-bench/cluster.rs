//! Three real `orchestrator --config FILE http` processes on loopback, each with its own
//! temp directory (raft dir + SQLite file), free ports found at runtime; SIGKILL and restart.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::process::{Child, Command};

use crate::machine::cpu_time;

/// Per-request timeout of control-plane probes (leader-check, raft-health, raft-status).
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// How to start the nodes.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The `orchestrator` binary.
    pub bin: PathBuf,
    /// Parent directory for the nodes' directories.
    pub dir: PathBuf,
    /// Number of nodes.
    pub nodes: usize,
    /// `RUST_LOG` for the nodes (`None`: inherit this process's environment).
    pub node_log: Option<String>,
    /// Extra JSON keys (`"Key": value, ...`) added to every node's config.
    pub extra: String,
}

struct NodeProc {
    http: SocketAddr,
    config: PathBuf,
    log: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

/// The running cluster. Dropping it SIGKILLs every node (`kill_on_drop`).
pub struct Cluster {
    opts: ClusterOptions,
    nodes: Vec<NodeProc>,
    probe: reqwest::Client,
}

/// Finds `n` distinct free loopback ports by binding port 0 (all held until every one is known).
fn free_ports(n: usize) -> Result<Vec<SocketAddr>> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .context("bind port 0")?;
    listeners.iter().map(|l| l.local_addr().context("local_addr")).collect()
}

impl Cluster {
    /// Writes configs and starts every node, then waits for a leader known to all.
    pub async fn start(opts: ClusterOptions, deadline: Duration) -> Result<Self> {
        let ports = free_ports(opts.nodes * 2)?;
        let (raft, http) = ports.split_at(opts.nodes);
        let nodes_json = raft.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
        let extra =
            if opts.extra.trim().is_empty() { String::new() } else { format!(", {}", opts.extra) };
        let mut nodes = Vec::new();
        for i in 0..opts.nodes {
            let dir = opts.dir.join(format!("n{i}"));
            std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
            let text = format!(
                r#"{{ "RaftEnabled": true, "RaftDataDir": {raft_dir}, "RaftBind": "{bind}", "RaftNodes": [{nodes_json}],
  "ListenAddress": "{http}", "HTTPAdvertise": "http://{http}",
  "BackendDB": "sqlite", "SQLite3DataFile": {db} {extra} }}
"#,
                raft_dir = json_str(&dir.join("raft")),
                bind = raft[i],
                http = http[i],
                db = json_str(&dir.join("orchestrator.db")),
            );
            let config = dir.join("orchestrator.conf.json");
            std::fs::write(&config, text).with_context(|| format!("write {}", config.display()))?;
            nodes.push(NodeProc {
                http: http[i],
                config,
                log: dir.join("node.log"),
                dir,
                child: None,
            });
        }
        let probe = reqwest::Client::builder()
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .context("HTTP client")?;
        let mut cluster = Cluster { opts, nodes, probe };
        for i in 0..cluster.nodes.len() {
            cluster.spawn(i)?;
        }
        cluster.wait_settled(deadline).await?;
        Ok(cluster)
    }

    fn spawn(&mut self, i: usize) -> Result<()> {
        let node = &mut self.nodes[i];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .with_context(|| format!("open {}", node.log.display()))?;
        let mut cmd = Command::new(&self.opts.bin);
        cmd.arg("--config")
            .arg(&node.config)
            .arg("http")
            // The node's own directory: no stray Leptos.toml is picked up from the caller's cwd.
            .current_dir(&node.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        if let Some(level) = &self.opts.node_log {
            cmd.env("RUST_LOG", level);
        }
        let child = cmd.spawn().with_context(|| format!("spawn {}", self.opts.bin.display()))?;
        node.child = Some(child);
        Ok(())
    }

    /// HTTP base URL of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!("http://{}", self.nodes[i].http)
    }

    /// Indexes of running nodes.
    pub fn running(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|i| self.nodes[*i].child.is_some()).collect()
    }

    /// OS process ids of running nodes (`None` for stopped ones).
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.nodes.iter().map(|n| n.child.as_ref().and_then(|c| c.id())).collect()
    }

    /// Sum of the nodes' CPU time (user + system).
    pub fn cpu_time(&self) -> Duration {
        self.pids().into_iter().flatten().filter_map(cpu_time).sum()
    }

    /// Fails if a node that should run has exited, naming its log.
    fn check_alive(&mut self) -> Result<()> {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if let Some(child) = node.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    node.child = None;
                    bail!(
                        "node {i} exited ({status}); see {}:\n{}",
                        node.log.display(),
                        tail(&node.log, 15)
                    );
                }
            }
        }
        Ok(())
    }

    async fn status_of(&self, i: usize, path: &str) -> Option<u16> {
        let r = self
            .probe
            .get(format!("{}{path}", self.url(i)))
            .timeout(PROBE_TIMEOUT)
            .send()
            .await
            .ok()?;
        let status = r.status().as_u16();
        let _ = r.bytes().await;
        Some(status)
    }

    /// The running node answering 200 to `/api/leader-check`, if exactly one does.
    pub async fn leader(&self) -> Option<usize> {
        let running = self.running();
        let checks = running.iter().map(|i| self.status_of(*i, "/api/leader-check"));
        let answers = futures::future::join_all(checks).await;
        let leaders: Vec<usize> =
            running.iter().zip(answers).filter(|(_, s)| *s == Some(200)).map(|(i, _)| *i).collect();
        (leaders.len() == 1).then(|| leaders[0])
    }

    /// Whether node `i` answers 200 to `/api/raft-health` (leader with quorum, or follower of a
    /// known leader).
    pub async fn healthy(&self, i: usize) -> bool {
        self.status_of(i, "/api/raft-health").await == Some(200)
    }

    /// `AppliedIndex` from node `i`'s `/api/raft-status`.
    pub async fn applied_index(&self, i: usize) -> Option<u64> {
        let r = self
            .probe
            .get(format!("{}/api/raft-status", self.url(i)))
            .timeout(PROBE_TIMEOUT)
            .send()
            .await
            .ok()?;
        let v: serde_json::Value = r.json().await.ok()?;
        v.get("AppliedIndex").and_then(|x| x.as_u64())
    }

    /// `(LogAppends, LogSyncs)` from every node's `/api/raft-status` (raft log append calls and
    /// the fdatasyncs that made them durable); `None` for a stopped node or an older build.
    pub async fn log_stats(&self) -> Vec<Option<(u64, u64)>> {
        let mut out = Vec::with_capacity(self.nodes.len());
        for i in 0..self.nodes.len() {
            if self.nodes[i].child.is_none() {
                out.push(None);
                continue;
            }
            let url = format!("{}/api/raft-status", self.url(i));
            let v: Option<serde_json::Value> =
                match self.probe.get(url).timeout(PROBE_TIMEOUT).send().await {
                    Ok(r) => r.json().await.ok(),
                    Err(_) => None,
                };
            out.push(v.and_then(|v| {
                Some((v.get("LogAppends")?.as_u64()?, v.get("LogSyncs")?.as_u64()?))
            }));
        }
        out
    }

    /// Waits until exactly one node leads, every running node is healthy, and every running
    /// node has applied what the leader had applied when first seen. Returns the leader.
    pub async fn wait_settled(&mut self, deadline: Duration) -> Result<usize> {
        let start = Instant::now();
        let mut target: Option<(usize, u64)> = None;
        loop {
            self.check_alive()?;
            if let Some(l) = self.leader().await {
                let target_index = match target {
                    Some((tl, idx)) if tl == l => Some(idx),
                    _ => {
                        target = self.applied_index(l).await.map(|idx| (l, idx));
                        target.map(|(_, idx)| idx)
                    }
                };
                if let Some(idx) = target_index {
                    let mut ok = true;
                    for i in self.running() {
                        if !self.healthy(i).await
                            || self.applied_index(i).await.is_none_or(|a| a < idx)
                        {
                            ok = false;
                            break;
                        }
                    }
                    if ok {
                        return Ok(l);
                    }
                }
            }
            if start.elapsed() > deadline {
                bail!(
                    "no settled leader after {deadline:?}; node logs are under {}",
                    self.opts.dir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILLs node `i` and reaps it.
    pub async fn kill(&mut self, i: usize) -> Result<()> {
        if let Some(mut child) = self.nodes[i].child.take() {
            child.start_kill().context("SIGKILL")?;
            child.wait().await.context("reap killed node")?;
        }
        Ok(())
    }

    /// Starts a stopped node `i` again (same config, ports and data) and waits until it is
    /// healthy and caught up. Retries the spawn if the node exits early (e.g. a port still held).
    pub async fn restart(&mut self, i: usize, deadline: Duration) -> Result<usize> {
        let start = Instant::now();
        loop {
            self.spawn(i)?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            match self.check_alive() {
                Ok(()) => break,
                Err(e) if start.elapsed() < deadline => {
                    eprintln!(
                        "  restart of node {i} failed, retrying: {}",
                        first_line(&e.to_string())
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        }
        self.wait_settled(deadline.saturating_sub(start.elapsed()).max(Duration::from_secs(5)))
            .await
    }

    /// SIGKILLs every node.
    pub async fn stop_all(&mut self) {
        for i in 0..self.nodes.len() {
            let _ = self.kill(i).await;
        }
    }
}

/// A path as a JSON string literal.
fn json_str(p: &Path) -> String {
    serde_json::Value::String(p.display().to_string()).to_string()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
