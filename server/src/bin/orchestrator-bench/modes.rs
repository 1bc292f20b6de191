//! The sub-commands `failover`, `discovery` and `scale` (the default mode, without a sub-command, is the
//! raft benchmark in `main.rs`): argument parsing and the shared work-directory handling.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::discovery_bench::{self, DiscoveryArgs};
use crate::error::{chain, BenchError, NumberError, Result};
use crate::failover_bench::{self, FailoverArgs};
use crate::machine;
use crate::scale_bench::{self, ScaleArgs};

pub const FAILOVER_USAGE: &str = "\
usage: orchestrator-bench failover [options]

Master kill -9 → successor writable with its siblings repointed, against a real MariaDB star
(mariadbd + mariadb-install-db must be installed) watched by 3 orchestrator nodes.

  --runs N                 kills measured (default 10)
  --instances N            servers in the star, master included (default 4)
  --instance-poll SECS     InstancePollSeconds (default 1)
  --poll-ms MS             observer poll interval (default 15)
  --offset-max-ms MS       pause before each kill, spread evenly over 0..MS (default 1000)
  --fresh-nodes            rolling restart of the 3 nodes before every run, so each run meets new
                           phases of the probe schedule and the analysis tick (default: same nodes)
  --orchestrator-bin PATH, --work-dir DIR, --keep, --node-log FILTER, --raft-extra JSON
                           as in the default mode (--raft-extra adds any config keys)
  --help";

pub const DISCOVERY_USAGE: &str = "\
usage: orchestrator-bench discovery [options]

Probes per second per node and the CPU they cost, with many sandbox MariaDB servers probed by
3 orchestrator nodes (each ~55 MB RSS; mind the machine's memory).

  --instances N[,N..]      instance counts, increasing (default 40); e.g. 20,40,80
  --cluster-size N         servers per star (default 4)
  --instance-poll SECS     InstancePollSeconds (default 1)
  --warmup SECS            settling time before each measurement (default 5)
  --duration SECS          measurement window per step (default 20)
  --orchestrator-bin PATH, --work-dir DIR, --keep, --node-log FILTER, --raft-extra JSON
  --help";

pub const SCALE_USAGE: &str = "\
usage: orchestrator-bench scale [options]

3 orchestrator nodes probing N simulated MySQL servers (the test kit's fleetsim, in this
process: stars on 127.0.0.x ports from 20000). Prints each node's CPU and RSS, probe latency,
probes per instance per poll, missed polls and API read times; the last line is the summary.

  --instances N            simulated servers (default 1000)
  --replicas N             replicas per master (default 3)
  --poll-seconds SECS      InstancePollSeconds (default 5)
  --warmup SECS            settling time once every node knows every instance (default 10)
  --duration SECS          measurement window (default 30)
  --probe-sharing          ProbeSharing on (masters probed by every node, each replica by one)
  --kill-masters K         then kill K masters at once and time their recoveries (default 0)
  --orchestrator-bin PATH, --work-dir DIR, --keep, --node-log FILTER, --raft-extra JSON
  --help";

enum Mode {
    Failover(FailoverArgs),
    Discovery(DiscoveryArgs),
    Scale(ScaleArgs),
}

struct Common {
    bin: Option<PathBuf>,
    work_dir: Option<PathBuf>,
    keep: bool,
}

fn not_a_number(v: &str, e: impl Into<NumberError>) -> BenchError {
    BenchError::NotANumber { value: v.to_string(), source: e.into() }
}

fn secs(v: &str) -> Result<Duration> {
    let s = v.parse::<f64>().map_err(|e| not_a_number(v, e))?;
    if !(0.0..86_400.0).contains(&s) {
        return Err(BenchError::BadArgument(format!("out of range: {v}")));
    }
    Ok(Duration::from_secs_f64(s))
}

fn num(v: &str) -> Result<usize> {
    v.parse::<usize>().map_err(|e| not_a_number(v, e))
}

fn usage_of(mode: &str) -> &'static str {
    match mode {
        "failover" => FAILOVER_USAGE,
        "scale" => SCALE_USAGE,
        _ => DISCOVERY_USAGE,
    }
}

