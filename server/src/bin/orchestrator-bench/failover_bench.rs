//! `orchestrator-bench failover`: master kill -9 → new master writable with its siblings
//! repointed, against a real MariaDB star watched by 3 real `orchestrator` nodes.
//!
//! Set-up: one star of `--instances` MariaDB servers (1 master, GTID replicas with
//! `MASTER_CONNECT_RETRY=1`, `MASTER_HEARTBEAT_PERIOD=0.5`), 3 nodes with `InstancePollSeconds`
//! (1), the master as `DiscoverySeeds`, `RecoverMasterClusterFilters: ["*"]`,
//! `RecoveryStartupGraceSeconds: 1` and `FailureDetectionPeriodBlockMinutes: 0` (every run
//! registers its detection, as a first failure in production does); `RecoveryPeriodBlockSeconds`
//! stays at its default and every run is acknowledged (`/api/ack-all-recoveries`).
//!
//! Each run: wait until every node sees the star healthy (all instances valid, every replica
//! replicating from the master); write a row on the master and wait for the replicas to apply it;
//! pause 0..`--offset-max-ms` (spread evenly over the runs) so the kills fall all over the
//! probe and analysis cycles; SIGKILL the master; then poll every `--poll-ms`:
//! - the leader's `/api/replication-analysis` until the master's `Analysis` is `DeadMaster*`;
//! - the leader's `/api/audit-recovery` until a new recovery of the master appears;
//! - every replica's `@@read_only` until one is 0 (the successor);
//! - every other replica's `SHOW SLAVE STATUS` until all have `Master_Port` = the successor.
//!
//! The figure is the kill → (successor writable and all siblings repointed). Afterwards the
//! leader's log gives the sub-second server-side times the API does not (its audit timestamps
//! have second resolution): the first failed probe of the master (the batch writer's warning, at
//! most 100 ms after the probe), the detection registered through raft, and the recovery steps
//! (`registered` right after `write-recovery` commits, `promoted`, `... now replicates from`).
//! Then the old master is restarted as a replica of the successor (`gtid_slave_pos` set to its
//! own binlog position), its downtime ended, the recovery acknowledged, and the next run kills
//! the successor.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use server::testkit::cluster::ProcCluster;
use server::testkit::mariadb::{self, Sandbox, Server, ORC_PASSWORD, ORC_USER};
use server::testkit::mariadb::{REPL_PASSWORD, REPL_USER};
use sqlx::mysql::MySqlConnection;
use sqlx::Connection;

use crate::error::{BenchError, Result};
use crate::machine::{self, MachineInfo};
use crate::orc_api::{
    get_200, get_json, has_field, key_port, list, read_log, text, unix_us, LogLine,
};
use crate::stats::{summarize, Summary};

/// Options of the failover benchmark.
#[derive(Debug, Clone)]
pub struct FailoverArgs {
    /// Kills measured.
    pub runs: usize,
    /// MariaDB servers in the star (1 master + replicas).
    pub instances: usize,
    /// `InstancePollSeconds`.
    pub instance_poll: u64,
    /// Poll interval of the observer.
    pub poll: Duration,
    /// Upper bound of the random pause before each kill.
    pub offset_max: Duration,
    /// Extra JSON config keys for every node.
    pub extra: String,
    /// `RUST_LOG` for the nodes.
    pub node_log: Option<String>,
    /// Rolling restart of the 3 nodes before every run after the first, so the phases of their
    /// probe schedules and analysis ticks are new for each run.
    pub fresh_nodes: bool,
}

impl Default for FailoverArgs {
    fn default() -> Self {
        FailoverArgs {
            runs: 10,
            instances: 4,
            instance_poll: 1,
            poll: Duration::from_millis(15),
            offset_max: Duration::from_millis(1000),
            extra: String::new(),
            node_log: None,
            fresh_nodes: false,
        }
    }
}

/// Give up on one run after this long.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// What one run observed, as offsets from the kill.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub killed_port: u16,
    pub leader: usize,
    pub offset: Duration,
    pub code: String,
    pub successor_port: Option<u16>,
    // Polled.
    pub first_analysis: Option<(Duration, String)>,
    pub analysis: Option<Duration>,
    pub recovery_seen: Option<Duration>,
    pub writable: Option<Duration>,
    pub repointed: Option<Duration>,
    pub replicating: Option<Duration>,
    // From the leader's log.
    pub failed_probe: Option<Duration>,
    pub failed_probe_any_node: Option<Duration>,
    pub detected: Option<Duration>,
    pub registered: Option<Duration>,
    pub stop_io: Option<Duration>,
    pub chose: Option<Duration>,
    pub promoted: Option<Duration>,
    pub last_repoint: Option<Duration>,
    pub done: Option<Duration>,
    pub steps: Vec<(Duration, String)>,
    pub uid: String,
    pub error: Option<String>,
    /// Other recoveries of the same failure registered before the run was acknowledged.
    pub duplicates: usize,
}

