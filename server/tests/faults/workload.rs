//! Workload: clients that keep issuing user commands (register-candidate, begin-downtime,
//! end-downtime of a host they put in downtime) through randomly chosen nodes, and record every
//! command with its answer. Only an HTTP 200 counts as acknowledged; anything else (error,
//! timeout, unreachable node) is "unknown": it may or may not have been committed.
//!
//! Every command names a host that only its client uses, and a client is sequential, so the
//! final replicated state each acknowledged command implies is known exactly (see [`Log::expected`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

/// Per-request timeout: above the server's commit timeout plus one proxy hop.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);
/// Pause after a failed request, so a dead node is not hammered.
const BACKOFF: Duration = Duration::from_millis(50);

/// What a command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `register-candidate/<host>/3306/prefer`.
    Candidate,
    /// `begin-downtime/<host>/3306/faults/load/1h`.
    Begin,
    /// `end-downtime/<host>/3306`.
    End,
}

/// One command and its answer.
#[derive(Clone, Debug)]
pub struct Op {
    /// Issuing client.
    pub client: usize,
    /// What it did.
    pub kind: Kind,
    /// The host it names.
    pub host: String,
    /// The node it was sent to.
    pub node: usize,
    /// When the answer (or the error) came.
    pub done: Instant,
    /// How long the request took.
    pub took: Duration,
    /// HTTP status, 0 for a transport error or timeout.
    pub status: u16,
}

impl Op {
    /// Acknowledged: the cluster promised it is committed.
    pub fn acked(&self) -> bool {
        self.status == 200
    }
}

/// What to run.
#[derive(Clone)]
pub struct Spec {
    /// Base URLs, indexed by node.
    pub urls: Vec<String>,
    /// Nodes the clients pick from (uniformly).
    pub nodes: Vec<usize>,
    /// Concurrent clients.
    pub clients: usize,
    /// Pause between a client's commands.
    pub pace: Duration,
    /// Stop once this many commands are acknowledged in total (`None`: until stopped); up to
    /// `clients - 1` more may be acknowledged by requests already in flight.
    pub limit: Option<usize>,
    /// Host name prefix (distinguishes workloads of one cluster).
    pub tag: String,
}

/// Running clients.
pub struct Workload {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
    ack_times: Arc<Mutex<Vec<Instant>>>,
    handles: Vec<JoinHandle<Vec<Op>>>,
    started: Instant,
}

/// A tiny xorshift generator: `rand`'s thread RNG cannot be held across an await.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

impl Workload {
    /// Starts the clients.
    pub fn start(spec: Spec) -> Workload {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicUsize::new(0));
        let ack_times = Arc::new(Mutex::new(Vec::new()));
        let http = reqwest::Client::builder().no_proxy().build().expect("client");
        let seed = u64::from(std::process::id()) ^ Instant::now().elapsed().as_nanos() as u64;
        let handles = (0..spec.clients)
            .map(|client| {
                let (spec, stop, http) = (spec.clone(), stop.clone(), http.clone());
                let acks = (acked.clone(), ack_times.clone());
                tokio::spawn(client_loop(
                    client,
                    spec,
                    stop,
                    acks,
                    http,
                    Rng(seed.wrapping_mul(31).wrapping_add(client as u64 * 7919 + 1)),
                ))
            })
            .collect();
        Workload { stop, acked, ack_times, handles, started: Instant::now() }
    }

    /// Commands acknowledged so far.
    pub fn acked(&self) -> usize {
        self.acked.load(Ordering::SeqCst)
    }

    /// The longest stretch without an acknowledged command in `[from, to]`, so far.
    pub fn max_gap(&self, from: Instant, to: Instant) -> Duration {
        let times = self.ack_times.lock().unwrap_or_else(|e| e.into_inner()).clone();
        gap(times.into_iter(), from, to)
    }

    /// Stops the clients (each finishes its request in flight) and returns the log.
    pub async fn stop(self) -> Log {
        self.stop.store(true, Ordering::SeqCst);
        self.join().await
    }

    /// Waits until the clients stop by themselves (a `limit` was reached); the log.
    pub async fn join(self) -> Log {
        let mut ops = Vec::new();
        for h in self.handles {
            ops.extend(h.await.expect("workload client panicked"));
        }
        ops.sort_by_key(|o| o.done);
        Log { ops, started: self.started, stopped: Instant::now() }
    }
}

