//! Leader kill → new leader accepting writes (target T3, see docs/benchmarks.md).
//!
//! Each round: find the settled leader, SIGKILL it, then every surviving node is sent writes in
//! a loop (its own API: a follower proxies to whatever leader it knows, or answers 503); the
//! round's figure is the time from the kill to the first HTTP 200. Alongside, the time until a
//! survivor first answers 200 to `/api/leader-check` is recorded (election alone). Then the
//! killed node is restarted and the cluster is waited on until healthy and caught up.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{BenchError, Result};
use crate::load::{get_ok, write_url};
use crate::stats::{fmt, summarize, Summary};
use server::testkit::cluster::ProcCluster;

/// Per-attempt timeout of a probing write.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
/// Pause between failed attempts on one node.
const RETRY_PAUSE: Duration = Duration::from_millis(5);
/// Give up on a round after this long.
const ROUND_DEADLINE: Duration = Duration::from_secs(30);

/// One kill.
#[derive(Debug, Clone)]
pub struct Round {
    /// Index of the killed node.
    pub killed: usize,
    /// Kill → first write answered 200.
    pub write: Duration,
    /// Kill → a survivor answers 200 to leader-check (if seen before the write succeeded).
    pub elected: Option<Duration>,
    /// Node whose API answered the first 200.
    pub via: usize,
    /// Restart of the killed node → cluster healthy and caught up.
    pub rejoin: Duration,
}

/// All rounds.
#[derive(Debug, Clone)]
pub struct Failover {
    pub rounds: Vec<Round>,
    /// Kill → first write 200, over all rounds.
    pub write: Option<Summary>,
    /// Kill → leader-check 200 on a survivor.
    pub elected: Option<Summary>,
    /// Restart → healthy and caught up.
    pub rejoin: Option<Summary>,
}

/// Runs `kills` rounds.
pub async fn run(
    cluster: &mut ProcCluster,
    client: &reqwest::Client,
    kills: usize,
    seq: Arc<AtomicU64>,
) -> Result<Failover> {
    let mut rounds = Vec::with_capacity(kills);
    for k in 0..kills {
        let leader = cluster.try_wait_settled(ROUND_DEADLINE).await?;
        // Let heartbeats flow for a moment so the followers' election timers are fresh, as they
        // would be in a long-running cluster.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let survivors: Vec<usize> =
            cluster.running().into_iter().filter(|i| *i != leader).collect();
        let urls: Vec<(usize, String)> = survivors.iter().map(|i| (*i, cluster.url(*i))).collect();

        let killed_at = Instant::now();
        cluster.kill9(leader);

        let mut writers = tokio::task::JoinSet::new();
        for (i, base) in urls.clone() {
            let client = client.clone();
            let seq = seq.clone();
            writers.spawn(async move {
                loop {
                    let url = write_url(&base, seq.fetch_add(1, Ordering::Relaxed));
                    if get_ok(&client, &url, ATTEMPT_TIMEOUT).await.is_ok() {
                        return (i, killed_at.elapsed());
                    }
                    if killed_at.elapsed() > ROUND_DEADLINE {
                        return (usize::MAX, killed_at.elapsed());
                    }
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
            });
        }
        let elect_client = client.clone();
        let election = tokio::spawn(async move {
            loop {
                for (_, base) in &urls {
                    let url = format!("{base}/api/leader-check");
                    if get_ok(&elect_client, &url, Duration::from_millis(300)).await.is_ok() {
                        return killed_at.elapsed();
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
        let first = writers.join_next().await;
        writers.abort_all();
        let (via, write) = match first {
            Some(Ok((via, d))) if via != usize::MAX => (via, d),
            _ => {
                election.abort();
                return Err(BenchError::NoWriteAfterKill {
                    round: k + 1,
                    within: ROUND_DEADLINE,
                    node: leader,
                });
            }
        };
        let elected = tokio::time::timeout(Duration::from_millis(500), election)
            .await
            .ok()
            .and_then(|r| r.ok());

        let restart_at = Instant::now();
        cluster.try_restart(leader, ROUND_DEADLINE).await?;
        let rejoin = restart_at.elapsed();
        eprintln!(
            "  kill {}/{kills}: node {leader} killed; write accepted via node {via} after {}; leader-check after {}; rejoined in {}",
            k + 1,
            fmt(write),
            elected.map(fmt).unwrap_or_else(|| "?".into()),
            fmt(rejoin),
        );
        rounds.push(Round { killed: leader, write, elected, via, rejoin });
    }
    let write = summarize(&rounds.iter().map(|r| r.write).collect::<Vec<_>>());
    let elected = summarize(&rounds.iter().filter_map(|r| r.elected).collect::<Vec<_>>());
    let rejoin = summarize(&rounds.iter().map(|r| r.rejoin).collect::<Vec<_>>());
    Ok(Failover { rounds, write, elected, rejoin })
}
