//! The invariants checked after every scenario, and the leader-check sampler they need:
//! * no two nodes answer 200 on `/api/leader-check` at the same sampled instants for longer
//!   than the leader lease (all nodes are asked concurrently every 50 ms, faults or not);
//! * every acknowledged command's effect is present on every node after the heal;
//! * replicated digests (and applied indexes) are identical on all nodes;
//! * at most one failover per failed MySQL instance, none processed by a node that had no
//!   quorum, and that node's failover hook never ran.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::nodes::Nodes;
use crate::workload::Log;

/// Sampling period of the leader-check sampler.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// One sampled instant: which nodes answered 200 on leader-check.
#[derive(Clone, Debug)]
pub struct Sample {
    /// When the concurrent requests were sent.
    pub at: Instant,
    /// Nodes that answered 200.
    pub leaders: Vec<usize>,
    /// How long each node took to answer (indexed by node).
    pub took: Vec<Duration>,
}

/// Background sampler of `/api/leader-check` on every node.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    handle: JoinHandle<()>,
}

impl Sampler {
    /// Starts sampling `urls` (indexed by node).
    pub fn start(urls: Vec<String>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let samples = Arc::new(Mutex::new(Vec::new()));
        let out = samples.clone();
        let http = reqwest::Client::builder().no_proxy().build().expect("client");
        let handle = tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !flag.load(Ordering::SeqCst) {
                tick.tick().await;
                let at = Instant::now();
                let answers = join_all(urls.iter().map(|u| {
                    let req = http
                        .get(format!("{u}/api/leader-check"))
                        .timeout(Duration::from_millis(500))
                        .send();
                    async move {
                        let ok = req.await.is_ok_and(|r| r.status().as_u16() == 200);
                        (ok, at.elapsed())
                    }
                }))
                .await;
                let leaders =
                    answers.iter().enumerate().filter(|(_, a)| a.0).map(|(i, _)| i).collect();
                let took = answers.iter().map(|a| a.1).collect();
                out.lock().unwrap_or_else(|e| e.into_inner()).push(Sample { at, leaders, took });
            }
        });
        Sampler { stop, samples, handle }
    }

    /// The samples so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stops sampling; the samples.
    pub async fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        let samples = self.samples.clone();
        self.handle.await.expect("sampler panicked");
        let out = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
        out
    }
}

/// The samples with two or more nodes answering 200, described (time from `t0`, nodes and
/// their answer times): one sample's requests are concurrent but may be served up to the
/// request timeout apart, so a lone dual sample is not by itself an overlap.
pub fn describe_duals(samples: &[Sample], t0: Instant) -> Vec<String> {
    samples
        .iter()
        .filter(|s| s.leaders.len() >= 2)
        .map(|s| {
            let nodes = s
                .leaders
                .iter()
                .map(|n| format!("node {n} in {} ms", s.took[*n].as_millis()))
                .collect::<Vec<_>>()
                .join(", ");
            format!("+{:.2} s: {nodes}", (s.at - t0).as_secs_f64())
        })
        .collect()
}

/// The longest stretch of consecutive samples in which two or more nodes answered 200
/// (first to last such sample), and how many samples showed two leaders.
pub fn dual_leader(samples: &[Sample]) -> (Duration, usize) {
    let (mut worst, mut count, mut run_start): (Duration, usize, Option<Instant>) =
        (Duration::ZERO, 0, None);
    for s in samples {
        if s.leaders.len() >= 2 {
            count += 1;
            let start = *run_start.get_or_insert(s.at);
            worst = worst.max(s.at - start);
        } else {
            run_start = None;
        }
    }
    (worst, count)
}

/// How many times the sampled leader changed (a sample with exactly one leader, different
/// from the previous such sample's).
pub fn leader_changes(samples: &[Sample]) -> usize {
    let mut last = None;
    let mut changes = 0;
    for s in samples.iter().filter(|s| s.leaders.len() == 1) {
        if last.is_some_and(|l| l != s.leaders[0]) {
            changes += 1;
        }
        last = Some(s.leaders[0]);
    }
    changes
}

/// The last sampled instant at or after `from` at which `node` answered 200.
pub fn last_leader_sample(samples: &[Sample], node: usize, from: Instant) -> Option<Instant> {
    samples.iter().rev().filter(|s| s.at >= from && s.leaders.contains(&node)).map(|s| s.at).next()
}

/// Whether `node` answered 200 at any sampled instant in `[from, to]`.
pub fn was_leader_between(samples: &[Sample], node: usize, from: Instant, to: Instant) -> bool {
    samples.iter().any(|s| s.at >= from && s.at <= to && s.leaders.contains(&node))
}

/// The longest stretch with no node answering 200 (from the last sample with a leader to the
/// next one), from `from` on.
pub fn leaderless(samples: &[Sample], from: Instant) -> Duration {
    let mut worst = Duration::ZERO;
    let mut since: Option<Instant> = None;
    for s in samples.iter().filter(|s| s.at >= from) {
        match (s.leaders.is_empty(), since) {
            (true, None) => since = Some(s.at),
            (false, Some(t)) => {
                worst = worst.max(s.at - t);
                since = None;
            }
            _ => {}
        }
    }
    worst
}

