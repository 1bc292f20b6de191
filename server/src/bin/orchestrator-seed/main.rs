//! `orchestrator-seed`: writes a synthetic, healthy fleet into a node's SQLite backend
//! (`database_instance`, through `Store::write_batch`, the prober's own write path) for the
//! dashboard benchmark. A benchmark tool, not part of a deployment.
//!
//! Run it against a node that is already running: the node's prober only probes the keys it
//! knew at start (plus seeds, crawling and `discover`), so the seeded rows are analyzed and shown
//! every second but never probed, and stay valid.
//!
//! Fleet: `--clusters N` clusters of 10 (master, two intermediate masters with three replicas
//! each, one direct replica) named `cNNNN-dbNN.bench.invalid`, plus, with `--big M`, one cluster
//! `big` of M instances (a master, ten intermediate masters sharing the rest as replicas).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use app::core::instance::{BinlogCoordinates, ThreadState, UsingGtid};
use app::core::{Instance, InstanceKey, Topology};
use server::config::BackendConfig;
use server::store::Store;

const USAGE: &str = "\
usage: orchestrator-seed --sqlite PATH [--clusters N] [--big M]

Writes a synthetic healthy fleet into the SQLite backend at PATH (default 1000 clusters of 10
instances, no big cluster).";

struct Options {
    sqlite: PathBuf,
    clusters: usize,
    big: usize,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options { sqlite: PathBuf::new(), clusters: 1000, big: 0 };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--sqlite" => o.sqlite = PathBuf::from(value()?),
            "--clusters" => o.clusters = value()?.parse().context("--clusters")?,
            "--big" => o.big = value()?.parse().context("--big")?,
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if o.sqlite.as_os_str().is_empty() {
        bail!("--sqlite is required\n{USAGE}");
    }
    Ok(o)
}

fn key(host: String) -> Result<InstanceKey> {
    Ok(InstanceKey::new(&host, 3306)?)
}

/// A healthy instance seen at `now`; a replica of `master` when given.
fn instance(k: InstanceKey, master: Option<&InstanceKey>, n: usize, now: i64) -> Instance {
    let mut i = Instance::new(k);
    i.server_id = n as u64 + 1;
    i.version = "10.11.19-MariaDB-log".into();
    i.version_comment = "MariaDB Server".into();
    i.log_bin = true;
    i.log_slave_updates = true;
    i.self_binlog_coordinates =
        Some(BinlogCoordinates { file: "mysql-bin.000007".into(), pos: 4_242 });
    i.executed_gtid_set = "0-1-4242".into();
    i.data_center = ["dc-a", "dc-b", "dc-c"][n % 3].into();
    i.is_last_check_valid = true;
    i.last_check_partial_success = true;
    (i.last_checked_ms, i.last_seen_ms, i.last_attempted_check_ms) = (now, now, now);
    if let Some(m) = master {
        i.master_key = Some(m.clone());
        i.read_only = true;
        i.using_gtid = UsingGtid::SlavePos;
        i.slave_io_running = ThreadState::Yes;
        i.slave_sql_running = ThreadState::Yes;
        let lag = if n.is_multiple_of(37) { 42 } else { 0 };
        (i.seconds_behind_master, i.replication_lag_seconds) = (Some(lag), Some(lag));
        i.exec_master_coordinates = i.self_binlog_coordinates.clone();
        i.read_master_coordinates = i.self_binlog_coordinates.clone();
    }
    i
}

fn fleet(o: &Options, now: i64) -> Result<Vec<Instance>> {
    let mut out = Vec::with_capacity(o.clusters * 10 + o.big);
    for c in 1..=o.clusters {
        let k = |i: usize| key(format!("c{c:04}-db{i:02}.bench.invalid"));
        let master = k(1)?;
        out.push(instance(master.clone(), None, out.len(), now));
        let (im1, im2) = (k(2)?, k(3)?);
        out.push(instance(im1.clone(), Some(&master), out.len(), now));
        out.push(instance(im2.clone(), Some(&master), out.len(), now));
        for i in 4..=6 {
            out.push(instance(k(i)?, Some(&im1), out.len(), now));
        }
        for i in 7..=9 {
            out.push(instance(k(i)?, Some(&im2), out.len(), now));
        }
        out.push(instance(k(10)?, Some(&master), out.len(), now));
    }
    if o.big > 0 {
        let k = |i: usize| key(format!("big-db{i:03}.bench.invalid"));
        let master = k(1)?;
        out.push(instance(master.clone(), None, out.len(), now));
        let intermediates: Vec<InstanceKey> = (2..=11.min(o.big)).map(k).collect::<Result<_>>()?;
        for im in &intermediates {
            out.push(instance(im.clone(), Some(&master), out.len(), now));
        }
        for i in (intermediates.len() + 2)..=o.big {
            let parent = &intermediates[i % intermediates.len()];
            out.push(instance(k(i)?, Some(parent), out.len(), now));
        }
    }
    // Stored rows carry their cluster name, as the prober writes them.
    let topology = Topology::build(out.clone());
    for i in &mut out {
        i.cluster_name = topology.cluster_of(&i.key).unwrap_or_default().to_string();
        i.replica_hosts = topology.replicas_of(&i.key).to_vec();
    }
    Ok(out)
}

async fn run(o: Options) -> Result<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let instances = fleet(&o, now)?;
    let store =
        Store::open(&BackendConfig::Sqlite { path: o.sqlite.clone() }, Duration::from_secs(10))
            .await
            .with_context(|| format!("opening {}", o.sqlite.display()))?;
    for chunk in instances.chunks(1_000) {
        store.write_batch(chunk).await.context("writing database_instance rows")?;
    }
    println!(
        "seeded {} instances ({} clusters of 10, big cluster of {}) into {}",
        instances.len(),
        o.clusters,
        o.big,
        o.sqlite.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orchestrator-seed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
