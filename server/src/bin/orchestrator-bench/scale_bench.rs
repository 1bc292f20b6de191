//! `orchestrator-bench scale`: 3 nodes probing N simulated MySQL servers (the test kit's
//! `fleetsim`, in this process, stars of a master and replicas on `127.0.0.x` ports from 20000)
//! at `InstancePollSeconds` S, measured over a window: each node's CPU (% of one core) and RSS,
//! the probes' server-side latency (accept to close), probes per instance per poll, missed polls,
//! and API read times under that load (one cluster, all instances).
//!
//! Every master is a `DiscoverySeeds` entry; the crawl finds the replicas. "Missed polls" counts
//! the instances that received fewer than `expected × (⌊window / S⌋ − 1)` probes in the window
//! (some node skipped more than one poll of it), `expected` being the node count, or 1 for a
//! replica under `--probe-sharing`.

use std::path::Path;
use std::time::{Duration, Instant};

use server::testkit::cluster::ProcCluster;
use server::testkit::fleetsim::{FleetSim, FleetSpec, SimFlavor};

use crate::error::{BenchError, Result};
use crate::machine::{cpu_time, rss_mib, MachineInfo};
use crate::orc_api::{get_json, list};
use crate::stats::summarize;

/// First port of each address (below the ephemeral range).
const BASE_PORT: u16 = 20_000;
/// Ports per address: 20000..32767.
const PORTS_PER_HOST: usize = 12_700;

/// Options of the scale benchmark.
#[derive(Debug, Clone)]
pub struct ScaleArgs {
    /// Simulated servers.
    pub instances: usize,
    /// Replicas per master.
    pub replicas: usize,
    /// `InstancePollSeconds`.
    pub poll: u64,
    /// Settling time after every node knows every instance.
    pub warmup: Duration,
    /// Measurement window.
    pub duration: Duration,
    /// Extra JSON config keys for every node.
    pub extra: String,
    /// `RUST_LOG` for the nodes.
    pub node_log: Option<String>,
    /// `ProbeSharing` on: each replica is expected once per poll, masters once per node.
    pub probe_sharing: bool,
    /// Masters to kill at once after the window (automated recovery on for every cluster).
    pub kill_masters: usize,
}

impl Default for ScaleArgs {
    fn default() -> Self {
        ScaleArgs {
            instances: 1_000,
            replicas: 3,
            poll: 5,
            warmup: Duration::from_secs(10),
            duration: Duration::from_secs(30),
            extra: String::new(),
            node_log: None,
            probe_sharing: false,
            kill_masters: 0,
        }
    }
}

/// A duration in milliseconds.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Valid instances node `i` knows.
async fn valid_on(cluster: &ProcCluster, client: &reqwest::Client, i: usize) -> usize {
    match get_json(client, &format!("{}/api/all-instances", cluster.url(i))).await {
        Ok(v) => list(&v)
            .iter()
            .filter(|x| {
                x.get("IsLastCheckValid").and_then(serde_json::Value::as_bool) == Some(true)
            })
            .count(),
        Err(_) => 0,
    }
}

/// p50 and p99 (ms) of `n` GETs of `url`.
async fn read_times(client: &reqwest::Client, url: &str, n: usize) -> Result<(f64, f64)> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = client
            .get(url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|source| BenchError::Http { url: url.to_string(), source })?;
        let status = r.status();
        r.bytes().await.map_err(|source| BenchError::HttpBody { url: url.to_string(), source })?;
        if !status.is_success() {
            return Err(BenchError::HttpStatus {
                url: url.to_string(),
                status,
                body: String::new(),
            });
        }
        times.push(t.elapsed());
    }
    Ok(summarize(&times).map_or((0.0, 0.0), |s| (ms(s.p50), ms(s.p99))))
}

