//! Setup: three nodes (DC1–DC3, SQLite); a workload of 4 clients through random nodes.
//! Fault: the link between the leader's DC and one other DC is cut for one second, healed for
//! one second, and so on for 30 s (15 cuts; the third DC always reaches both); then, for 5 s,
//! 20% of the packets the leader sends to the other DCs are dropped.
//! Expected: never two nodes answering 200 on leader-check beyond the lease; a bounded number
//! of elections (at most 3 terms per cut: the cut-off follower's candidacy, and the leader
//! change its higher term forces when the link returns); afterwards one healthy leader, every
//! node converges, no acknowledged command lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, DEADLINE};

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

const CUTS: u64 = 15;
const LOSS_PCT: u8 = 20;
const LOSSY: Duration = Duration::from_secs(5);

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t80", net.clone(), vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let peer = (leader + 1) % 3;
    let term0 = run.nodes.max_term().await;
    run.fault(format!(
        "link DC{}-DC{} (leader node {leader}) cut 1 s / healed 1 s, {CUTS} times",
        leader + 1,
        peer + 1
    ));
    let start = Instant::now();
    for k in 0..CUTS {
        net.cut(leader, peer);
        tokio::time::sleep_until((start + Duration::from_secs(2 * k + 1)).into()).await;
        net.heal(leader, peer);
        tokio::time::sleep_until((start + Duration::from_secs(2 * k + 2)).into()).await;
    }
    let terms = run.nodes.max_term().await.saturating_sub(term0);
    let gap = run.write_gap(start, Instant::now());
    run.note(format!(
        "{terms} new terms during {CUTS} cuts; longest write gap while flapping {:.2} s",
        gap.as_secs_f64()
    ));
    run.check(
        terms <= 3 * CUTS,
        format!("{terms} new terms for {CUTS} cuts: elections not bounded"),
    );

    let leader = run.nodes.wait_for_leader(&all).await;
    let lossy = Instant::now();
    net.loss(leader, LOSS_PCT);
    run.fault(format!("{LOSS_PCT}% of the packets leader node {leader} sends to the other DCs dropped for {} s ({})", LOSSY.as_secs(), net.describe()));
    tokio::time::sleep(LOSSY).await;
    net.heal_all();
    let gap = run.write_gap(lossy, Instant::now());
    run.note(format!("longest write gap with {LOSS_PCT}% loss: {:.2} s", gap.as_secs_f64()));
    run.finish(None).await
}
