//! The benchmark's nodes: the test kit's process cluster (`server::testkit::cluster`) with the
//! benchmark's settings, and what the benchmark reads from them besides.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use server::testkit::cluster::{ClusterSpec, ProcCluster};

use crate::error::Result;
use crate::machine::cpu_time;

/// Per-request timeout of control-plane probes (leader-check, raft-health, raft-status).
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Starts `n` nodes with SQLite backends from `bin`, their directories under `dir` (kept for
/// the report and `--keep`), `RUST_LOG` `node_log` (`None`: inherited) and `extra` config keys,
/// and waits until they are settled.
pub async fn start(
    bin: &Path,
    dir: &Path,
    n: usize,
    node_log: Option<String>,
    extra: &str,
) -> Result<ProcCluster> {
    start_within(bin, dir, n, node_log, extra, Duration::from_secs(30), PROBE_TIMEOUT).await
}

/// [`start`], waiting up to `settle` for the nodes to settle, each control-plane read bounded
/// by `probe_timeout` (both longer when the nodes start under a heavy discovery load, which
/// slows `/api/raft-status`: it computes the replicated-state digest).
pub async fn start_within(
    bin: &Path,
    dir: &Path,
    n: usize,
    node_log: Option<String>,
    extra: &str,
    settle: Duration,
    probe_timeout: Duration,
) -> Result<ProcCluster> {
    let mut cluster = ClusterSpec::sqlite(n)
        .bin(bin)
        .dir(dir)
        .rust_log(node_log)
        .extra(extra)
        .probe_timeout(probe_timeout)
        .try_start()?;
    cluster.try_wait_settled(settle).await?;
    Ok(cluster)
}

/// Sum of the running nodes' CPU time (user + system).
pub fn cpu(cluster: &ProcCluster) -> Duration {
    cluster.pids().into_iter().flatten().filter_map(cpu_time).sum()
}

/// The running nodes' CPU time by thread name, summed over the nodes (live threads only).
pub fn thread_cpu(cluster: &ProcCluster) -> BTreeMap<String, Duration> {
    let mut out = BTreeMap::new();
    for pid in cluster.pids().into_iter().flatten() {
        for (name, time) in crate::machine::thread_cpu(pid) {
            *out.entry(name).or_default() += time;
        }
    }
    out
}

/// `(LogAppends, LogSyncs)` from every node's `/api/raft-status` (raft log append calls and the
/// fdatasyncs that made them durable); `None` for a stopped node or an older build.
pub async fn log_stats(cluster: &ProcCluster) -> Vec<Option<(u64, u64)>> {
    let mut out = Vec::with_capacity(cluster.len());
    for i in cluster.all() {
        let status = match cluster.pid(i) {
            Some(_) => cluster.raft_status(i).await,
            None => None,
        };
        out.push(
            status
                .and_then(|v| Some((v.get("LogAppends")?.as_u64()?, v.get("LogSyncs")?.as_u64()?))),
        );
    }
    out
}