async fn client_loop(
    client: usize,
    spec: Spec,
    stop: Arc<AtomicBool>,
    (acked, ack_times): (Arc<AtomicUsize>, Arc<Mutex<Vec<Instant>>>),
    http: reqwest::Client,
    mut rng: Rng,
) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut in_downtime: Vec<String> = Vec::new();
    let mut seq = 0u64;
    while !stop.load(Ordering::SeqCst) {
        if spec.limit.is_some_and(|l| acked.load(Ordering::SeqCst) >= l) {
            break;
        }
        seq += 1;
        let node = spec.nodes[(rng.next() % spec.nodes.len() as u64) as usize];
        let (kind, host) = match rng.next() % 3 {
            2 if !in_downtime.is_empty() => (Kind::End, in_downtime.remove(0)),
            1 => (Kind::Begin, format!("{}d{client}x{seq}", spec.tag)),
            _ => (Kind::Candidate, format!("{}c{client}x{seq}", spec.tag)),
        };
        let path = match kind {
            Kind::Candidate => format!("/api/register-candidate/{host}/3306/prefer"),
            Kind::Begin => format!("/api/begin-downtime/{host}/3306/faults/load/1h"),
            Kind::End => format!("/api/end-downtime/{host}/3306"),
        };
        let sent = Instant::now();
        let status = match http
            .get(format!("{}{path}", spec.urls[node]))
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        if status == 200 {
            ack_times.lock().unwrap_or_else(|e| e.into_inner()).push(Instant::now());
            acked.fetch_add(1, Ordering::SeqCst);
            if kind == Kind::Begin {
                in_downtime.push(host.clone());
            }
        }
        ops.push(Op {
            client,
            kind,
            host,
            node,
            done: Instant::now(),
            took: sent.elapsed(),
            status,
        });
        if status != 200 {
            tokio::time::sleep(BACKOFF).await;
        } else if !spec.pace.is_zero() {
            tokio::time::sleep(spec.pace).await;
        }
    }
    ops
}

/// Every command of a workload, in completion order.
pub struct Log {
    /// The commands.
    pub ops: Vec<Op>,
    /// When the clients started.
    pub started: Instant,
    /// When they were stopped.
    pub stopped: Instant,
}

/// The state acknowledged commands imply, host by host.
#[derive(Default)]
pub struct Expected {
    /// Registered candidates (acknowledged).
    pub candidates: BTreeSet<String>,
    /// Hosts whose last command was an acknowledged begin-downtime.
    pub downtimed: BTreeSet<String>,
    /// Hosts whose last command was an acknowledged end-downtime.
    pub not_downtimed: BTreeSet<String>,
}

impl Log {
    /// Number of acknowledged commands.
    pub fn acked(&self) -> usize {
        self.ops.iter().filter(|o| o.acked()).count()
    }

    /// Unacknowledged commands by answer ("503", "timeout/unreachable", ...) with the nodes
    /// they were sent to, and the slowest command: for the report's notes.
    pub fn summary(&self) -> String {
        let mut failed: BTreeMap<String, (usize, BTreeSet<usize>)> = BTreeMap::new();
        for op in self.ops.iter().filter(|o| !o.acked()) {
            let what = if op.status == 0 {
                "timeout/unreachable".to_string()
            } else {
                op.status.to_string()
            };
            let e = failed.entry(what).or_default();
            e.0 += 1;
            e.1.insert(op.node);
        }
        let failed = failed
            .iter()
            .map(|(k, (n, nodes))| format!("{k} ×{n} (via nodes {nodes:?})"))
            .collect::<Vec<_>>()
            .join(", ");
        let slowest = self.ops.iter().max_by_key(|o| o.took).map_or(String::new(), |o| {
            format!(
                "; slowest command {:.2} s ({}, client {} via node {})",
                o.took.as_secs_f64(),
                o.status,
                o.client,
                o.node
            )
        });
        format!(
            "{} commands, {} acknowledged; unacknowledged: {}{slowest}",
            self.ops.len(),
            self.acked(),
            if failed.is_empty() { "none".into() } else { failed }
        )
    }

    /// The state the acknowledged commands imply. A host whose last command is unknown is left
    /// out (it may legitimately be either way).
    pub fn expected(&self) -> Expected {
        let mut e = Expected::default();
        let mut last: BTreeMap<&str, &Op> = BTreeMap::new();
        for op in &self.ops {
            match op.kind {
                Kind::Candidate if op.acked() => {
                    e.candidates.insert(op.host.clone());
                }
                Kind::Candidate => {}
                // A client's commands on one host are sequential, so completion order is issue order.
                Kind::Begin | Kind::End => {
                    last.insert(&op.host, op);
                }
            }
        }
        for (host, op) in last {
            match (op.kind, op.acked()) {
                (Kind::Begin, true) => e.downtimed.insert(host.to_string()),
                (Kind::End, true) => e.not_downtimed.insert(host.to_string()),
                _ => false,
            };
        }
        e
    }
}

/// The longest stretch without an acknowledgement between `from` and `to` (both edges count;
/// `times` in any order): the write unavailability the clients saw.
pub fn gap(times: impl Iterator<Item = Instant>, from: Instant, to: Instant) -> Duration {
    let mut times: Vec<Instant> = times.filter(|t| *t > from && *t <= to).collect();
    times.sort();
    let mut prev = from;
    let mut worst = Duration::ZERO;
    for t in times {
        worst = worst.max(t - prev);
        prev = t;
    }
    worst.max(to.saturating_duration_since(prev))
}