/// Runs the benchmark and prints its figures; the last line is the summary.
pub async fn run(
    args: ScaleArgs,
    bin: &Path,
    dir: &Path,
    machine: MachineInfo,
    command: String,
) -> Result<()> {
    let n = args.instances.max(1);
    let hosts: Vec<String> =
        (1..=n.div_ceil(PORTS_PER_HOST)).map(|h| format!("127.0.0.{h}")).collect();
    eprintln!("starting {n} simulated servers on {} address(es) ...", hosts.len());
    let spec = FleetSpec {
        servers: n,
        replicas: args.replicas,
        flavor: SimFlavor::MariaDB,
        hosts,
        base_port: Some(BASE_PORT),
    };
    let sim = FleetSim::start(&spec).await?;
    let masters = sim.masters();
    let seeds = masters.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    let extra = format!(
        r#""MySQLTopologyUser": "orc", "MySQLTopologyPassword": "sim", "InstancePollSeconds": {}, "ProbeSharing": {}, "RecoverMasterClusterFilters": [{}], "DiscoverySeeds": [{seeds}]{}"#,
        args.poll,
        args.probe_sharing,
        if args.kill_masters > 0 { r#""*""# } else { "" },
        if args.extra.trim().is_empty() { String::new() } else { format!(", {}", args.extra) }
    );
    eprintln!("starting 3 orchestrator nodes (seeds: {} masters) ...", masters.len());
    // Every node starts crawling the whole fleet at once: allow the settling for that load.
    let settle = Duration::from_secs(30 + (n as u64) / 100);
    let (log, probe) = (args.node_log.clone(), Duration::from_secs(5));
    let cluster = crate::nodes::start_within(bin, dir, 3, log, &extra, settle, probe).await?;
    let client = crate::load::client()?;

    let since = Instant::now();
    let deadline = Duration::from_secs(120 + (n as u64) / 50);
    let mut discovered = vec![None; 3];
    while discovered.iter().any(Option::is_none) {
        if since.elapsed() > deadline {
            return Err(BenchError::NotKnown { instances: n, deadline });
        }
        for (i, d) in discovered.iter_mut().enumerate() {
            if d.is_none() && valid_on(&cluster, &client, i).await >= n {
                *d = Some(since.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("every node knows {n} valid instances; warming up {:?} ...", args.warmup);
    tokio::time::sleep(args.warmup).await;

    let pids: Vec<u32> = cluster.pids().into_iter().flatten().collect();
    // Per server, in key order: probes received, and whether it is a master.
    let connections = |sim: &FleetSim| -> Vec<u64> {
        sim.state().servers.values().map(|s| s.connections).collect()
    };
    let is_master: Vec<bool> = {
        let state = sim.state();
        let masters: std::collections::BTreeSet<_> = state.masters().into_iter().collect();
        state.servers.keys().map(|k| masters.contains(k)).collect()
    };
    let cpu0: Vec<Option<Duration>> = pids.iter().map(|p| cpu_time(*p)).collect();
    let bench0 = cpu_time(std::process::id());
    let conns0 = connections(&sim);
    sim.handle().take_durations();
    let t0 = Instant::now();
    eprintln!("measuring {:?} ...", args.duration);
    tokio::time::sleep(args.duration).await;
    let window = t0.elapsed();
    let cpu1: Vec<Option<Duration>> = pids.iter().map(|p| cpu_time(*p)).collect();
    let bench1 = cpu_time(std::process::id());
    let conns1 = connections(&sim);
    let durations: Vec<Duration> = sim
        .handle()
        .take_durations()
        .into_iter()
        .map(|us| Duration::from_micros(u64::from(us)))
        .collect();
    let rss: Vec<f64> = pids.iter().map(|p| rss_mib(*p)).collect();

    let cores: Vec<f64> = cpu0
        .iter()
        .zip(&cpu1)
        .map(|(a, b)| match (a, b) {
            (Some(a), Some(b)) => b.saturating_sub(*a).as_secs_f64() / window.as_secs_f64(),
            _ => 0.0,
        })
        .collect();
    let bench_cores = match (bench0, bench1) {
        (Some(a), Some(b)) => b.saturating_sub(a).as_secs_f64() / window.as_secs_f64(),
        _ => 0.0,
    };
    let received: Vec<u64> = conns0.iter().zip(&conns1).map(|(a, b)| b - a).collect();
    let polls = window.as_secs_f64() / args.poll as f64;
    let total: u64 = received.iter().sum();
    let per_instance_per_poll = total as f64 / (n as f64 * polls);
    // Probes an instance should get per poll: one per node, or one for a shared replica.
    let expected = |master: bool| if master || !args.probe_sharing { 3 } else { 1 };
    let missed = received
        .iter()
        .zip(&is_master)
        .filter(|(c, m)| **c < expected(**m) * (polls.floor() as u64).saturating_sub(1))
        .count();
    let per_poll_of = |master: bool| -> f64 {
        let (sum, count) = received
            .iter()
            .zip(&is_master)
            .filter(|(_, m)| **m == master)
            .fold((0u64, 0usize), |(s, c), (r, _)| (s + r, c + 1));
        if count == 0 {
            0.0
        } else {
            sum as f64 / (count as f64 * polls)
        }
    };

    // Reads are served by any node from its own store: node 0's.
    let leader = 0;
    let cluster_name = masters.first().map(ToString::to_string).unwrap_or_default();
    let one_cluster =
        read_times(&client, &format!("{}/api/cluster/{cluster_name}", cluster.url(leader)), 50)
            .await?;
    let all =
        read_times(&client, &format!("{}/api/all-instances", cluster.url(leader)), 10).await?;

    let max_cpu = cores.iter().copied().fold(0.0, f64::max) * 100.0;
    let max_rss = rss.iter().copied().fold(0.0, f64::max);
    let (p50, p99) = summarize(&durations).map_or((0.0, 0.0), |s| (ms(s.p50), ms(s.p99)));
    println!("# orchestrator-bench scale");
    println!("command: {command}");
    println!(
        "machine: {} CPUs ({}), {}, load average at start {}",
        machine.nproc, machine.cpu, machine.memory, machine.loadavg
    );
    println!(
        "fleet: {n} simulated MariaDB servers in stars of {} ({} masters), poll {} s, window {:.1} s",
        args.replicas + 1,
        masters.len(),
        args.poll,
        window.as_secs_f64()
    );
    for (i, ((c, r), d)) in cores.iter().zip(&rss).zip(&discovered).enumerate() {
        println!(
            "node {i}: CPU {:.1}% of one core, RSS {:.1} MiB, knew every instance after {:.1} s",
            c * 100.0,
            r,
            d.map_or(0.0, |d| d.as_secs_f64())
        );
    }
    println!(
        "simulator (this process): CPU {:.1}% of one core; probes answered {total} ({:.2} per instance per poll, 3 nodes)",
        bench_cores * 100.0,
        per_instance_per_poll
    );
    println!(
        "probes per poll: each master {:.2}, each replica {:.2} (ProbeSharing {})",
        per_poll_of(true),
        per_poll_of(false),
        if args.probe_sharing { "on" } else { "off" }
    );
    println!("probe (server side, accept to close): p50 {p50:.2} ms, p99 {p99:.2} ms");
    println!(
        "API on node 0: one cluster p50 {:.2} ms (p99 {:.2}), all instances p50 {:.1} ms (p99 {:.1})",
        one_cluster.0, one_cluster.1, all.0, all.1
    );
    if args.kill_masters > 0 {
        let deadline = Duration::from_secs(60 + 10 * args.poll);
        let f =
            crate::scale_failover::run(&sim, args.kill_masters, deadline, Duration::from_secs(5))
                .await?;
        let last = f.times.last().map_or(0.0, Duration::as_secs_f64);
        let median = f.times.get(f.times.len() / 2).map_or(0.0, Duration::as_secs_f64);
        println!(
            "failover: {} masters killed at once under the load: {} recovered, {} promoted twice, first {:.2} s, median {median:.2} s, last {last:.2} s after the kill",
            f.killed,
            f.recovered,
            f.promoted_twice,
            f.times.first().map_or(0.0, Duration::as_secs_f64),
        );
    }
    println!(
        "scale: {n} instances, poll {} s: node CPU {max_cpu:.1}% of one core, RSS {max_rss:.1} MiB, probe p99 {p99:.1} ms, missed polls {missed}",
        args.poll
    );
    drop(cluster);
    drop(sim);
    Ok(())
}
