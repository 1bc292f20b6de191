//! One seed's run: start three nodes, drive workload and faults from the seed, heal, check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use app::core::{CommandOutcome, DowntimeRequest, InstanceKey, Proposal};
use openraft::{ServerState, SnapshotPolicy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use server::config::BackendConfig;
use server::raft::EntryOutcome;
use server::store::Store;
use tokio::task::JoinHandle;

use crate::net::{SimNet, IDS};
use crate::node::{Ctx, SimNode};
use crate::trace::{Counters, LeadersByTerm, Trace};

/// Workload/fault steps per seed.
const STEPS: usize = 40;
/// How long a client waits for its command to commit.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the healed cluster may take to agree.
const CONVERGE_DEADLINE: Duration = Duration::from_secs(30);
/// Longest a whole seed may take.
const RUN_DEADLINE: Duration = Duration::from_secs(120);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Raft settings as `server::node::raft_config` builds them, with fast timings and small
/// snapshot thresholds so that snapshots, purges and InstallSnapshot happen within a run.
fn raft_config(rng: &mut StdRng) -> Arc<openraft::Config> {
    let election = 120;
    let config = openraft::Config {
        cluster_name: "simulation".into(),
        heartbeat_interval: 25,
        election_timeout_min: election,
        election_timeout_max: election * 3 / 2,
        install_snapshot_timeout: (election * 4).max(2_000),
        max_payload_entries: 32,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(rng.random_range(20..=50)),
        max_in_snapshot_log_to_keep: 5,
        // Sometimes small chunks, so that a snapshot takes several (losable) RPCs.
        snapshot_max_chunk_size: if rng.random_bool(0.5) { 4 * 1024 } else { 1024 * 1024 },
        ..Default::default()
    };
    Arc::new(config.validate().expect("valid raft config"))
}

/// An acknowledged command: its key and where the leader committed it.
#[derive(Debug, Clone)]
struct Ack {
    key: String,
    by: u64,
    index: u64,
}

struct Sim {
    seed: u64,
    rng: StdRng,
    ctx: Ctx,
    nodes: Vec<SimNode>,
    next_key: u64,
    acks: Arc<Mutex<Vec<Ack>>>,
    /// Wrong answers seen by clients (an acknowledged command that was not applied).
    oddities: Arc<Mutex<Vec<String>>>,
    writes: Vec<JoinHandle<()>>,
}

/// Runs `seed` in a fresh directory under `base`. `Err` starts with `SEED <seed> failed:`.
pub async fn run_seed(seed: u64, base: &Path) -> (Arc<Counters>, Result<(), String>) {
    let counters = Arc::new(Counters::default());
    let trace = Trace::new();
    let fail = |e: String, trace: &Trace| {
        format!(
            "SEED {seed} failed: {e}\n--- trace of seed {seed} (replay: SIM_SEED={seed} cargo test \
             -p server --test simulation -- --nocapture) ---\n{}",
            trace.render()
        )
    };
    let tmp = match tempfile::Builder::new().prefix(&format!("sim-{seed}-")).tempdir_in(base) {
        Ok(t) => t,
        Err(e) => return (counters, Err(fail(format!("no temp dir: {e}"), &trace))),
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let config = raft_config(&mut rng);
    let leaders: LeadersByTerm = Arc::default();
    let ctx = Ctx {
        net: SimNet::new(seed),
        config,
        trace: trace.clone(),
        counters: counters.clone(),
        leaders,
        applied: Arc::default(),
    };
    let mut nodes = Vec::new();
    for id in IDS {
        let dir = tmp.path().join(format!("n{id}"));
        let backend = BackendConfig::Sqlite { path: dir.join("backend.db") };
        let store = match Store::open(&backend, Duration::from_secs(5)).await {
            Ok(s) => s,
            Err(e) => return (counters, Err(fail(format!("backend of n{id}: {e}"), &trace))),
        };
        let fsync = Duration::from_micros(rng.random_range(500..=4_000));
        nodes.push(SimNode::new(id, dir.join("raft"), store, fsync));
    }
    let mut sim = Sim {
        seed,
        rng,
        ctx,
        nodes,
        next_key: 0,
        acks: Arc::default(),
        oddities: Arc::default(),
        writes: Vec::new(),
    };
    let result = match tokio::time::timeout(RUN_DEADLINE, sim.drive()).await {
        Ok(r) => r,
        Err(_) => Err(format!("the run did not finish within {RUN_DEADLINE:?}")),
    };
    for w in sim.writes.drain(..) {
        w.abort();
    }
    for node in &mut sim.nodes {
        node.stop().await;
        node.store.pool().close().await;
    }
    if std::env::var("SIM_TRACE").is_ok_and(|v| v == "1") && result.is_ok() {
        println!("--- trace of seed {seed} (passed) ---\n{}", trace.render());
    }
    (counters, result.map_err(|e| fail(e, &trace)))
}

impl Sim {
    fn log(&self, line: impl Into<String>) {
        self.ctx.trace.log(line);
    }

    fn node(&mut self, id: u64) -> &mut SimNode {
        &mut self.nodes[(id - 1) as usize]
    }

    async fn start(&mut self, id: u64) -> Result<(), String> {
        let ctx = self.ctx.clone();
        self.node(id).start(&ctx).await
    }

    fn up(&self) -> Vec<u64> {
        self.nodes.iter().filter(|n| n.live.is_some()).map(|n| n.id).collect()
    }

    fn down(&self) -> Vec<u64> {
        self.nodes.iter().filter(|n| n.live.is_none()).map(|n| n.id).collect()
    }

    /// The live node that believes it leads in the highest term.
    fn leader(&self) -> Option<u64> {
        self.nodes
            .iter()
            .filter_map(|n| n.live.as_ref().map(|l| l.raft.metrics().borrow().clone()))
            .filter(|m| m.state == ServerState::Leader)
            .max_by_key(|m| m.current_term)
            .map(|m| m.id)
    }

    async fn drive(&mut self) -> Result<(), String> {
        let loss = self.rng.random_range(0.0..0.03);
        let delay = Duration::from_micros(self.rng.random_range(0..=4_000));
        self.ctx.net.set_weather(loss, delay);
        self.log(format!(
            "seed {}: {:?}, loss {loss:.3}, delay up to {delay:?}",
            self.seed, self.ctx.config.snapshot_policy
        ));
        for id in IDS {
            self.start(id).await?;
        }
        for step in 0..STEPS {
            // Every step draws the same numbers whatever the cluster's state, so the schedule
            // of a seed does not depend on thread timing.
            let roll = self.rng.random_range(0..100u32);
            let a = self.rng.random::<u64>();
            let b = self.rng.random::<u64>();
            let c = self.rng.random::<u64>();
            self.step(step, roll, a, b, c).await?;
            let pause = self.rng.random_range(8..=40);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        self.log("heal: every link restored, loss and delay off, crashed nodes restarted");
        self.ctx.net.heal_all();
        for id in self.down() {
            self.start(id).await?;
        }
        for w in self.writes.drain(..).collect::<Vec<_>>() {
            let _ = w.await;
        }
        // Check even when the cluster did not converge: a lost or diverged entry explains more
        // than a timeout does.
        let converged = self.converge().await;
        let checked = self.check().await;
        match (converged, checked) {
            (Ok(()), Ok(())) => Ok(()),
            (Ok(()), Err(e)) => Err(e),
            (Err(e), Ok(())) => Err(e),
            (Err(c), Err(e)) => Err(format!("{c}; and (on the unconverged cluster) {e}")),
        }
    }

    async fn step(&mut self, step: usize, roll: u32, a: u64, b: u64, c: u64) -> Result<(), String> {
        let up = self.up();
        let down = self.down();
        let pick = |ids: &[u64], r: u64| ids[(r % ids.len() as u64) as usize];
        match roll {
            0..45 => self.submit(step, 1 + (a % 8) as usize, b),
            // Usually one node down at a time; sometimes two; never three.
            45..53 if up.len() == 3 || (up.len() == 2 && b.is_multiple_of(3)) => {
                let id = pick(&up, a);
                self.crash_under_load(step, id, b, c).await;
            }
            53..65 if !down.is_empty() => {
                let id = pick(&down, a);
                self.log(format!("step {step}: restart n{id}"));
                self.start(id).await?;
            }
            65..68 if up.len() >= 2 => {
                let id = pick(&up, a);
                self.crash_under_load(step, id, b, c).await;
                self.log(format!("step {step}: restart n{id} at once"));
                self.start(id).await?;
            }
            68..74 => {
                let (x, y) = pair(a);
                self.log(format!("step {step}: cut n{x} <-> n{y}"));
                self.ctx.net.cut(x, y);
                self.ctx.net.cut(y, x);
            }
            74..78 => {
                let (x, y) = pair(a);
                self.log(format!("step {step}: cut n{x} -> n{y} (one way)"));
                self.ctx.net.cut(x, y);
            }
            78..81 => {
                let id = self.leader().unwrap_or_else(|| pick(&IDS, a));
                self.log(format!("step {step}: isolate n{id}"));
                for other in IDS.iter().copied().filter(|o| *o != id) {
                    self.ctx.net.cut(id, other);
                    self.ctx.net.cut(other, id);
                }
            }
            81..89 => {
                let (x, y) = pair(a);
                self.log(format!("step {step}: heal n{x} <-> n{y}"));
                self.ctx.net.heal_link(x, y);
            }
            89..94 => {
                self.log(format!("step {step}: heal all links (were {:?})", self.ctx.net.cuts()));
                self.ctx.net.heal_all();
                let loss = (a % 50) as f64 / 1000.0;
                let delay = Duration::from_micros(b % 5_000);
                self.ctx.net.set_weather(loss, delay);
            }
            94..97 => {
                let loss = (a % 50) as f64 / 1000.0;
                let delay = Duration::from_micros(b % 5_000);
                self.log(format!("step {step}: weather: loss {loss:.3}, delay up to {delay:?}"));
                self.ctx.net.set_weather(loss, delay);
            }
            _ => {}
        }
        Ok(())
    }

    /// Usually submits a burst first and crashes `id` a few milliseconds later, while the log
    /// writers are busy (a crash then finds unsynced bytes more often).
    async fn crash_under_load(&mut self, step: usize, id: u64, disk_seed: u64, c: u64) {
        if !c.is_multiple_of(3) {
            self.submit(step, 1 + (c / 3 % 8) as usize, c / 24);
            tokio::time::sleep(Duration::from_micros(c / 192 % 4_000)).await;
        }
        self.crash(step, id, disk_seed).await;
    }

    async fn crash(&mut self, step: usize, id: u64, disk_seed: u64) {
        let ctx = self.ctx.clone();
        let mut disk_rng = StdRng::seed_from_u64(disk_seed);
        let report = self.node(id).crash(&ctx, &mut disk_rng).await;
        if let Some(r) = report {
            let durable = self.node(id).durable_len();
            self.log(format!("step {step}: crash n{id}: {} (log now {durable} bytes)", r.detail));
        }
    }

    /// Proposes `count` new downtimes through the leader (or any live node), each on its own
    /// task; an `Ok` answer is an acknowledgement.
    fn submit(&mut self, step: usize, count: usize, r: u64) {
        let up = self.up();
        let Some(target) =
            self.leader().or_else(|| (!up.is_empty()).then(|| up[(r % up.len() as u64) as usize]))
        else {
            return;
        };
        let Some(raft) = self.node(target).live.as_ref().map(|l| l.raft.clone()) else { return };
        let first = self.next_key;
        self.next_key += count as u64;
        self.log(format!("step {step}: submit k{first}..=k{} to n{target}", self.next_key - 1));
        for n in first..self.next_key {
            let key = format!("s{}-k{n}", self.seed);
            let request = DowntimeRequest {
                key: InstanceKey { hostname: key.clone(), port: 3306 },
                owner: "simulation".into(),
                reason: format!("step {step}"),
                duration_ms: 24 * 3600 * 1000,
            };
            let env = Proposal::BeginDowntime(request).stamp(now_ms(), target, 0);
            let (raft, acks, oddities, trace, counters) = (
                raft.clone(),
                self.acks.clone(),
                self.oddities.clone(),
                self.ctx.trace.clone(),
                self.ctx.counters.clone(),
            );
            self.writes.push(tokio::spawn(async move {
                let Ok(Ok(resp)) =
                    tokio::time::timeout(WRITE_TIMEOUT, raft.client_write(env)).await
                else {
                    return;
                };
                let index = resp.log_id.index;
                if resp.data != EntryOutcome::One(CommandOutcome::Applied) {
                    lock(&oddities).push(format!(
                        "k{n} acknowledged by n{target} at {index} with {:?}",
                        resp.data
                    ));
                }
                trace.log(format!("ack k{n} by n{target} at index {index}"));
                Counters::bump(&counters.acked);
                lock(&acks).push(Ack { key, by: target, index });
            }));
        }
    }

    /// Waits until one leader is known to all, every node applied its whole log, and the
    /// replicated digests agree.
    async fn converge(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let metrics: Vec<_> = self
                .nodes
                .iter()
                .filter_map(|n| n.live.as_ref().map(|l| l.raft.metrics().borrow().clone()))
                .collect();
            for m in &metrics {
                if let Err(fatal) = &m.running_state {
                    return Err(format!("n{}'s raft stopped with a fatal error: {fatal}", m.id));
                }
            }
            // A core that panicked or stopped leaves its last metrics behind: ask it directly.
            for n in &self.nodes {
                if let Some(life) = &n.live {
                    match tokio::time::timeout(Duration::from_secs(2), life.raft.is_initialized())
                        .await
                    {
                        Ok(Ok(_)) => {}
                        Ok(Err(fatal)) => {
                            return Err(format!("n{}'s raft core stopped: {fatal}", n.id))
                        }
                        Err(_) => return Err(format!("n{}'s raft core does not answer", n.id)),
                    }
                }
            }
            let leaders: Vec<_> =
                metrics.iter().filter(|m| m.state == ServerState::Leader).collect();
            let agreed = match leaders.as_slice() {
                [l] => {
                    metrics.len() == 3
                        && metrics.iter().all(|m| {
                            m.current_leader == Some(l.id) && m.current_term == l.current_term
                        })
                        && metrics
                            .iter()
                            .all(|m| m.last_applied.map(|x| x.index) == l.last_log_index)
                }
                _ => false,
            };
            let mut digests = BTreeMap::new();
            if agreed {
                for n in &self.nodes {
                    let d = n
                        .store
                        .replicated_digest()
                        .await
                        .map_err(|e| format!("digest of n{}: {e}", n.id))?;
                    digests.insert(n.id, d);
                }
                if digests.values().collect::<BTreeSet<_>>().len() == 1 {
                    self.log(format!(
                        "converged in {:?}: leader n{}, term {}, applied {:?}",
                        started.elapsed(),
                        leaders[0].id,
                        leaders[0].current_term,
                        leaders[0].last_log_index
                    ));
                    return Ok(());
                }
            }
            let status = metrics
                .iter()
                .map(|m| {
                    format!(
                        "n{}: {:?} term {} leader {:?} log {:?} applied {:?} snapshot {:?} \
                         purged {:?} digest {}",
                        m.id,
                        m.state,
                        m.current_term,
                        m.current_leader,
                        m.last_log_index,
                        m.last_applied.map(|l| l.index),
                        m.snapshot.map(|l| l.index),
                        m.purged.map(|l| l.index),
                        digests.get(&m.id).map_or("-", |d| &d[..12]),
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            if started.elapsed() > CONVERGE_DEADLINE {
                let what = if digests.is_empty() {
                    "agree on a leader and applied index"
                } else {
                    "agree on digests"
                };
                return Err(format!(
                    "the healed cluster did not {what} within {CONVERGE_DEADLINE:?}: {status}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The invariants: no acknowledged command lost, at most one leader per term.
    async fn check(&mut self) -> Result<(), String> {
        let mut problems = Vec::new();
        let acks = lock(&self.acks).clone();
        let now = now_ms();
        for n in &self.nodes {
            let present: BTreeSet<String> = n
                .store
                .active_downtimes(now)
                .await
                .map_err(|e| format!("downtimes of n{}: {e}", n.id))?
                .into_iter()
                .map(|d| d.key.hostname)
                .collect();
            let lost: Vec<String> = acks
                .iter()
                .filter(|a| !present.contains(&a.key))
                .map(|a| format!("{} (acked by n{} at index {})", a.key, a.by, a.index))
                .collect();
            if !lost.is_empty() {
                problems.push(format!(
                    "n{} lost {} acknowledged command(s): {}",
                    n.id,
                    lost.len(),
                    lost.join(", ")
                ));
            }
            let submitted = self.next_key;
            let strangers: Vec<&String> = present
                .iter()
                .filter(|k| {
                    k.strip_prefix(&format!("s{}-k", self.seed))
                        .and_then(|n| n.parse::<u64>().ok())
                        .is_none_or(|n| n >= submitted)
                })
                .collect();
            if !strangers.is_empty() {
                problems.push(format!("n{} holds downtimes nobody submitted: {strangers:?}", n.id));
            }
        }
        // At most one leader per term (the inbox's `term_vote` rule over openraft's votes).
        for (term, ids) in lock(&self.ctx.leaders).iter() {
            if ids.len() > 1 {
                problems.push(format!("term {term} had {} leaders: {ids:?}", ids.len()));
            }
        }
        // State machine safety: every node applied the same entry (log id, which names the
        // leader that wrote it) at each index.
        for (index, ids) in lock(&self.ctx.applied).iter() {
            if ids.len() > 1 {
                let what: Vec<String> =
                    ids.iter().map(|(id, nodes)| format!("{id} on {nodes:?}")).collect();
                problems.push(format!(
                    "index {index} was applied as different entries: {}",
                    what.join(", ")
                ));
            }
        }
        let applied = lock(&self.ctx.applied).len();
        if applied == 0 {
            problems.push("no entry was applied anywhere: the run checked nothing".into());
        }
        problems.extend(lock(&self.oddities).iter().cloned());
        let terms: Vec<String> =
            lock(&self.ctx.leaders).iter().map(|(t, ids)| format!("t{t}:{ids:?}")).collect();
        self.log(format!(
            "{} commands acknowledged; leaders by term: {}",
            acks.len(),
            terms.join(" ")
        ));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// Two different node ids from one number.
fn pair(r: u64) -> (u64, u64) {
    let x = IDS[(r % 3) as usize];
    let y = IDS[((r / 3) % 2 + 1 + (r % 3)) as usize % 3];
    (x, y)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