fn earliest(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

impl Run {
    /// Kill → successor writable and every sibling repointed (both observed on MariaDB).
    pub fn total(&self) -> Option<Duration> {
        Some(self.writable?.max(self.repointed?))
    }
    /// DeadMaster analysed: the earlier of the API poll and the detection's log line (which
    /// follows the analysis tick by one raft commit).
    fn m_analysis(&self) -> Option<Duration> {
        earliest(self.analysis, self.detected)
    }
    /// write-recovery committed: the earlier of its first step's log line and the API poll.
    fn m_registered(&self) -> Option<Duration> {
        earliest(self.registered, self.recovery_seen)
    }
    /// Successor writable: the earlier of the `promoted` step and `read_only=0` seen.
    fn m_promoted(&self) -> Option<Duration> {
        earliest(self.promoted, self.writable)
    }
}

/// All runs and the set-up facts.
pub struct FailoverReport {
    pub machine: MachineInfo,
    pub command: String,
    pub args: FailoverArgs,
    pub version: String,
    pub runs: Vec<Run>,
    pub load_end: String,
    pub total: Duration,
}

struct Star {
    servers: Vec<Server>,
    master: usize,
}

impl Star {
    fn master_port(&self) -> u16 {
        self.servers[self.master].port()
    }
    fn replica_ports(&self) -> Vec<u16> {
        self.servers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.master)
            .map(|(_, s)| s.port())
            .collect()
    }
}

fn node_log(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("n{i}")).join("node.log")
}

/// Runs the benchmark; prints progress on stderr and the report on stdout.
pub async fn run(
    args: FailoverArgs,
    bin: &Path,
    dir: &Path,
    machine: MachineInfo,
    command: String,
) -> Result<()> {
    let started = Instant::now();
    if args.instances < 3 {
        return Err(BenchError::BadArgument(
            "--instances must be at least 3 (a master and two replicas, so there are siblings to repoint)".into(),
        ));
    }
    mariadb::available().map_err(mariadb::Error::NotInstalled)?;
    let version = std::process::Command::new("mariadbd")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();

    eprintln!("starting {} MariaDB servers ...", args.instances);
    let t = Instant::now();
    let sandbox = Sandbox::new()?;
    let n = args.instances;
    let servers = tokio::task::block_in_place(|| sandbox.start(n))?;
    let mut star = Star { servers, master: 0 };
    let mport = star.master_port();
    star.servers[0]
        .exec(&[
            "CREATE DATABASE bench",
            "CREATE TABLE bench.t (id INT AUTO_INCREMENT PRIMARY KEY, run INT, at BIGINT)",
        ])
        .await?;
    let (master, replicas) = star.servers.split_at(1);
    tokio::task::block_in_place(|| replicas.iter().try_for_each(|r| r.replicate_from(&master[0])))?;
    eprintln!(
        "  star up in {:.2} s: master {}, replicas {:?} (fleet dir {})",
        t.elapsed().as_secs_f64(),
        star.servers[0],
        star.replica_ports(),
        sandbox.dir().display()
    );

    let extra = format!(
        r#""MySQLTopologyUser": "{ORC_USER}", "MySQLTopologyPassword": "{ORC_PASSWORD}",
  "MySQLReplicaUser": "{REPL_USER}", "MySQLReplicaPassword": "{REPL_PASSWORD}",
  "InstancePollSeconds": {poll}, "DiscoverySeeds": ["127.0.0.1:{mport}"],
  "RecoverMasterClusterFilters": ["*"], "RecoveryStartupGraceSeconds": 1,
  "FailureDetectionPeriodBlockMinutes": 0{more}"#,
        poll = args.instance_poll,
        more =
            if args.extra.trim().is_empty() { String::new() } else { format!(", {}", args.extra) },
    );
    eprintln!("starting 3 orchestrator nodes ...");
    let mut cluster = crate::nodes::start(bin, dir, 3, args.node_log.clone(), &extra).await?;
    let client = crate::load::client()?;

    let result = runs(&args, &mut cluster, &client, &mut star, dir).await;
    cluster.kill_all();
    drop(star);
    drop(sandbox);
    let runs = result?;
    let report = FailoverReport {
        machine,
        command,
        args,
        version,
        runs,
        load_end: machine::loadavg().0,
        total: started.elapsed(),
    };
    println!("{}", report.text());
    println!("--- markdown ---\n{}", report.markdown());
    Ok(())
}

