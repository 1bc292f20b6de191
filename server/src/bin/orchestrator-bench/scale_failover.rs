//! `orchestrator-bench scale --kill-masters K`: after the scale window, K simulated masters die
//! at once (their replicas' IO threads lose them, as real ones do) under the same probing load;
//! waits until each of their clusters has one promoted replica (replication reset, writable)
//! with the others replicating from it, and counts any cluster promoted twice.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app::core::InstanceKey;
use server::testkit::fleetsim::{Fault, FleetSim, FleetState};

use crate::error::Result;

/// What the failover step measured.
#[derive(Debug, Clone, Default)]
pub struct FailoverFigures {
    /// Masters killed.
    pub killed: usize,
    /// Clusters with exactly one promoted replica and the rest under it, by the deadline.
    pub recovered: usize,
    /// Clusters where more than one replica was promoted (reset and made writable).
    pub promoted_twice: usize,
    /// Time from the kill to each cluster's recovery, in recovery order.
    pub times: Vec<Duration>,
}

/// A killed master's cluster, as the simulator sees it now.
struct Cluster {
    replicas: Vec<InstanceKey>,
    recovered_after: Option<Duration>,
}

/// Kills the first `count` masters of `sim` at once and waits (up to `deadline`, then a settle
/// of `settle` to catch a second promotion) for their clusters to be recovered.
pub async fn run(
    sim: &FleetSim,
    count: usize,
    deadline: Duration,
    settle: Duration,
) -> Result<FailoverFigures> {
    let mut clusters: BTreeMap<InstanceKey, Cluster> = {
        let state = sim.state();
        state
            .masters()
            .into_iter()
            .take(count)
            .map(|m| {
                let replicas = state
                    .servers
                    .values()
                    .filter(|s| s.replication.as_ref().is_some_and(|r| r.master == m))
                    .map(|s| s.key.clone())
                    .collect();
                (m, Cluster { replicas, recovered_after: None })
            })
            .collect()
    };
    let killed_at = Instant::now();
    for master in clusters.keys() {
        sim.set_fault(master, Fault::Dead)?;
    }
    eprintln!("killed {} masters; waiting for their recoveries ...", clusters.len());
    while killed_at.elapsed() < deadline {
        {
            let state = sim.state();
            for c in clusters.values_mut().filter(|c| c.recovered_after.is_none()) {
                if recovered(&state, &c.replicas) {
                    c.recovered_after = Some(killed_at.elapsed());
                }
            }
        }
        if clusters.values().all(|c| c.recovered_after.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let a second recovery of any cluster show itself before counting.
    tokio::time::sleep(settle).await;
    let state = sim.state();
    let promoted_twice = clusters.values().filter(|c| promotions(&state, &c.replicas) > 1).count();
    let mut times: Vec<Duration> = clusters.values().filter_map(|c| c.recovered_after).collect();
    times.sort();
    Ok(FailoverFigures { killed: clusters.len(), recovered: times.len(), promoted_twice, times })
}

/// One of `replicas` replicates from nobody and is writable, and every other one replicates
/// from it.
fn recovered(state: &FleetState, replicas: &[InstanceKey]) -> bool {
    let promoted: Vec<&InstanceKey> = replicas
        .iter()
        .filter(|k| state.servers.get(*k).is_some_and(|s| s.replication.is_none() && !s.read_only))
        .collect();
    let [new_master] = promoted.as_slice() else { return false };
    replicas.iter().filter(|k| k != new_master).all(|k| {
        state
            .servers
            .get(k)
            .and_then(|s| s.replication.as_ref())
            .is_some_and(|r| &r.master == *new_master)
    })
}

/// How many of `replicas` received a `RESET SLAVE ALL` (a promotion each).
fn promotions(state: &FleetState, replicas: &[InstanceKey]) -> usize {
    replicas
        .iter()
        .filter_map(|k| state.servers.get(k))
        .map(|s| {
            s.statements
                .iter()
                .filter(|st| {
                    let up = st.to_ascii_uppercase();
                    up.starts_with("RESET SLAVE ALL") || up.starts_with("RESET REPLICA ALL")
                })
                .count()
        })
        .sum()
}
