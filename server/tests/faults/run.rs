//! Run: what every scenario shares — start the three nodes in their DCs, wait for a leader,
//! sample leader-check all along, run the workload, and at the end heal everything, restart
//! what is down, and check the invariants (filling the scenario's report row).
//!
//! Scenario-specific expectations are either hard asserts (a panic: the row is FAIL with the
//! message) or [`Run::check`] (recorded; the scenario goes on so the invariants still run).

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};

use crate::invariants::{
    check_failovers, describe_duals, dual_leader, leader_changes, leaderless, lost_commands,
    Sample, Sampler,
};
use crate::netns::FaultNet;
use crate::nodes::Nodes;
use crate::report::Row;
use crate::workload::{Log, Spec, Workload};

/// Failover expectations for [`Run::finish`].
pub struct Failovers<'a> {
    /// Nodes that had no quorum while a failover was possible: they must not have processed a
    /// recovery nor run a failover hook.
    pub no_quorum: &'a [usize],
    /// Failovers allowed per failed MySQL instance.
    pub max_per_key: usize,
    /// Failovers expected in total (all keys), when known.
    pub expected: Option<usize>,
}

/// One scenario's cluster, sampler, workload and report row.
pub struct Run {
    /// The nodes.
    pub nodes: Nodes,
    /// The report row being filled.
    pub row: Row,
    /// When the scenario started (trace lines are relative to it).
    pub t0: Instant,
    sampler: Option<Sampler>,
    workload: Option<Workload>,
    /// Logs of workloads that already ended ([`Run::blast`]).
    logs: Vec<Log>,
    term0: u64,
}

impl Run {
    /// Starts the nodes (one per DC, `backends` in DC order, `extra` config keys), waits for a
    /// healthy leader and starts sampling leader-check.
    pub async fn start(
        scenario: &str,
        net: Arc<FaultNet>,
        backends: Vec<Backend>,
        extra: &str,
    ) -> Run {
        let t0 = Instant::now();
        eprintln!("=== scenario {scenario}");
        let nodes = Nodes::start(net, backends, extra);
        let leader = nodes.wait_for_leader(&nodes.all()).await;
        let term0 = nodes.max_term().await;
        let urls = nodes.all().iter().map(|i| nodes.url(*i)).collect();
        let run = Run {
            nodes,
            row: Row { scenario: scenario.to_string(), ..Row::default() },
            t0,
            sampler: Some(Sampler::start(urls)),
            workload: None,
            logs: Vec::new(),
            term0,
        };
        run.step(&format!("cluster up, leader node {leader} (DC{}), term {term0}", leader + 1));
        run
    }

    /// A trace line.
    pub fn step(&self, msg: &str) {
        eprintln!("--- step [{:6.2}s] {msg}", self.t0.elapsed().as_secs_f64());
    }

    /// Records (and traces) an injected fault.
    pub fn fault(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        self.step(&format!("FAULT: {msg}"));
        self.row.faults.push(msg);
    }

    /// Records a measurement for the report.
    pub fn note(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        self.step(&format!("note: {msg}"));
        self.row.notes.push(msg);
    }

    /// Records a failed expectation unless `ok`.
    pub fn check(&mut self, ok: bool, msg: impl Into<String>) {
        if !ok {
            let msg = msg.into();
            self.step(&format!("CHECK FAILED: {msg}"));
            self.row.failures.push(msg);
        }
    }

    /// Starts the background workload through all nodes.
    pub fn start_workload(&mut self, clients: usize, pace: Duration) {
        let all = self.nodes.all();
        let urls = all.iter().map(|i| self.nodes.url(*i)).collect();
        self.workload = Some(Workload::start(Spec {
            urls,
            nodes: all,
            clients,
            pace,
            limit: None,
            tag: "w".into(),
        }));
    }