async fn runs(
    args: &FailoverArgs,
    cluster: &mut ProcCluster,
    client: &reqwest::Client,
    star: &mut Star,
    dir: &Path,
) -> Result<Vec<Run>> {
    let mut out = Vec::with_capacity(args.runs);
    let mut seen_uids: Vec<String> = Vec::new();
    let seed: f64 = rand::random();
    for k in 0..args.runs {
        if args.fresh_nodes && k > 0 {
            for i in 0..3 {
                cluster.kill9(i);
                cluster.try_restart(i, Duration::from_secs(30)).await?;
            }
        }
        let leader = cluster.try_wait_settled(Duration::from_secs(30)).await?;
        wait_healthy(cluster, client, star.master_port(), &star.replica_ports())
            .await
            .map_err(BenchError::phase(format!("before run {}", k + 1)))?;
        if k == 0 || args.fresh_nodes {
            // The leader's RecoveryStartupGraceSeconds (1 s) runs from when it saw its quorum.
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        let run = one_run(args, cluster, client, star, dir, leader, k, seed, &mut seen_uids).await;
        let run = run.map_err(BenchError::phase(format!("run {}", k + 1)))?;
        eprintln!("{}", run.line(k + 1, args.runs));
        let failed = run.error.clone();
        let successor = run.successor_port;
        out.push(run);
        if let Some(reason) = failed {
            return Err(BenchError::RunIncomplete { run: k + 1, reason, logs: dir.to_path_buf() });
        }
        restore(cluster, client, star, successor)
            .await
            .map_err(BenchError::phase(format!("restoring the star after run {}", k + 1)))?;
        // Any other recovery of the killed master registered meanwhile is a duplicate.
        let url = cluster.url(cluster.leader().await.unwrap_or(leader));
        let killed = out.last().map(|r| r.killed_port);
        if let Ok(v) = get_json(client, &format!("{url}/api/audit-recovery")).await {
            for r in list(&v) {
                let uid = text(&r, "UID").to_string();
                let port =
                    key_port(r.get("AnalysisEntry").and_then(|e| e.get("AnalyzedInstanceKey")));
                if port == killed && !uid.is_empty() && !seen_uids.contains(&uid) {
                    eprintln!(
                        "  warning: a second recovery of :{} was registered ({uid})",
                        port.unwrap_or(0)
                    );
                    seen_uids.push(uid);
                    if let Some(last) = out.last_mut() {
                        last.duplicates += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn one_run(
    args: &FailoverArgs,
    cluster: &ProcCluster,
    client: &reqwest::Client,
    star: &mut Star,
    dir: &Path,
    leader: usize,
    k: usize,
    seed: f64,
    seen_uids: &mut Vec<String>,
) -> Result<Run> {
    let mport = star.master_port();
    let replicas = star.replica_ports();
    // A write the replicas must have before the kill (equal replicas: the choice is by rule).
    star.servers[star.master]
        .exec(&[&format!("INSERT INTO bench.t (run, at) VALUES ({k}, UNIX_TIMESTAMP())")])
        .await?;
    let mut conn = star.servers[star.master].connect().await?;
    let pos = mariadb::scalar(&mut conn, "SELECT @@gtid_binlog_pos").await?.unwrap_or_default();
    let _ = conn.close().await;
    let mut conns: Vec<(u16, Option<MySqlConnection>)> = Vec::new();
    for p in &replicas {
        let mut c = mariadb::connect("127.0.0.1", *p).await?;
        let r = mariadb::scalar(&mut c, &format!("SELECT MASTER_GTID_WAIT('{pos}', 30)")).await?;
        if r.as_deref() != Some("0") {
            return Err(BenchError::NotApplied { port: *p, pos, got: r });
        }
        conns.push((*p, Some(c)));
    }
    // Pauses spread evenly over 0..offset_max (golden-ratio sequence from a random start), so
    // even 10 runs cover the whole probe/analysis cycle rather than a random clump of it.
    let fraction = (seed + k as f64 * 0.618_033_988_749_895).fract();
    let offset = args.offset_max.mul_f64(fraction);
    tokio::time::sleep(offset).await;

    let leader_url = cluster.url(leader);
    let mut run = Run { killed_port: mport, leader, offset, ..Run::default() };
    let t0_sys = SystemTime::now();
    let t0 = Instant::now();
    star.servers[star.master].kill9();

    let mut per_sibling: Vec<(u16, Option<Duration>)> = Vec::new();
    let mut io_running: Vec<(u16, bool)> = Vec::new();
    let mut tick = tokio::time::interval(args.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if run.analysis.is_none() {
            if let Ok(v) = get_json(client, &format!("{leader_url}/api/replication-analysis")).await
            {
                let at = t0.elapsed();
                for a in list(&v) {
                    if key_port(a.get("AnalyzedInstanceKey")) != Some(mport) {
                        continue;
                    }
                    let code = text(&a, "Analysis").to_string();
                    if run.first_analysis.is_none() && code != "NoProblem" {
                        run.first_analysis = Some((at, code.clone()));
                    }
                    if code.starts_with("DeadMaster") {
                        run.analysis = Some(at);
                        run.code = code;
                    }
                }
            }
        }
        if run.analysis.is_some() && run.recovery_seen.is_none() {
            if let Ok(v) = get_json(client, &format!("{leader_url}/api/audit-recovery")).await {
                let at = t0.elapsed();
                for r in list(&v) {
                    let uid = text(&r, "UID").to_string();
                    let of_master =
                        key_port(r.get("AnalysisEntry").and_then(|e| e.get("AnalyzedInstanceKey")))
                            == Some(mport);
                    if of_master && !uid.is_empty() && !seen_uids.contains(&uid) {
                        run.recovery_seen = Some(at);
                        run.uid = uid.clone();
                        seen_uids.push(uid);
                        break;
                    }
                }
            }
        }
        if run.analysis.is_some() && run.writable.is_none() {
            for (port, conn) in conns.iter_mut() {
                let port = *port;
                let ro = poll_scalar(port, conn, "SELECT @@global.read_only").await;
                if ro.as_deref() == Some("0") {
                    run.writable = Some(t0.elapsed());
                    run.successor_port = Some(port);
                    per_sibling =
                        replicas.iter().filter(|p| **p != port).map(|p| (*p, None)).collect();
                    io_running = per_sibling.iter().map(|(p, _)| (*p, false)).collect();
                    break;
                }
            }
        }
        if let (Some(s), None) = (run.successor_port, run.repointed) {
            for (port, conn) in conns.iter_mut() {
                let port = *port;
                let Some(slot) = per_sibling.iter_mut().find(|(p, _)| *p == port) else { continue };
                let running = io_running.iter_mut().find(|(p, _)| *p == port);
                let status = poll_status(port, conn).await;
                let at = t0.elapsed();
                if status.get("Master_Port").is_some_and(|v| v == &s.to_string()) {
                    slot.1.get_or_insert(at);
                    if let Some(r) = running {
                        r.1 = status.get("Slave_IO_Running").is_some_and(|v| v == "Yes");
                    }
                }
            }
            if per_sibling.iter().all(|(_, t)| t.is_some()) {
                run.repointed = per_sibling.iter().filter_map(|(_, t)| *t).max();
            }
        }
        if run.repointed.is_some() && run.replicating.is_none() {
            if io_running.iter().all(|(_, r)| *r) {
                run.replicating = Some(t0.elapsed());
            } else if let Some(s) = run.successor_port {
                for (port, conn) in conns.iter_mut() {
                    let port = *port;
                    if let Some(r) = io_running.iter_mut().find(|(p, _)| *p == port) {
                        let status = poll_status(port, conn).await;
                        r.1 = status.get("Master_Port").is_some_and(|v| v == &s.to_string())
                            && status.get("Slave_IO_Running").is_some_and(|v| v == "Yes");
                    }
                }
                if io_running.iter().all(|(_, r)| *r) {
                    run.replicating = Some(t0.elapsed());
                }
            }
        }
        if run.repointed.is_some() && run.recovery_seen.is_some() && run.replicating.is_some() {
            break;
        }
        if t0.elapsed() > RUN_DEADLINE {
            run.error = Some(format!(
                "deadline {RUN_DEADLINE:?}: analysis {:?}, recovery {:?}, writable {:?}, repointed {per_sibling:?}",
                run.first_analysis, run.recovery_seen, run.successor_port
            ));
            break;
        }
    }
    for (_, c) in conns.iter_mut() {
        if let Some(c) = c.take() {
            let _ = c.close().await;
        }
    }

    // Wait for the recovery's resolution, then read the server-side times from the logs.
    if !run.uid.is_empty() {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let v = get_json(client, &format!("{leader_url}/api/audit-recovery/uid/{}", run.uid))
                .await
                .ok();
            let ended = v
                .as_ref()
                .map(list)
                .and_then(|l| l.first().cloned())
                .is_some_and(|r| !text(&r, "RecoveryEndTimestamp").is_empty());
            if ended {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await; // log lines flushed
    let since = unix_us(t0_sys);
    let at = |l: &LogLine| Duration::from_micros((l.at_us - since).max(0) as u64);
    let key = format!("127.0.0.1:{mport}");
    let lines = read_log(&node_log(dir, leader), since);
    run.failed_probe = lines
        .iter()
        .find(|l| l.text.contains("probe failed") && has_field(&l.text, "instance", &key))
        .map(at);
    run.failed_probe_any_node = cluster
        .running()
        .into_iter()
        .filter_map(|i| {
            read_log(&node_log(dir, i), since)
                .into_iter()
                .find(|l| l.text.contains("probe failed") && has_field(&l.text, "instance", &key))
        })
        .map(|l| at(&l))
        .min();
    run.detected = lines
        .iter()
        .find(|l| l.text.contains("failure detected") && has_field(&l.text, "key", &key))
        .map(at);
    if !run.uid.is_empty() {
        for l in lines
            .iter()
            .filter(|l| l.text.contains("recovery step") && has_field(&l.text, "uid", &run.uid))
        {
            let t = at(l);
            let msg = step_message(&l.text, &run.uid);
            if msg.starts_with("registered ") {
                run.registered.get_or_insert(t);
            } else if msg.starts_with("stopping IO threads") {
                run.stop_io.get_or_insert(t);
            } else if msg.starts_with("chose ") {
                run.chose.get_or_insert(t);
            } else if msg.starts_with("promoted ") {
                run.promoted.get_or_insert(t);
            } else if msg.contains(" now replicates from ") {
                run.last_repoint = Some(t);
            } else if msg.starts_with("done;") {
                run.done.get_or_insert(t);
            }
            run.steps.push((t, msg));
        }
    }
    Ok(run)
}

/// The step text of a `recovery step uid=<uid> <text>` log line.
fn step_message(line: &str, uid: &str) -> String {
    let field = format!("uid={uid}");
    match line.find(&field) {
        Some(i) => line[i + field.len()..]
            .trim()
            .trim_start_matches("message=")
            .trim_matches('"')
            .to_string(),
        None => line.to_string(),
    }
}

/// Restarts the killed master as a replica of the successor, ends its downtime, acknowledges
/// the recovery; the successor is the next run's master.
async fn restore(
    cluster: &ProcCluster,
    client: &reqwest::Client,
    star: &mut Star,
    successor: Option<u16>,
) -> Result<()> {
    let successor = successor.ok_or_else(|| BenchError::Message("no successor".into()))?;
    let old = star.master;
    let new = star
        .servers
        .iter()
        .position(|s| s.port() == successor)
        .ok_or_else(|| BenchError::Message(format!("successor {successor} not in the star")))?;
    tokio::task::block_in_place(|| star.servers[old].restart())?;
    let change = mariadb::change_master_sql("127.0.0.1", successor);
    star.servers[old]
        .exec(&[
            "SET GLOBAL read_only = ON",
            "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos",
            &change,
            "START SLAVE",
        ])
        .await?;
    for (i, s) in star.servers.iter().enumerate() {
        if i != new {
            let timeout = Duration::from_secs(30);
            tokio::task::block_in_place(|| s.wait_replicating(Some(successor), timeout))?;
        }
    }
    star.master = new;
    // Acknowledge only once every node's view has caught up: before that, a node's analysis can
    // still show the old master dead with its old replicas (their next probe has not run yet),
    // and an acknowledged recovery no longer blocks a second one.
    wait_healthy(cluster, client, star.master_port(), &star.replica_ports()).await?;
    let leader = cluster.leader().await.ok_or(BenchError::NoLeader)?;
    let url = cluster.url(leader);
    let old_port = star.servers[old].port();
    get_200(client, &format!("{url}/api/end-downtime/127.0.0.1/{old_port}")).await?;
    get_200(client, &format!("{url}/api/ack-all-recoveries?comment=bench")).await?;
    Ok(())
}

#[path = "failover_report.rs"]
mod report;
#[path = "failover_watch.rs"]
mod watch;

use watch::{poll_scalar, poll_status, wait_healthy};
