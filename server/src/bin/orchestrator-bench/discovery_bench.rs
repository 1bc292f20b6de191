//! `orchestrator-bench discovery`: how many instances each node probes per second, and what it
//! costs in CPU, with as many sandbox MariaDB servers as the machine holds.
//!
//! The servers form stars of `--cluster-size` (1 master + GTID replicas). The 3 nodes get every
//! master as a `DiscoverySeeds` entry (the crawl finds the replicas), `InstancePollSeconds`
//! (1: the shortest), no recovery, and each node its own topology user (`orc0`, `orc1`, `orc2`,
//! through a relative `MySQLTopologyCredentialsConfigFile` resolved in the node's directory).
//! The servers run with `userstat=ON`, so `information_schema.USER_STATISTICS` counts every
//! node's connections — one per probe — and the server CPU spent on them, per node.
//!
//! For each step of `--instances` (e.g. `20,40,80`): start the servers that are missing (new
//! stars are announced with `/api/discover` on the leader), wait until every node knows every
//! server with a valid last check, let it run `--warmup`, then measure over `--duration`:
//! probes/s per node (Δ `TOTAL_CONNECTIONS` of its user over all servers), the node's CPU (user +
//! system, `/proc/<pid>/stat`), CPU per probe, the servers' CPU for those probes, and at the end
//! each node's view (instances valid, oldest last-seen) and the time of `/api/all-instances`.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use server::testkit::cluster::ProcCluster;
use server::testkit::mariadb::{self, Sandbox, Server, NODE_USERS, ORC_PASSWORD, ORC_USER};
use sqlx::Connection;

use crate::error::{BenchError, Result};
use crate::machine::{self, cpu_time, rss_mib, MachineInfo};
use crate::orc_api::{flag, get_200, get_json, key_port, list};

/// Options of the discovery benchmark.
#[derive(Debug, Clone)]
pub struct DiscoveryArgs {
    /// Instance counts, measured in this order (increasing).
    pub steps: Vec<usize>,
    /// Servers per star.
    pub cluster_size: usize,
    /// `InstancePollSeconds`.
    pub instance_poll: u64,
    /// Settling time before each measurement.
    pub warmup: Duration,
    /// Measurement window.
    pub duration: Duration,
    /// Extra JSON config keys for every node.
    pub extra: String,
    /// `RUST_LOG` for the nodes.
    pub node_log: Option<String>,
}

impl Default for DiscoveryArgs {
    fn default() -> Self {
        DiscoveryArgs {
            steps: vec![40],
            cluster_size: 4,
            instance_poll: 1,
            warmup: Duration::from_secs(5),
            duration: Duration::from_secs(20),
            extra: String::new(),
            node_log: None,
        }
    }
}

/// One node in one step.
#[derive(Debug, Clone, Default)]
pub struct NodeFigures {
    pub probes_per_s: f64,
    pub cpu_cores: f64,
    pub cpu_per_probe: Option<Duration>,
    pub server_cpu_per_probe: Option<Duration>,
    pub discovered_in: Option<Duration>,
    pub valid: usize,
    pub oldest_seen_s: i64,
    pub api_all_instances: Option<Duration>,
    pub rss_mib: f64,
}

/// One step.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub instances: usize,
    pub window: Duration,
    pub nodes: Vec<NodeFigures>,
    pub servers_cpu_cores: f64,
    pub bench_cpu_cores: f64,
    pub machine_busy_cores: Option<f64>,
    pub servers_rss_mib: f64,
    /// Servers started for this step, and how long starting them and their replication took.
    pub added: usize,
    pub start_servers: Duration,
}

/// The report.
pub struct DiscoveryReport {
    pub machine: MachineInfo,
    pub command: String,
    pub args: DiscoveryArgs,
    pub version: String,
    pub steps: Vec<Step>,
    pub load_end: String,
    pub total: Duration,
}

/// Counters at one instant.
struct Snapshot {
    at: Instant,
    node_cpu: Vec<Option<Duration>>,
    /// Per node user: (connections, server CPU seconds).
    users: Vec<(u64, f64)>,
    servers_cpu: Duration,
    bench_cpu: Option<Duration>,
    machine_busy: Option<u64>,
}

