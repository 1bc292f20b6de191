//! Setup: three nodes (DC1–DC3, SQLite); a workload of 4 clients through random nodes.
//! Fault: a follower's DC is cut from the others; while it is cut off it is removed from the
//! membership (`raft-remove-peer`, asked on the leader); then the link heals and, right away,
//! it is added back (`raft-add-peer`, asked on the other follower) while it still believes it
//! is a voter of the old membership and has stood for election with higher terms meanwhile.
//! Expected: the two remaining nodes commit the removal and keep committing; once healed, the
//! returning node never leads with a stale log, the add succeeds (learner, caught up, voter),
//! every node lists the three members again, all converge, and no acknowledged command is lost
//! (the run's invariants).

use std::sync::Arc;
use std::time::Duration;

use server::testkit::cluster::{Backend, DEADLINE};
use server::testkit::{wait_for, wait_until};

use crate::netns::FaultNet;
use crate::report::Row;
use crate::run::Run;

pub async fn run(net: Arc<FaultNet>) -> Row {
    let mut run = Run::start("t92", net.clone(), vec![Backend::Sqlite; 3], "").await;
    let all = run.nodes.all();
    run.start_workload(4, Duration::from_millis(25));
    assert!(run.wait_for_acks(50, DEADLINE).await, "workload makes no progress before the fault");

    let leader = run.nodes.wait_for_leader(&all).await;
    let away = all.iter().copied().find(|i| *i != leader).unwrap();
    let other = all.iter().copied().find(|i| *i != leader && *i != away).unwrap();
    let away_addr = run.nodes.raft_addr(away);
    net.isolate(away);
    run.fault(format!("DC{} (follower node {away}) cut from the other DCs", away + 1));

    let (status, body) = run.nodes.get(leader, &format!("/api/raft-remove-peer/{away_addr}")).await;
    run.check(status == 200, format!("remove of the cut-off node answered {status}: {body}"));
    let mut two: Vec<String> = [leader, other].iter().map(|i| run.nodes.raft_addr(*i)).collect();
    two.sort();
    for i in [leader, other] {
        let want = two.clone();
        let nodes = &run;
        wait_until(DEADLINE, &format!("node {i} lists two members"), || async {
            nodes.nodes.raft_peers(i).await == want
        })
        .await;
    }
    let committing = run.wait_for_acks(50, DEADLINE).await;
    run.check(committing, "the two remaining members keep committing");

    net.rejoin(away);
    run.step("healed; adding the node back at once");
    let add_path = format!("/api/raft-add-peer/{away_addr}");
    // Leadership may move once the returning node's higher term is seen: retry what is refused
    // with "retry" (nothing was changed then).
    let nodes = &run.nodes;
    let (status, body) = wait_for(DEADLINE, "raft-add-peer of the returning node", || async {
        let (status, body) = nodes.get(other, &add_path).await;
        match status {
            200 => Some((status, body)),
            503 => None,
            _ if body.contains("retry") || body.contains("in progress") => None,
            _ => Some((status, body)),
        }
    })
    .await;
    run.check(status == 200, format!("add of the returning node answered {status}: {body}"));
    let mut three: Vec<String> = all.iter().map(|i| run.nodes.raft_addr(*i)).collect();
    three.sort();
    for i in all.clone() {
        let want = three.clone();
        let nodes = &run;
        wait_until(DEADLINE, &format!("node {i} lists three members"), || async {
            nodes.nodes.raft_peers(i).await == want
        })
        .await;
    }
    let final_leader = run.nodes.wait_for_leader(&all).await;
    let (_, status) = run.nodes.json(final_leader, "/api/raft-status").await;
    let learners = status["Members"]
        .as_array()
        .map(|m| m.iter().filter(|m| m["role"].as_str() == Some("Learner")).count())
        .unwrap_or(0);
    run.check(learners == 0, format!("every member votes again: {status}"));
    run.note(format!(
        "removed node {away} while cut off, healed, re-added through node {other}; leader now node {final_leader}"
    ));
    run.finish(None).await
}
