//! `orchestrator-bench`: starts 3 real `orchestrator` processes (SQLite backends, loopback),
//! measures committed-command latency, throughput and leader re-election through the leader's
//! HTTP API, re-measures the physical floors (fsync, loopback RTT) in the same run, and prints
//! the figures with the performance targets (see docs/benchmarks.md). A benchmark, not a test:
//! it always prints, and exits non-zero only when it cannot measure.

mod codec_bench;
mod discovery_bench;
mod error;
mod failover;
mod failover_bench;
mod floors;
mod load;
mod machine;
mod modes;
mod nodes;
mod orc_api;
mod report;
mod scale_bench;
mod scale_failover;
mod stats;
mod wal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use report::{CpuSplit, Report, SyncSplit};
use server::testkit::cluster::ProcCluster;

const USAGE: &str = "\
usage: orchestrator-bench [options]
       orchestrator-bench failover [options]    master kill -9 → successor writable (MariaDB)
       orchestrator-bench discovery [options]   probes/s and CPU per node (many MariaDB servers)
       orchestrator-bench scale [options]       thousands of simulated MySQL servers (fleetsim)
       orchestrator-bench codec [--iters N]     JSON encode/decode cost per committed command

Starts 3 orchestrator nodes (separate processes, SQLite, 127.0.0.1), measures through the
leader's HTTP API, prints a table, the targets and a markdown snippet. Defaults take < 3 min.

  --quick                  short run (~30 s): fewer commands, 3 s of load, 3 kills
  --orchestrator-bin PATH  the orchestrator binary (default: `orchestrator` next to this one)
  --commands N             sequential committed commands measured (default 2000; quick 500)
  --warmup N               unrecorded sequential commands first (default 200; quick 50)
  --clients N              concurrent clients for the throughput phase (default 64)
  --duration SECS          throughput window (default 10; quick 3), after 1 s of warm-up
  --kills N                leader SIGKILLs (default 10; quick 3; 0 skips the phase)
  --fsync-iters N          4 KiB append+fdatasync samples (default 1000; quick 300)
  --rtt-iters N            loopback ping-pong samples (default 20000; quick 5000)
  --work-dir DIR           parent of the nodes' directories (default: a new directory under
                           the system temp dir; removed at the end unless --keep)
  --keep                   keep the work directory (configs, node logs, data)
  --node-log FILTER        RUST_LOG for the nodes (default: inherited / the node's default)
  --raft-extra JSON        extra config keys for every node, e.g. '\"RaftElectionTimeoutMillis\": 300'
  --help";

#[derive(Debug, Clone)]
struct Args {
    quick: bool,
    bin: Option<PathBuf>,
    commands: usize,
    warmup: usize,
    clients: usize,
    duration: Duration,
    kills: usize,
    fsync_iters: usize,
    rtt_iters: usize,
    work_dir: Option<PathBuf>,
    keep: bool,
    node_log: Option<String>,
    raft_extra: String,
}

fn parse_args(args: &[String]) -> Result<Option<Args>> {
    let quick = args.iter().any(|a| a == "--quick");
    let mut a = Args {
        quick,
        bin: None,
        commands: if quick { 500 } else { 2000 },
        warmup: if quick { 50 } else { 200 },
        clients: 64,
        duration: Duration::from_secs(if quick { 3 } else { 10 }),
        kills: if quick { 3 } else { 10 },
        fsync_iters: if quick { 300 } else { 1000 },
        rtt_iters: if quick { 5000 } else { 20000 },
        work_dir: None,
        keep: false,
        node_log: None,
        raft_extra: String::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (args[i].clone(), None),
        };
        let mut value = || -> Result<String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().with_context(|| format!("{flag} needs a value"))
        };
        let num = |v: String| -> Result<usize> {
            v.parse().with_context(|| format!("not a number: {v:?}"))
        };
        match flag.as_str() {
            "--quick" => {}
            "--help" | "-h" => return Ok(None),
            "--keep" => a.keep = true,
            "--orchestrator-bin" => a.bin = Some(PathBuf::from(value()?)),
            "--commands" => a.commands = num(value()?)?.max(1),
            "--warmup" => a.warmup = num(value()?)?,
            "--clients" => a.clients = num(value()?)?.max(1),
            "--duration" => {
                let v = value()?;
                let secs: f64 = v.parse().with_context(|| format!("not a number: {v:?}"))?;
                if !(secs > 0.0 && secs < 3600.0) {
                    bail!("--duration must be between 0 and 3600 seconds");
                }
                a.duration = Duration::from_secs_f64(secs);
            }
            "--kills" => a.kills = num(value()?)?,
            "--fsync-iters" => a.fsync_iters = num(value()?)?.max(1),
            "--rtt-iters" => a.rtt_iters = num(value()?)?.max(1),
            "--work-dir" => a.work_dir = Some(PathBuf::from(value()?)),
            "--node-log" => a.node_log = Some(value()?),
            "--raft-extra" => a.raft_extra = value()?,
            other => bail!("unexpected argument {other:?}\n\n{USAGE}"),
        }
        i += 1;
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let quoted = || {
        argv.iter()
            .map(|a| if a.contains(' ') || a.contains('"') { format!("'{a}'") } else { a.clone() })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if argv.get(1).is_some_and(|m| m == "codec") {
        return match codec_bench::main(&argv[2..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("orchestrator-bench codec: {e}");
                ExitCode::from(2)
            }
        };
    }
    if let Some(mode) =
        argv.get(1).filter(|m| matches!(m.as_str(), "failover" | "discovery" | "scale"))
    {
        return modes::main(mode, &argv[2..], quoted());
    }
    let args = match parse_args(&argv[1..]) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("orchestrator-bench: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("orchestrator-bench: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = quoted();
    match runtime.block_on(run(args, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orchestrator-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn orchestrator_bin(args: &Args) -> Result<PathBuf> {
    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => {
            let me = std::env::current_exe().context("locate this executable")?;
            me.parent().map(|d| d.join("orchestrator")).context("executable has no directory")?
        }
    };
    if !bin.is_file() {
        bail!(
            "orchestrator binary not found at {} (build it, or pass --orchestrator-bin)",
            bin.display()
        );
    }
    Ok(bin)
}

fn work_dir(args: &Args) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let name = format!("orchestrator-bench-{}-{nanos}", std::process::id());
    match &args.work_dir {
        Some(d) => d.join(name),
        None => std::env::temp_dir().join(name),
    }
}

async fn measure_floors(
    dir: PathBuf,
    fsync_iters: usize,
    rtt_iters: usize,
) -> Result<floors::Floors> {
    let floors = tokio::task::spawn_blocking(move || floors::measure(&dir, fsync_iters, rtt_iters))
        .await
        .context("floors task")??;
    Ok(floors)
}

/// Runs `phase` and accounts the CPU time the nodes and this process used meanwhile.
async fn with_cpu<T>(
    cluster: &ProcCluster,
    commits: impl Fn(&T) -> usize,
    phase: impl std::future::Future<Output = T>,
) -> (T, Option<CpuSplit>) {
    let me = std::process::id();
    let nodes0 = nodes::cpu(cluster);
    let threads0 = nodes::thread_cpu(cluster);
    let bench0 = machine::cpu_time(me);
    let start = Instant::now();
    let out = phase.await;
    let wall = start.elapsed();
    let nodes = nodes::cpu(cluster).saturating_sub(nodes0);
    // Busiest first; a thread name seen only at the end counts from zero.
    let mut threads: Vec<(String, Duration)> = nodes::thread_cpu(cluster)
        .into_iter()
        .map(|(name, t)| {
            let before = threads0.get(&name).copied().unwrap_or_default();
            (name, t.saturating_sub(before))
        })
        .filter(|(_, d)| !d.is_zero())
        .collect();
    threads.sort_by_key(|t| std::cmp::Reverse(t.1));
    let split = bench0
        .and_then(|b0| machine::cpu_time(me).map(|b1| b1.saturating_sub(b0)))
        .map(|bench| CpuSplit { nodes, bench, wall, commits: commits(&out), threads });
    (out, split)
}

/// Per-node difference of the raft log counters between two snapshots.
fn sync_split(
    before: &[Option<(u64, u64)>],
    after: &[Option<(u64, u64)>],
    leader: usize,
    commits: usize,
) -> Option<SyncSplit> {
    let nodes: Vec<Option<(bool, u64, u64)>> = before
        .iter()
        .zip(after)
        .enumerate()
        .map(|(i, (b, a))| match (b, a) {
            (Some((ab, sb)), Some((aa, sa))) => {
                Some((i == leader, aa.saturating_sub(*ab), sa.saturating_sub(*sb)))
            }
            _ => None,
        })
        .collect();
    nodes.iter().any(Option::is_some).then_some(SyncSplit { nodes, commits })
}

async fn run(args: Args, command: String) -> Result<()> {
    let started = Instant::now();
    let bin = orchestrator_bin(&args)?;
    let dir = work_dir(&args);
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let machine = machine::collect(&dir);
    eprintln!("orchestrator-bench: binary {}, work dir {}", bin.display(), dir.display());
    eprintln!("  load average at start: {} on {} CPUs", machine.loadavg, machine.nproc);

    let result = run_in(&args, &bin, &dir, machine, command, started).await;
    match (&result, args.keep) {
        (Ok(()), false) => {
            let _ = std::fs::remove_dir_all(&dir);
        }
        _ => eprintln!("orchestrator-bench: work directory kept: {}", dir.display()),
    }
    result
}

async fn run_in(
    args: &Args,
    bin: &std::path::Path,
    dir: &std::path::Path,
    machine: machine::MachineInfo,
    command: String,
    started: Instant,
) -> Result<()> {
    eprintln!("starting 3 nodes ...");
    let t = Instant::now();
    let mut cluster = nodes::start(bin, dir, 3, args.node_log.clone(), &args.raft_extra).await?;
    let leader = cluster.try_wait_settled(Duration::from_secs(30)).await?;
    eprintln!(
        "  leader is node {leader} ({}), settled in {:.2} s",
        cluster.url(leader),
        t.elapsed().as_secs_f64()
    );

    // Floors in the nodes' filesystem, with the cluster up and idle (heartbeats only).
    eprintln!("measuring floors (fsync, loopback RTT) ...");
    let floors = measure_floors(dir.join("floors"), args.fsync_iters, args.rtt_iters).await?;
    eprintln!(
        "  fsync p50 {} p99 {}; RTT p50 {} p99 {}",
        stats::fmt(floors.fsync.p50),
        stats::fmt(floors.fsync.p99),
        stats::fmt(floors.rtt.p50),
        stats::fmt(floors.rtt.p99)
    );

    let seq = Arc::new(AtomicU64::new(0));
    let client = load::client()?;
    let leader_url = cluster.url(leader);

    eprintln!("HTTP read baseline (GET /api/leader-check, 1 client) ...");
    let read_url = format!("{leader_url}/api/leader-check");
    let http_read = load::sequential(
        &client,
        |_| read_url.clone(),
        args.warmup,
        args.commands,
        &AtomicU64::new(0),
    )
    .await;

    eprintln!(
        "1-client committed writes: {} warm-up + {} measured ...",
        args.warmup, args.commands
    );
    // Raft log counters are read before the warm-up, so warm-up commits count in the denominator.
    let log0 = nodes::log_stats(&cluster).await;
    let (latency, latency_cpu) = with_cpu(
        &cluster,
        |s: &load::Sequential| s.latency.map(|l| l.n).unwrap_or(0),
        load::sequential(
            &client,
            |n| load::write_url(&leader_url, n),
            args.warmup,
            args.commands,
            &seq,
        ),
    )
    .await;
    let log1 = nodes::log_stats(&cluster).await;
    let latency_syncs = sync_split(&log0, &log1, leader, args.warmup + args.commands);
    if let Some(l) = latency.latency {
        eprintln!(
            "  p50 {} p99 {} ({} errors)",
            stats::fmt(l.p50),
            stats::fmt(l.p99),
            latency.errors
        );
    }
    if cluster.leader().await != Some(leader) {
        eprintln!("  warning: leadership moved during the 1-client phase");
    }

    eprintln!(
        "{} concurrent clients for {:.1} s (after 1 s warm-up) ...",
        args.clients,
        args.duration.as_secs_f64()
    );
    let many = load::client()?;
    let warm = if args.quick { Duration::from_millis(500) } else { Duration::from_secs(1) };
    let wal_sampler =
        wal::WalSampler::start(dir.join(format!("n{leader}")).join("orchestrator.db"));
    let (throughput, throughput_cpu) = with_cpu(
        &cluster,
        |c: &load::Concurrent| c.ok,
        load::concurrent(&many, &leader_url, args.clients, warm, args.duration, seq.clone()),
    )
    .await;
    let wal = wal_sampler.finish().await;
    eprintln!("  {}", wal.describe());
    let log2 = nodes::log_stats(&cluster).await;
    // Warm-up commits are not in `ok`; estimate them at the measured rate.
    let warm_commits = (throughput.rate() * warm.as_secs_f64()) as usize;
    let throughput_syncs = sync_split(&log1, &log2, leader, throughput.ok + warm_commits);
    eprintln!("  {:.0} commits/s ({} errors)", throughput.rate(), throughput.errors);
    if cluster.leader().await != Some(leader) {
        eprintln!("  warning: leadership moved during the throughput phase");
    }
    drop(many);

    let failover = if args.kills > 0 {
        eprintln!("leader kill → new leader accepting writes, {} rounds ...", args.kills);
        let fo_client = load::client()?;
        Some(failover::run(&mut cluster, &fo_client, args.kills, seq.clone()).await?)
    } else {
        None
    };
    cluster.kill_all();

    eprintln!("re-measuring floors ...");
    let floors_after =
        measure_floors(dir.join("floors"), args.fsync_iters, args.rtt_iters).await.ok();

    let report = Report {
        machine,
        command,
        quick: args.quick,
        floors,
        floors_after,
        http_read,
        latency,
        latency_cpu,
        latency_syncs,
        throughput,
        throughput_cpu,
        throughput_syncs,
        wal: Some(wal),
        failover,
        load_end: machine::loadavg().0,
        total: started.elapsed(),
    };
    println!("{}", report.text());
    println!("--- markdown ---\n{}", report.markdown());
    Ok(())
}
