//! What `up` started: the MariaDB servers and the cluster, described as JSON and torn down.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::testkit::cluster::{Backend, ClusterSpec, ProcCluster};
use server::testkit::mariadb::{self, BackendDb, Sandbox, Server, Topology};

use crate::args::Up;
use crate::error::{KitError, Result};

/// Everything started, and the node ids learnt at start.
pub struct Kit {
    pub cluster: Option<ProcCluster>,
    pub ids: Vec<Option<u64>>,
    pub topologies: Vec<Topology>,
    pub backends: Vec<BackendDb>,
    pub sandbox: Option<Sandbox>,
    pub control: String,
    pub logs_dir: Option<PathBuf>,
}

impl Kit {
    /// Starts the MariaDB servers, then the nodes (with fresh ports, up to 3 times, if they do
    /// not elect a leader), and learns the nodes' raft ids.
    pub async fn up(up: &Up) -> Result<Kit> {
        let needs_mariadb = !up.topologies.is_empty() || (up.mysql_backend && up.nodes > 0);
        let sandbox = match needs_mariadb {
            true => Some(Sandbox::new().map_err(KitError::Sandbox)?),
            false => None,
        };
        let mut topologies = Vec::new();
        let mut backends = Vec::new();
        if let Some(sb) = &sandbox {
            let started = Instant::now();
            for (name, shape, n) in &up.topologies {
                let t = tokio::task::block_in_place(|| sb.topology(name, *shape, *n))
                    .map_err(|source| KitError::Topology { name: name.clone(), source })?;
                topologies.push(t);
            }
            if up.mysql_backend {
                for i in 0..up.nodes {
                    let db =
                        tokio::task::block_in_place(|| sb.backend_db(&format!("orchestrator{i}")))
                            .map_err(|source| KitError::BackendDb { node: i, source })?;
                    backends.push(db);
                }
            }
            eprintln!(
                "[testkit] MariaDB up in {} ms: {}",
                started.elapsed().as_millis(),
                servers(&topologies)
                    .map(|(_, name, s)| format!("{name}={}", s.port()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let mut kit = Kit {
            cluster: None,
            ids: Vec::new(),
            topologies,
            backends,
            sandbox,
            control: String::new(),
            logs_dir: up.logs_dir.clone(),
        };
        if up.nodes > 0 {
            kit.start_cluster(up).await?;
        }
        Ok(kit)
    }

    fn spec(&self, up: &Up) -> ClusterSpec {
        let node_backends = match up.mysql_backend {
            true => self.backends.iter().map(BackendDb::backend).collect(),
            false => vec![Backend::Sqlite; up.nodes],
        };
        let masters = self.topologies.iter().map(Topology::master);
        let mut spec = ClusterSpec::new(node_backends).temp_prefix("orc-testkit-");
        if !self.topologies.is_empty() {
            spec = spec.extra_keys(mariadb::orchestrator_keys(masters));
        }
        for extra in &up.extra {
            spec = spec.extra(extra);
        }
        if let Some(bin) = &up.bin {
            spec = spec.bin(bin);
        }
        if let Some(filter) = &up.rust_log {
            spec = spec.rust_log(Some(filter.clone()));
        }
        for (k, v) in &up.env {
            spec = spec.env(k, v);
        }
        spec
    }

    async fn start_cluster(&mut self, up: &Up) -> Result<()> {
        const ATTEMPTS: usize = 3;
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let mut cluster = self.spec(up).try_start().map_err(KitError::StartNodes)?;
            let all = cluster.all();
            match cluster.try_wait_for_leader(&all, up.deadline).await {
                Ok(leader) => {
                    let mut ids = Vec::new();
                    for i in &all {
                        let status = cluster.raft_status(*i).await;
                        ids.push(status.and_then(|s| s["NodeId"].as_u64()));
                    }
                    eprintln!(
                        "[testkit] {} nodes up in {} ms, leader node {leader}: {}",
                        all.len(),
                        started.elapsed().as_millis(),
                        cluster.urls().join(" ")
                    );
                    self.ids = ids;
                    self.cluster = Some(cluster);
                    return Ok(());
                }
                Err(e) => {
                    let e = cluster.check_alive().err().unwrap_or(e);
                    eprintln!("[testkit] start attempt {attempt} failed: {e}");
                    cluster.dump_logs(30);
                    self.copy_logs(&cluster);
                    if attempt == ATTEMPTS {
                        return Err(e.into());
                    }
                    attempt += 1;
                }
            }
        }
    }

    /// The cluster, or an error when `up` started none.
    pub fn cluster(&mut self) -> Result<&mut ProcCluster> {
        self.cluster.as_mut().ok_or(KitError::NoNodes)
    }

    /// The MariaDB server called `name` (`<topology>-<k>`, k from 1).
    pub fn server(&self, name: &str) -> Result<&Server> {
        servers(&self.topologies)
            .find(|(_, n, _)| n == name)
            .map(|(_, _, s)| s)
            .ok_or_else(|| KitError::NoSuchServer(name.to_string()))
    }

    /// The description printed at start and returned by the control API.
    pub fn describe(&self) -> Value {
        let nodes: Vec<Value> = match &self.cluster {
            None => Vec::new(),
            Some(c) => c
                .all()
                .into_iter()
                .map(|i| {
                    json!({
                        "index": i,
                        "id": self.ids.get(i).copied().flatten(),
                        "url": c.url(i),
                        "httpPort": c.http_port(i),
                        "raftAddr": c.raft_addr(i),
                        "pid": c.pid(i),
                        "dir": c.node_dir(i),
                        "configFile": c.config(i),
                        "logFile": c.log(i),
                    })
                })
                .collect(),
        };
        let mariadb: Vec<Value> = servers(&self.topologies)
            .map(|(t, name, s)| {
                json!({
                    "name": name,
                    "cluster": t.name,
                    "serverId": s.id(),
                    "host": s.host(),
                    "port": s.port(),
                    "pid": s.pid(),
                    "dir": s.dir(),
                    "socket": s.socket(),
                })
            })
            .collect();
        let backends: Vec<Value> =
            self.backends.iter().map(|b| json!({"url": b.url(), "pid": b.server.pid()})).collect();
        json!({
            "control": self.control,
            "pid": std::process::id(),
            "dir": self.cluster.as_ref().map(|c| c.dir().to_path_buf()),
            "nodes": nodes,
            "mariadb": {
                "dir": self.sandbox.as_ref().map(|s| s.dir().to_path_buf()),
                "servers": mariadb,
                "backends": backends,
            },
        })
    }

    fn copy_logs(&self, cluster: &ProcCluster) {
        let Some(dir) = &self.logs_dir else { return };
        let _ = std::fs::create_dir_all(dir);
        for i in cluster.all() {
            let _ = std::fs::copy(cluster.log(i), dir.join(format!("node{i}.log")));
        }
    }

    /// Kills the nodes (keeping copies of their logs when asked) and the MariaDB servers, and
    /// removes their directories.
    pub fn down(mut self) {
        if let Some(mut cluster) = self.cluster.take() {
            cluster.kill_all();
            self.copy_logs(&cluster);
        }
        self.backends.clear();
        self.topologies.clear();
        self.sandbox = None;
    }
}

/// Every topology server with its name `<topology>-<k>`.
fn servers(topologies: &[Topology]) -> impl Iterator<Item = (&Topology, String, &Server)> {
    topologies.iter().flat_map(|t| {
        t.servers.iter().enumerate().map(move |(k, s)| (t, format!("{}-{}", t.name, k + 1), s))
    })
}

/// How long a node restarted through the control API may take to be healthy.
pub const RESTART_DEADLINE: Duration = Duration::from_secs(60);