/// Parses `args` (after the sub-command); `None` for `--help`.
fn parse(mode: &str, args: &[String]) -> Result<Option<(Mode, Common)>> {
    let mut failover = FailoverArgs::default();
    let mut discovery = DiscoveryArgs::default();
    let mut scale = ScaleArgs::default();
    let mut common = Common { bin: None, work_dir: None, keep: false };
    let mut node_log = None;
    let mut extra = String::new();
    let usage = usage_of(mode);
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
            args.get(i).cloned().ok_or_else(|| BenchError::MissingValue { flag: flag.clone() })
        };
        match (mode, flag.as_str()) {
            (_, "--help" | "-h") => return Ok(None),
            (_, "--keep") => common.keep = true,
            (_, "--orchestrator-bin") => common.bin = Some(PathBuf::from(value()?)),
            (_, "--work-dir") => common.work_dir = Some(PathBuf::from(value()?)),
            (_, "--node-log") => node_log = Some(value()?),
            (_, "--raft-extra" | "--extra") => extra = value()?,
            (_, "--instance-poll") => {
                let v = num(&value()?)?.max(1) as u64;
                failover.instance_poll = v;
                discovery.instance_poll = v;
            }
            ("failover", "--fresh-nodes") => failover.fresh_nodes = true,
            ("failover", "--runs") => failover.runs = num(&value()?)?.max(1),
            ("failover", "--instances") => failover.instances = num(&value()?)?,
            ("failover", "--poll-ms") => {
                failover.poll = Duration::from_millis(num(&value()?)?.max(1) as u64)
            }
            ("failover", "--offset-max-ms") => {
                failover.offset_max = Duration::from_millis(num(&value()?)? as u64)
            }
            ("discovery", "--instances") => {
                discovery.steps =
                    value()?.split(',').map(|s| num(s.trim())).collect::<Result<Vec<_>>>()?;
            }
            ("discovery", "--cluster-size") => discovery.cluster_size = num(&value()?)?.max(1),
            ("discovery", "--warmup") => discovery.warmup = secs(&value()?)?,
            ("discovery", "--duration") => {
                discovery.duration = secs(&value()?)?.max(Duration::from_secs(1))
            }
            ("scale", "--probe-sharing") => scale.probe_sharing = true,
            ("scale", "--kill-masters") => scale.kill_masters = num(&value()?)?,
            ("scale", "--instances") => scale.instances = num(&value()?)?.max(1),
            ("scale", "--replicas") => scale.replicas = num(&value()?)?,
            ("scale", "--poll-seconds") => scale.poll = num(&value()?)?.max(1) as u64,
            ("scale", "--warmup") => scale.warmup = secs(&value()?)?,
            ("scale", "--duration") => {
                scale.duration = secs(&value()?)?.max(Duration::from_secs(1))
            }
            (_, other) => {
                return Err(BenchError::UnexpectedArgument { arg: other.to_string(), usage })
            }
        }
        i += 1;
    }
    failover.node_log = node_log.clone();
    discovery.node_log = node_log.clone();
    scale.node_log = node_log;
    failover.extra = extra.clone();
    discovery.extra = extra.clone();
    scale.extra = extra;
    let m = match mode {
        "failover" => Mode::Failover(failover),
        "scale" => Mode::Scale(scale),
        _ => Mode::Discovery(discovery),
    };
    Ok(Some((m, common)))
}

/// Runs sub-command `mode` with `args` (after it); the exit status for `main`.
pub fn main(mode: &str, args: &[String], command: String) -> std::process::ExitCode {
    use std::process::ExitCode;
    let (m, common) = match parse(mode, args) {
        Ok(Some(x)) => x,
        Ok(None) => {
            println!("{}", usage_of(mode));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("orchestrator-bench {mode}: {}", chain(&e));
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
    match runtime.block_on(run(m, common, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orchestrator-bench {mode}: {}", chain(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(mode: Mode, common: Common, command: String) -> Result<()> {
    let bin = match &common.bin {
        Some(b) => b.clone(),
        None => {
            let me = std::env::current_exe().map_err(BenchError::CurrentExe)?;
            me.parent().map(|d| d.join("orchestrator")).ok_or(BenchError::NoExeDir)?
        }
    };
    if !bin.is_file() {
        return Err(BenchError::BinaryNotFound { path: bin });
    }
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let name = format!("orchestrator-bench-{}-{nanos}", std::process::id());
    let dir = common.work_dir.clone().unwrap_or_else(std::env::temp_dir).join(name);
    std::fs::create_dir_all(&dir).map_err(BenchError::file("create", &dir))?;
    let machine = machine::collect(&dir);
    eprintln!("orchestrator-bench: binary {}, work dir {}", bin.display(), dir.display());
    eprintln!("  load average at start: {} on {} CPUs", machine.loadavg, machine.nproc);
    let result = match mode {
        Mode::Failover(a) => failover_bench::run(a, &bin, &dir, machine, command).await,
        Mode::Discovery(a) => discovery_bench::run(a, &bin, &dir, machine, command).await,
        Mode::Scale(a) => scale_bench::run(a, &bin, &dir, machine, command).await,
    };
    match (&result, common.keep) {
        (Ok(()), false) => {
            let _ = std::fs::remove_dir_all(&dir);
        }
        _ => eprintln!("orchestrator-bench: work directory kept: {}", dir.display()),
    }
    result
}
