//! Waiting on the cluster: one healthy leader, identical replicated state, caught-up nodes.

use std::time::{Duration, Instant};

use futures::future::join_all;

use super::{ClusterError, ProcCluster};
use crate::testkit::{TimedOut, Wait};

impl ProcCluster {
    /// Waits until exactly one of `nodes` answers 200 on leader-check and all of them answer
    /// 200 on raft-health; returns the leader. Panics after the spec's deadline.
    pub async fn wait_for_leader(&self, nodes: &[usize]) -> usize {
        match self.try_wait_for_leader(nodes, self.deadline).await {
            Ok(leader) => leader,
            Err(e) => panic!("{e}"),
        }
    }

    /// As [`ProcCluster::wait_for_leader`], with a deadline and an error.
    pub async fn try_wait_for_leader(
        &self,
        nodes: &[usize],
        timeout: Duration,
    ) -> Result<usize, ClusterError> {
        let what = format!("a single healthy leader among nodes {nodes:?}");
        let leader = Wait::new(timeout, what)
            .value(|| async {
                let leaders = self.leaders(nodes).await;
                match leaders[..] {
                    [leader] if self.all_healthy(nodes).await => Some(leader),
                    _ => None,
                }
            })
            .await?;
        Ok(leader)
    }

    /// Waits until `nodes` report the same `ReplicatedDigest` and `AppliedIndex`. Panics after
    /// the spec's deadline.
    pub async fn wait_converged(&self, nodes: &[usize]) -> String {
        match self.try_wait_converged(nodes, self.deadline).await {
            Ok(digest) => digest,
            Err(e) => panic!("{e}"),
        }
    }

    /// As [`ProcCluster::wait_converged`], with a deadline and an error naming what differed.
    pub async fn try_wait_converged(
        &self,
        nodes: &[usize],
        timeout: Duration,
    ) -> Result<String, ClusterError> {
        let what = format!("identical replicated digests and applied indexes on nodes {nodes:?}");
        let digest = Wait::new(timeout, what)
            .every(Duration::from_millis(50))
            .result(|| async {
                let statuses = join_all(nodes.iter().map(|i| self.raft_status(*i))).await;
                let seen: Vec<Option<(String, Option<u64>)>> = statuses
                    .iter()
                    .map(|s| {
                        let s = s.as_ref()?;
                        let digest = s["ReplicatedDigest"].as_str().unwrap_or("").to_string();
                        Some((digest, s["AppliedIndex"].as_u64()))
                    })
                    .collect();
                match &seen[..] {
                    [Some((digest, _)), ..]
                        if seen.iter().all(Option::is_some)
                            && seen.windows(2).all(|w| w[0] == w[1]) =>
                    {
                        Ok(digest.clone())
                    }
                    _ => Err(format!("{seen:?}")),
                }
            })
            .await?;
        Ok(digest)
    }

    /// Waits until exactly one node leads, every running node is healthy, and every running
    /// node has applied what the leader had applied when first seen; fails at once when a
    /// running node exits. Returns the leader.
    pub async fn try_wait_settled(&mut self, timeout: Duration) -> Result<usize, ClusterError> {
        let start = Instant::now();
        let mut target: Option<(usize, u64)> = None;
        loop {
            self.check_alive()?;
            if let Some(leader) = self.leader().await {
                if target.is_none_or(|(l, _)| l != leader) {
                    target = self.applied_index(leader).await.map(|idx| (leader, idx));
                }
                if let Some((_, idx)) = target {
                    let running = self.running();
                    let applied = join_all(running.iter().map(|i| self.applied_index(*i))).await;
                    if self.all_healthy(&running).await
                        && applied.iter().all(|a| a.is_some_and(|a| a >= idx))
                    {
                        return Ok(leader);
                    }
                }
            }
            if start.elapsed() > timeout {
                let what = format!("a settled leader (node logs under {})", self.dir().display());
                return Err(TimedOut { what, timeout, last: None }.into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts a stopped node `i` again (same config, ports and data) and waits until the cluster
    /// is settled ([`ProcCluster::try_wait_settled`]); starts it again if it exits early (e.g.
    /// its port is still held). Returns the leader.
    pub async fn try_restart(
        &mut self,
        i: usize,
        timeout: Duration,
    ) -> Result<usize, ClusterError> {
        let start = Instant::now();
        loop {
            self.try_spawn(i)?;
            let left = timeout.saturating_sub(start.elapsed()).max(Duration::from_secs(5));
            match self.try_wait_settled(left).await {
                Err(ClusterError::Exited { node, tail, .. })
                    if node == i && start.elapsed() < timeout =>
                {
                    let first = tail.lines().last().unwrap_or("");
                    eprintln!("  restart of node {i} failed, retrying: {first}");
                    tokio::time::sleep(Duration::from_millis(200)).await; // back-off, not a wait
                }
                other => return other,
            }
        }
    }
}