/// Busy jiffies of the whole machine (`/proc/stat` first line: all but idle and iowait).
fn machine_busy_jiffies() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?;
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    if v.len() < 5 {
        return None;
    }
    Some(v.iter().sum::<u64>() - v[3] - v[4])
}

/// Memory a new server is assumed to take (RSS + its datadir on tmpfs), MiB.
const MIB_PER_SERVER: f64 = 120.0;
/// Memory left to the machine's other users, MiB.
const RESERVE_MIB: f64 = 4096.0;

/// `MemAvailable` in MiB.
fn mem_available_mib() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: f64 = text
        .lines()
        .find(|l| l.starts_with("MemAvailable:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Per node user (`orc0`..): summed `TOTAL_CONNECTIONS` and `CPU_TIME` over `ports`.
async fn user_stats(ports: &[u16]) -> Result<Vec<(u64, f64)>> {
    const STATS: &str =
        "SELECT USER, TOTAL_CONNECTIONS, CPU_TIME FROM information_schema.USER_STATISTICS";
    let results: Vec<std::result::Result<Vec<HashMap<String, String>>, mariadb::Error>> =
        futures::stream::iter(ports.iter().copied())
            .map(|p| async move {
                let mut c = mariadb::connect("127.0.0.1", p).await?;
                let rows = mariadb::query(&mut c, STATS).await;
                let _ = c.close().await;
                rows
            })
            .buffer_unordered(8)
            .collect()
            .await;
    let mut out = vec![(0u64, 0f64); NODE_USERS];
    for rows in results {
        for row in rows? {
            let user = row.get("USER").map(String::as_str).unwrap_or("");
            let Some(i) = user
                .strip_prefix(ORC_USER)
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|i| *i < NODE_USERS)
            else {
                continue;
            };
            out[i].0 +=
                row.get("TOTAL_CONNECTIONS").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            out[i].1 += row.get("CPU_TIME").and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        }
    }
    Ok(out)
}

async fn snapshot(cluster: &ProcCluster, servers: &[Server]) -> Result<Snapshot> {
    let ports: Vec<u16> = servers.iter().map(Server::port).collect();
    // The CPU counters are read around the (slower) SQL round, at its midpoint.
    let at0 = Instant::now();
    let node_cpu = cluster.pids().into_iter().map(|p| p.and_then(cpu_time)).collect();
    let servers_cpu = servers.iter().filter_map(Server::pid).filter_map(cpu_time).sum();
    let bench_cpu = cpu_time(std::process::id());
    let machine_busy = machine_busy_jiffies();
    let users = user_stats(&ports).await?;
    let at = at0 + at0.elapsed() / 2;
    Ok(Snapshot { at, node_cpu, users, servers_cpu, bench_cpu, machine_busy })
}

/// Starts `n` servers as stars of `size`; returns them and the masters' ports.
fn start_stars(sandbox: &Sandbox, n: usize, size: usize) -> Result<(Vec<Server>, Vec<u16>)> {
    let (servers, masters) = tokio::task::block_in_place(|| sandbox.stars(n, size))?;
    let masters = masters.into_iter().map(|i| servers[i].port()).collect();
    Ok((servers, masters))
}

/// Until every node lists every port valid; per node, when it first did (from `since`).
async fn wait_discovered(
    cluster: &ProcCluster,
    client: &reqwest::Client,
    ports: &[u16],
    since: Instant,
    deadline: Duration,
) -> Result<Vec<Option<Duration>>> {
    let nodes = cluster.running();
    let mut done: Vec<Option<Duration>> = vec![None; nodes.len().max(3)];
    loop {
        for i in &nodes {
            if done[*i].is_some() {
                continue;
            }
            let Ok(v) = get_json(client, &format!("{}/api/all-instances", cluster.url(*i))).await
            else {
                continue;
            };
            let all = list(&v);
            let valid = all
                .iter()
                .filter(|x| {
                    flag(x, "IsLastCheckValid")
                        && key_port(x.get("Key")).is_some_and(|p| ports.contains(&p))
                })
                .count();
            if valid >= ports.len() {
                done[*i] = Some(since.elapsed());
            }
        }
        if nodes.iter().all(|i| done[*i].is_some()) {
            return Ok(done);
        }
        if since.elapsed() > deadline {
            return Err(BenchError::NotDiscovered {
                instances: ports.len(),
                deadline,
                progress: format!("{done:?}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the benchmark.
pub async fn run(
    args: DiscoveryArgs,
    bin: &Path,
    dir: &Path,
    machine: MachineInfo,
    command: String,
) -> Result<()> {
    let started = Instant::now();
    if args.steps.is_empty() || args.steps.windows(2).any(|w| w[1] <= w[0]) {
        return Err(BenchError::BadArgument(
            "--instances must be increasing, e.g. 20,40,80".into(),
        ));
    }
    mariadb::available().map_err(mariadb::Error::NotInstalled)?;
    let version = std::process::Command::new("mariadbd")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let sandbox = Sandbox::new()?.with_cnf("userstat = ON");
    let mut servers: Vec<Server> = Vec::new();
    let mut cluster: Option<ProcCluster> = None;
    let client = crate::load::client()?;
    let mut steps = Vec::new();

    let result: Result<()> = async {
        for &target in &args.steps {
            let add = target - servers.len();
            // Each server takes ~80 MiB of RSS plus ~30 MiB of tmpfs; keep 4 GiB for others.
            let need_mib = add as f64 * MIB_PER_SERVER + RESERVE_MIB;
            if let Some(avail) = mem_available_mib() {
                if avail < need_mib {
                    eprintln!("stopping before {target} instances: {avail:.0} MiB available, {need_mib:.0} MiB wanted");
                    break;
                }
            }
            eprintln!("starting {add} MariaDB servers (→ {target}) ...");
            let t = Instant::now();
            let (new, masters) = start_stars(&sandbox, add, args.cluster_size)?;
            let start_servers = t.elapsed();
            eprintln!("  {add} started and replicating in {:.1} s", start_servers.as_secs_f64());
            servers.extend(new);
            let ports: Vec<u16> = servers.iter().map(Server::port).collect();
            let since = Instant::now();
            match cluster.as_ref() {
                None => {
                    for i in 0..3 {
                        let d = dir.join(format!("n{i}"));
                        std::fs::create_dir_all(&d).map_err(BenchError::file("create", &d))?;
                        let cnf = d.join("topology.cnf");
                        std::fs::write(&cnf, format!("[client]\nuser={ORC_USER}{i}\npassword={ORC_PASSWORD}\n"))
                            .map_err(BenchError::file("write", &cnf))?;
                    }
                    let seeds = masters.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect::<Vec<_>>().join(", ");
                    let extra = format!(
                        r#""MySQLTopologyCredentialsConfigFile": "topology.cnf", "InstancePollSeconds": {}, "DiscoverySeeds": [{seeds}]{}"#,
                        args.instance_poll,
                        if args.extra.trim().is_empty() { String::new() } else { format!(", {}", args.extra) }
                    );
                    eprintln!("starting 3 orchestrator nodes (seeds: {} masters) ...", masters.len());
                    cluster = Some(crate::nodes::start(bin, dir, 3, args.node_log.clone(), &extra).await?);
                }
                Some(c) => {
                    let leader = c.leader().await.ok_or(BenchError::NoLeader)?;
                    for p in &masters {
                        get_200(&client, &format!("{}/api/discover/127.0.0.1/{p}", c.url(leader))).await?;
                    }
                }
            }
            let c = cluster
                .as_mut()
                .ok_or_else(|| BenchError::Message("no cluster was started".into()))?;
            let discovered = wait_discovered(c, &client, &ports, since, Duration::from_secs(120)).await?;
            eprintln!("  every node knows all {target} instances: {:?}", discovered.iter().map(|d| d.map(|d| format!("{:.2} s", d.as_secs_f64()))).collect::<Vec<_>>());
            tokio::time::sleep(args.warmup).await;
            eprintln!("  measuring for {:.0} s ...", args.duration.as_secs_f64());
            let a = snapshot(c, &servers).await?;
            tokio::time::sleep(args.duration).await;
            let b = snapshot(c, &servers).await?;
            let mut step = figures(&a, &b, target);
            step.start_servers = start_servers;
            step.added = add;
            step.servers_rss_mib = servers.iter().filter_map(Server::pid).map(rss_mib).sum();
            for (i, pid) in c.pids().into_iter().enumerate() {
                let Some(node) = step.nodes.get_mut(i) else { continue };
                node.discovered_in = discovered.get(i).copied().flatten();
                node.rss_mib = pid.map(rss_mib).unwrap_or(0.0);
                let t = Instant::now();
                if let Ok(v) = get_json(&client, &format!("{}/api/all-instances", c.url(i))).await {
                    node.api_all_instances = Some(t.elapsed());
                    let ours: Vec<_> = list(&v).into_iter().filter(|x| key_port(x.get("Key")).is_some_and(|p| ports.contains(&p))).collect();
                    node.valid = ours.iter().filter(|x| flag(x, "IsLastCheckValid")).count();
                    node.oldest_seen_s = ours
                        .iter()
                        .filter_map(|x| x.get("SecondsSinceLastSeen").and_then(|s| s.get("Int64").or(Some(s))).and_then(|s| s.as_i64()))
                        .max()
                        .unwrap_or(-1);
                }
            }
            eprintln!("{}", step.lines(args.instance_poll));
            steps.push(step);
        }
        Ok(())
    }
    .await;
    if let Some(mut c) = cluster {
        c.kill_all();
    }
    drop(servers);
    drop(sandbox);
    result?;
    let report = DiscoveryReport {
        machine,
        command,
        args,
        version,
        steps,
        load_end: machine::loadavg().0,
        total: started.elapsed(),
    };
    println!("{}", report.text());
    println!("--- markdown ---\n{}", report.markdown());
    Ok(())
}

fn figures(a: &Snapshot, b: &Snapshot, instances: usize) -> Step {
    let window = b.at.saturating_duration_since(a.at);
    let secs = window.as_secs_f64().max(1e-9);
    let nodes = (0..NODE_USERS)
        .map(|i| {
            let probes = b.users[i].0.saturating_sub(a.users[i].0);
            let server_cpu = (b.users[i].1 - a.users[i].1).max(0.0);
            let cpu = match (
                a.node_cpu.get(i).copied().flatten(),
                b.node_cpu.get(i).copied().flatten(),
            ) {
                (Some(x), Some(y)) => Some(y.saturating_sub(x)),
                _ => None,
            };
            NodeFigures {
                probes_per_s: probes as f64 / secs,
                cpu_cores: cpu.map(|c| c.as_secs_f64() / secs).unwrap_or(0.0),
                cpu_per_probe: cpu.filter(|_| probes > 0).map(|c| c / probes as u32),
                server_cpu_per_probe: (probes > 0)
                    .then(|| Duration::from_secs_f64(server_cpu / probes as f64)),
                ..NodeFigures::default()
            }
        })
        .collect();
    let machine_busy_cores = match (a.machine_busy, b.machine_busy) {
        (Some(x), Some(y)) => Some(y.saturating_sub(x) as f64 / 100.0 / secs),
        _ => None,
    };
    Step {
        instances,
        window,
        nodes,
        servers_cpu_cores: b.servers_cpu.saturating_sub(a.servers_cpu).as_secs_f64() / secs,
        bench_cpu_cores: match (a.bench_cpu, b.bench_cpu) {
            (Some(x), Some(y)) => y.saturating_sub(x).as_secs_f64() / secs,
            _ => 0.0,
        },
        machine_busy_cores,
        ..Step::default()
    }
}

fn ms3(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.3}", d.as_secs_f64() * 1000.0)).unwrap_or_else(|| "?".into())
}

impl Step {
    fn lines(&self, poll: u64) -> String {
        let mut out = String::new();
        let expected = self.instances as f64 / poll.max(1) as f64;
        for (i, n) in self.nodes.iter().enumerate() {
            out.push_str(&format!(
                "  {} instances, node {i}: {:.1} probes/s (cadence {:.1}/s), {:.3} cores, {} ms CPU/probe, server {} ms CPU/probe, {} valid, oldest seen {} s\n",
                self.instances,
                n.probes_per_s,
                expected,
                n.cpu_cores,
                ms3(n.cpu_per_probe),
                ms3(n.server_cpu_per_probe),
                n.valid,
                n.oldest_seen_s
            ));
        }
        out.push_str(&format!(
            "  window {:.1} s: servers {:.2} cores, {:.0} MiB RSS; bench {:.3} cores; machine busy {} cores",
            self.window.as_secs_f64(),
            self.servers_cpu_cores,
            self.servers_rss_mib,
            self.bench_cpu_cores,
            self.machine_busy_cores.map(|c| format!("{c:.2}")).unwrap_or_else(|| "?".into())
        ));
        out
    }
}

impl DiscoveryReport {
    fn header(&self) -> Vec<String> {
        let m = &self.machine;
        vec![
            format!("machine: {} × {}, {}, kernel {}, load at start {} / end {}", m.nproc, m.cpu, m.memory, m.kernel, m.loadavg, self.load_end),
            format!("MariaDB: {}", self.version),
            format!(
                "set-up: stars of {} (GTID replicas), 3 nodes, InstancePollSeconds {}, per-node topology users, warm-up {:.0} s, window {:.0} s per step",
                self.args.cluster_size,
                self.args.instance_poll,
                self.args.warmup.as_secs_f64(),
                self.args.duration.as_secs_f64()
            ),
            format!("command: {}", self.command),
            format!("wall {:.0} s", self.total.as_secs_f64()),
        ]
    }

    fn rows(&self) -> Vec<[String; 11]> {
        let poll = self.args.instance_poll.max(1) as f64;
        let mut rows = Vec::new();
        for s in &self.steps {
            for (i, n) in s.nodes.iter().enumerate() {
                rows.push([
                    s.instances.to_string(),
                    format!("n{i}"),
                    format!("{:.1}", n.probes_per_s),
                    format!("{:.0}", s.instances as f64 / poll),
                    format!("{:.1} %", n.cpu_cores * 100.0),
                    ms3(n.cpu_per_probe),
                    ms3(n.server_cpu_per_probe),
                    format!("{:.0}", n.rss_mib),
                    n.discovered_in
                        .map(|d| format!("{:.2}", d.as_secs_f64()))
                        .unwrap_or_else(|| "?".into()),
                    format!("{}/{} ({} s)", n.valid, s.instances, n.oldest_seen_s),
                    ms3(n.api_all_instances),
                ]);
            }
        }
        rows
    }

    fn totals(&self) -> Vec<String> {
        self.steps
            .iter()
            .map(|s| {
                format!(
                    "{} instances: all MariaDB servers {:.2} cores and {:.0} MiB RSS (the {} new ones started and replicating in {:.1} s); benchmark {:.3} cores; whole machine busy {} of {} cores",
                    s.instances,
                    s.servers_cpu_cores,
                    s.servers_rss_mib,
                    s.added,
                    s.start_servers.as_secs_f64(),
                    s.bench_cpu_cores,
                    s.machine_busy_cores.map(|c| format!("{c:.2}")).unwrap_or_else(|| "?".into()),
                    self.machine.nproc
                )
            })
            .collect()
    }

    const HEAD: [&'static str; 11] = [
        "instances",
        "node",
        "probes/s",
        "cadence/s",
        "node CPU (of 1 core)",
        "node CPU/probe (ms)",
        "server CPU/probe (ms)",
        "node RSS (MiB)",
        "all known in (s)",
        "valid (oldest seen)",
        "GET all-instances (ms)",
    ];

    /// Plain text.
    pub fn text(&self) -> String {
        let mut out = String::from("\n== Discovery scale ==\n");
        for l in self.header() {
            out.push_str(&format!("{l}\n"));
        }
        out.push('\n');
        out.push_str(&Self::HEAD.join(" | "));
        out.push('\n');
        for r in self.rows() {
            out.push_str(&r.join(" | "));
            out.push('\n');
        }
        for t in self.totals() {
            out.push_str(&format!("{t}\n"));
        }
        out
    }

    /// Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for l in self.header() {
            out.push_str(&format!("- {l}\n"));
        }
        out.push_str(&format!(
            "\n| {} |\n|{}\n",
            Self::HEAD.join(" | "),
            "---:|".repeat(Self::HEAD.len())
        ));
        for r in self.rows() {
            out.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        out.push('\n');
        for t in self.totals() {
            out.push_str(&format!("- {t}\n"));
        }
        out
    }
}