    /// The leader-check samples so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.sampler.as_ref().map(Sampler::samples).unwrap_or_default()
    }

    /// Sends commands with `clients` concurrent clients through `through` (no pause) until
    /// `total` are acknowledged; (acknowledged, refused or failed, wall time). Checked for loss
    /// by [`Run::finish`] as well.
    pub async fn blast(
        &mut self,
        through: Vec<usize>,
        total: usize,
        clients: usize,
    ) -> (usize, usize, Duration) {
        let urls = self.nodes.all().iter().map(|i| self.nodes.url(*i)).collect();
        let spec = Spec {
            urls,
            nodes: through,
            clients,
            pace: Duration::ZERO,
            limit: Some(total),
            tag: "b".into(),
        };
        let start = Instant::now();
        let log = Workload::start(spec).join().await;
        let (acked, failed) = (log.acked(), log.ops.len() - log.acked());
        self.logs.push(log);
        (acked, failed, start.elapsed())
    }

    /// The longest stretch without an acknowledged background-workload command in `[from, to]`.
    pub fn write_gap(&self, from: Instant, to: Instant) -> Duration {
        self.workload.as_ref().map_or(Duration::ZERO, |w| w.max_gap(from, to))
    }

    /// Commands acknowledged so far by the background workload.
    pub fn acked(&self) -> usize {
        self.workload.as_ref().map_or(0, Workload::acked)
    }

    /// Waits until the background workload has `n` more acknowledged commands.
    pub async fn wait_for_acks(&self, n: usize, timeout: Duration) -> bool {
        let target = self.acked() + n;
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.acked() >= target {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// Heals every link, restarts stopped nodes, lets the workload prove the cluster writes
    /// again, stops it, then checks every invariant. Returns the filled row.
    pub async fn finish(mut self, failovers: Option<Failovers<'_>>) -> Row {
        self.nodes.net.heal_all();
        for i in self.nodes.all() {
            if !self.nodes.is_running(i) {
                self.step(&format!("restart node {i}"));
                self.nodes.spawn(i);
            }
        }
        self.step("healed; waiting for one healthy leader");
        let all = self.nodes.all();
        let leader = self.nodes.wait_for_leader(&all).await;
        self.step(&format!("leader node {leader} (DC{})", leader + 1));
        if self.workload.is_some() {
            let ok = self.wait_for_acks(20, DEADLINE).await;
            self.check(ok, "the workload could not commit 20 commands after the heal");
        }
        let log = match self.workload.take() {
            Some(w) => Some(w.stop().await),
            None => None,
        };
        match self.nodes.try_wait_converged(&all, DEADLINE).await {
            Ok(digest) => self
                .step(&format!("all nodes converged, digest {}", &digest[..digest.len().min(16)])),
            Err(e) => self.check(false, e.to_string()),
        }
        let logs: Vec<Log> = log.into_iter().chain(std::mem::take(&mut self.logs)).collect();
        if let (Some(from), Some(to)) =
            (logs.iter().map(|l| l.started).min(), logs.iter().map(|l| l.stopped).max())
        {
            let acks = logs.iter().flat_map(|l| l.ops.iter().filter(|o| o.acked()).map(|o| o.done));
            self.row.unavailable = crate::workload::gap(acks, from, to);
        }
        for log in &logs {
            self.note(format!("workload: {}", log.summary()));
            self.row.acked += log.acked();
            let (lost, examples) = lost_commands(&self.nodes, log).await;
            self.row.lost += lost;
            self.check(
                lost == 0,
                format!("{lost} acknowledged commands missing after the heal: {examples:?}"),
            );
        }
        if let Some(f) = failovers {
            match check_failovers(&self.nodes, f.no_quorum, f.max_per_key).await {
                Ok(audit) => {
                    let total: usize = audit.failovers.values().sum();
                    self.note(format!(
                        "recovery audit identical on all nodes: {} recoveries, {total} failovers",
                        audit.recoveries.len()
                    ));
                    if let Some(want) = f.expected {
                        self.check(
                            total == want,
                            format!(
                                "expected {want} failovers, audit shows {total}: {:?}",
                                audit.recoveries
                            ),
                        );
                    }
                }
                Err(e) => self.check(false, e.to_string()),
            }
        }
        let samples = match self.sampler.take() {
            Some(s) => s.stop().await,
            None => Vec::new(),
        };
        let (dual, dual_samples) = dual_leader(&samples);
        self.row.dual_leader = dual;
        self.row.leaderless = leaderless(&samples, self.t0);
        self.row.leader_changes = leader_changes(&samples);
        let lease = self.nodes.lease;
        self.check(
            dual <= lease,
            format!("two nodes answered 200 on leader-check for {dual:?} ({dual_samples} samples), longer than the lease {lease:?}"),
        );
        if dual_samples > 0 {
            let which = describe_duals(&samples, self.t0);
            let more = if which.len() > 5 {
                format!("; … {} more", which.len() - 5)
            } else {
                String::new()
            };
            self.note(format!(
                "{dual_samples} samples with two leader-check 200s, longest stretch {dual:?} (lease {lease:?}): {}{more}",
                which[..which.len().min(5)].join("; ")
            ));
        }
        self.row.elections = self.nodes.max_term().await.saturating_sub(self.term0);
        self.row.took = self.t0.elapsed();
        self.step(&format!("done: {}", self.row.verdict()));
        std::mem::take(&mut self.row)
    }
}