/// Hostnames a JSON array lists under `field`.
fn hosts(v: &Value, field: &str) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    e[field]["Hostname"].as_str().or(e["Hostname"].as_str()).map(String::from)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Acknowledged commands whose effect is missing (or contradicted) on some node: (count, examples).
pub async fn lost_commands(nodes: &Nodes, log: &Log) -> (usize, Vec<String>) {
    let expected = log.expected();
    let mut lost = BTreeSet::new();
    let mut examples = Vec::new();
    for i in nodes.all() {
        let (s1, candidates) = nodes.json(i, "/api/candidates").await;
        let (s2, downtimed) = nodes.json(i, "/api/downtimed").await;
        if s1 != 200 || s2 != 200 {
            examples.push(format!("node {i} did not answer the reads ({s1}, {s2})"));
            lost.insert(format!("unreadable node {i}"));
            continue;
        }
        let (candidates, downtimed) = (hosts(&candidates, "Key"), hosts(&downtimed, "Key"));
        let missing = expected
            .candidates
            .iter()
            .filter(|h| !candidates.contains(*h))
            .map(|h| format!("candidate {h}"))
            .chain(
                expected
                    .downtimed
                    .iter()
                    .filter(|h| !downtimed.contains(*h))
                    .map(|h| format!("downtime {h}")),
            )
            .chain(
                expected
                    .not_downtimed
                    .iter()
                    .filter(|h| downtimed.contains(*h))
                    .map(|h| format!("ended downtime {h}")),
            );
        for m in missing {
            if examples.len() < 5 {
                examples.push(format!("node {i}: {m}"));
            }
            lost.insert(m);
        }
    }
    (lost.len(), examples)
}

/// What the audit of every node says about failovers.
#[derive(Debug, Default)]
pub struct FailoverAudit {
    /// Recoveries (identical on every node), by UID: (failed key, processing node, successor).
    pub recoveries: BTreeMap<String, (String, Option<usize>, Option<String>)>,
    /// Failovers (recoveries with a successor) per failed key.
    pub failovers: BTreeMap<String, usize>,
}

fn key_of(v: &Value) -> Option<String> {
    let host = v["Hostname"].as_str()?;
    Some(format!("{host}:{}", v["Port"]))
}

/// Node `i`'s `/api/audit-recovery` entries.
pub async fn recoveries(nodes: &Nodes, i: usize) -> Vec<Value> {
    let (_, v) = nodes.json(i, "/api/audit-recovery").await;
    match v {
        Value::Array(a) => a,
        Value::Object(_) => v["Details"].as_array().cloned().unwrap_or_default(),
        _ => vec![],
    }
}

/// Reads every node's recovery audit and checks the failover invariants: the same recoveries
/// on every node, at most `max_per_key` failovers per failed instance, none processed by a node
/// in `no_quorum`, and no failover hook output on those nodes.
pub async fn check_failovers(
    nodes: &Nodes,
    no_quorum: &[usize],
    max_per_key: usize,
) -> Result<FailoverAudit, String> {
    let mut audit = FailoverAudit::default();
    let per_node = join_all(nodes.all().into_iter().map(|i| recoveries(nodes, i))).await;
    for (i, list) in per_node.iter().enumerate() {
        let mut mine = BTreeMap::new();
        for r in list {
            let uid = r["UID"].as_str().unwrap_or("").to_string();
            let key = key_of(&r["AnalysisEntry"]["AnalyzedInstanceKey"]).unwrap_or_default();
            let by = nodes.node_of_host(r["ProcessingNodeHostname"].as_str().unwrap_or(""));
            mine.insert(uid, (key, by, key_of(&r["SuccessorKey"])));
        }
        if i == 0 {
            audit.recoveries = mine;
        } else if mine != audit.recoveries {
            return Err(format!(
                "node {i}'s recovery audit differs from node 0's: {mine:?} vs {:?}",
                audit.recoveries
            ));
        }
    }
    for (uid, (key, by, successor)) in &audit.recoveries {
        if let Some(n) = by.filter(|n| no_quorum.contains(n)) {
            return Err(format!(
                "recovery {uid} of {key} was processed by node {n}, which had no quorum"
            ));
        }
        if successor.is_some() {
            *audit.failovers.entry(key.clone()).or_default() += 1;
        }
    }
    if let Some((key, n)) = audit.failovers.iter().find(|(_, n)| **n > max_per_key) {
        return Err(format!(
            "{n} failovers of {key} (at most {max_per_key} allowed): {:?}",
            audit.recoveries
        ));
    }
    for n in no_quorum {
        let hooks = std::fs::read_to_string(nodes.hook_log(*n)).unwrap_or_default();
        if !hooks.trim().is_empty() {
            return Err(format!("node {n} (no quorum) ran a failover hook: {hooks}"));
        }
    }
    Ok(audit)
}
