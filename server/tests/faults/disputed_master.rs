//! The quorum-agreed detection scenario shared by t93 and t94: a star whose master's DC is cut
//! from the leader's (and its replicas'), so the leader alone sees `DeadMaster` while a quorum
//! holds; nothing may be recovered. Then the link heals and the master really dies: exactly one
//! recovery promotes a replica.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::Backend;
use server::testkit::wait_until;

use crate::invariants::recoveries;
use crate::netns::FaultNet;
use crate::nodes::Nodes;
use crate::report::Row;
use crate::run::{Failovers, Run};
use crate::topology::{key, successor, wait_recovery, Topology, DEADLINE};

/// How long the disputed failure is watched for a recovery that must not come (several polls
/// and analysis ticks past the moment the leader sees `DeadMaster`).
const WATCH: Duration = Duration::from_secs(8);

/// A running scenario: three nodes with `extra` config, the star discovered.
pub struct Disputed {
    /// The run.
    pub run: Run,
    /// The network.
    pub net: Arc<FaultNet>,
    /// The star: master in `master_dc`, both replicas in the leader's DC.
    pub topo: Topology,
    /// The leader's index (and DC).
    pub leader: usize,
    /// The master's DC.
    pub master_dc: usize,
    /// The master's key (`host:port`).
    pub master: String,
}

impl Disputed {
    /// Starts the nodes and the star and seeds discovery; `Err` is the row of a skipped run.
    pub async fn start(name: &str, net: Arc<FaultNet>, extra: &str) -> Result<Self, Row> {
        let run = Run::start(name, net.clone(), vec![Backend::Sqlite; 3], extra).await;
        let leader = run.nodes.wait_for_leader(&run.nodes.all()).await;
        let master_dc = (leader + 1) % 3;
        let topo = Topology::start_in(&net, vec![master_dc, leader, leader])
            .map_err(|why| Row { skipped: Some(why), ..Row::default() })?;
        topo.seed(&run.nodes, leader).await;
        let master = key(&topo.db[0]);
        Ok(Disputed { run, net, topo, leader, master_dc, master })
    }

    /// Fault 1: cuts the leader's DC from the master's and watches for [`WATCH`]: no recovery,
    /// no other node sees the master dead, the master stays writable and, with
    /// `records_stay_valid`, the other nodes' records of the master keep their last check valid.
    /// True when nothing was recovered.
    pub async fn cut_and_watch(&mut self, records_stay_valid: bool) -> bool {
        let (leader, master_dc) = (self.leader, self.master_dc);
        self.net.cut(leader, master_dc);
        self.run.fault(format!(
            "DC{} (leader + both replicas) cut from DC{} (master)",
            leader + 1,
            master_dc + 1
        ));
        wait_until(DEADLINE, "the leader's own analysis sees the master dead", || {
            sees_dead(&self.run.nodes, leader, &self.master)
        })
        .await;
        let started = Instant::now();
        let (mut seen_elsewhere, mut recovered_on, mut invalid_elsewhere) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        while started.elapsed() < WATCH {
            for i in self.run.nodes.all() {
                if !recoveries(&self.run.nodes, i).await.is_empty() {
                    recovered_on.insert(i);
                }
                if i != leader && sees_dead(&self.run.nodes, i, &self.master).await {
                    seen_elsewhere.insert(i);
                }
                if records_stay_valid
                    && i != leader
                    && !check_valid(&self.run.nodes, i, &self.master).await
                {
                    invalid_elsewhere.insert(i);
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        self.run.check(
            recovered_on.is_empty(),
            format!(
                "a master only the leader saw dead was recovered (audit on nodes {recovered_on:?})"
            ),
        );
        self.run.check(
            seen_elsewhere.is_empty(),
            format!("nodes {seen_elsewhere:?} saw the live master dead during the cut"),
        );
        self.run.check(
            invalid_elsewhere.is_empty(),
            format!(
                "nodes {invalid_elsewhere:?}, which reach the master, showed its last check \
                 invalid during the cut"
            ),
        );
        self.run.check(self.topo.writable(0), "the master is no longer writable");
        if recovered_on.is_empty() && seen_elsewhere.is_empty() && invalid_elsewhere.is_empty() {
            self.run.note(format!(
                "leader node {leader} saw DeadMaster alone for {:.1} s: no recovery",
                WATCH.as_secs_f64()
            ));
        }
        recovered_on.is_empty()
    }

    /// Fault 2 (after a clean fault 1): heals, waits for the star, kills the master; exactly one
    /// recovery must promote a replica. Ends the run. After a wrong recovery in fault 1 there is
    /// no star left to act on: the run ends at once with its checks.
    pub async fn heal_then_kill_master(self, recovered: bool) -> Row {
        let Disputed { mut run, net, topo, leader, master_dc, master } = self;
        if recovered {
            return run
                .finish(Some(Failovers { no_quorum: &[], max_per_key: 1, expected: None }))
                .await;
        }
        let all = run.nodes.all();
        net.heal(leader, master_dc);
        run.step("healed");
        let replicas_back =
            || async { (1..3).all(|i| topo.master_port(i) == Some(topo.db[0].port())) };
        wait_until(DEADLINE, "replication resumes", replicas_back).await;
        wait_until(DEADLINE, "no node sees the master dead", || async {
            let mut any = false;
            for i in all.iter().copied() {
                any |= sees_dead(&run.nodes, i, &master).await;
            }
            !any
        })
        .await;

        let killed = Instant::now();
        topo.db[0].kill9();
        run.fault(format!("kill -9 master {master}"));
        let leader = run.nodes.wait_for_leader(&all).await;
        let done =
            wait_recovery(&run.nodes, leader, "succeeded", |r| r["IsSuccessful"] == true).await;
        let succ = successor(&done).unwrap_or_default();
        let s = topo.index_of(&succ);
        run.check(s.is_some_and(|s| s != 0), format!("successor {succ} is not a replica"));
        run.check(s.is_some_and(|s| topo.writable(s)), "promoted replica is not writable");
        run.note(format!(
            "real death agreed and recovered in {:.2} s",
            killed.elapsed().as_secs_f64()
        ));
        run.finish(Some(Failovers { no_quorum: &[], max_per_key: 1, expected: Some(1) })).await
    }
}

/// Whether node `i`'s own analysis sees `master` dead.
async fn sees_dead(nodes: &Nodes, i: usize, master: &str) -> bool {
    let (_, v) = nodes.json(i, "/api/replication-analysis").await;
    v["Details"].as_array().is_some_and(|entries| {
        entries.iter().any(|e| {
            let k = &e["AnalyzedInstanceKey"];
            format!("{}:{}", k["Hostname"].as_str().unwrap_or(""), k["Port"]) == master
                && e["Analysis"].as_str().is_some_and(|c| c.starts_with("DeadMaster"))
        })
    })
}

/// Whether node `i`'s record of `master` says its last check succeeded (or the node could not
/// answer: only a record counts).
async fn check_valid(nodes: &Nodes, i: usize, master: &str) -> bool {
    let (status, v) = nodes.json(i, &format!("/api/instance/{}", master.replace(':', "/"))).await;
    status != 200 || v["IsLastCheckValid"] != false
}
