//! Probe sharing (`ProbeSharing`) between the nodes: each poll round every node pushes its
//! probes to the other voters (`POST /internal/observations`, off the raft log), and the leader
//! divides the instances among the nodes it heard from (rule: `app::core::probe_share`) and
//! sends the assignment with its pushes.
//!
//! A node is healthy while its pushes reach the leader within one `InstancePollSeconds`; one
//! that dies or is cut off loses its replicas at the leader's next round. A node keeps probing
//! everything until it has an assignment from the leader, and again when none arrived for a
//! few poll intervals (`probe::share`), so a partition only costs duplicate probes.

use std::time::{Duration, Instant};

use app::core::probe_share::{assign, Assignment, ShareInstance, ShareNode};
use futures::future::join_all;
use tokio::sync::watch;

use crate::config::DiscoveryConfig;
use crate::consensus::Consensus;
use crate::probe::{Prober, ShareBatch, SharedProbe};
use crate::store::Store;

/// Observations per push (a request body stays well under the HTTP port's 1 MiB limit).
const PER_PUSH: usize = 100;
/// How long a peer has to take a push.
const PUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest round: pushes go out at least this often (and every poll interval if shorter). The
/// other nodes see a shared replica's state at most this much later than its prober: a master's
/// failure, which they judge partly from its replicas, waits for it.
const MAX_ROUND: Duration = Duration::from_millis(250);

/// Runs the pushes (and, on the leader, the assignment) until shutdown. Does nothing unless
/// `ProbeSharing` is on.
pub async fn run(
    consensus: Consensus,
    prober: Prober,
    store: Store,
    config: DiscoveryConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    if !config.probe_sharing {
        return;
    }
    let me = consensus.id();
    prober.share_as(me);
    let mut tick = tokio::time::interval(config.instance_poll.min(MAX_ROUND));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut current = Assignment::default();
    let mut sent_at: Option<Instant> = None;
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
            _ = tick.tick() => {}
        }
        let mut assignment = None;
        if consensus.is_leader_with_quorum() {
            match next_assignment(&consensus, &prober, &store, &config, &current).await {
                Ok(next) => {
                    let fresh = sent_at.is_none_or(|at| at.elapsed() >= config.instance_poll);
                    if next != current || fresh {
                        if next != current {
                            tracing::info!(
                                share = next.share_of(me),
                                replicas = next.owners.len(),
                                "probe sharing: new assignment"
                            );
                        }
                        prober.set_share(me, next.clone());
                        current = next.clone();
                        assignment = Some(next);
                        sent_at = Some(Instant::now());
                    }
                }
                Err(e) => tracing::warn!(error = %e, "probe sharing: cannot read the instances"),
            }
        }
        push(&consensus, me, assignment, prober.take_observations()).await;
    }
}

/// The leader's assignment over the instances in its store and the voters it heard from
/// within one poll interval (itself included).
async fn next_assignment(
    consensus: &Consensus,
    prober: &Prober,
    store: &Store,
    config: &DiscoveryConfig,
    previous: &Assignment,
) -> Result<Assignment, crate::store::StoreError> {
    let me = consensus.id();
    let heard = prober.heard_within(config.instance_poll + MAX_ROUND);
    let metrics = consensus.metrics();
    let membership = metrics.membership_config.membership();
    let voters: Vec<u64> = membership.voter_ids().collect();
    let nodes: Vec<ShareNode> = voters
        .iter()
        .filter(|id| **id == me || heard.contains(id))
        .map(|id| {
            let host = membership
                .get_node(id)
                .map(|n| n.addr.rsplit_once(':').map_or(n.addr.as_str(), |(h, _)| h).to_owned())
                .unwrap_or_default();
            ShareNode { id: *id, data_center: data_center_of(&host, config) }
        })
        .collect();
    let instances: Vec<ShareInstance> =
        store.all_instances().await?.iter().map(ShareInstance::of).collect();
    Ok(assign(&instances, &nodes, previous))
}

/// A node's data center: `DataCenterPattern` on its raft host (empty without one).
fn data_center_of(host: &str, config: &DiscoveryConfig) -> String {
    config
        .data_center_pattern
        .as_ref()
        .and_then(|re| re.captures(host))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default()
}

/// Sends this round's probes (at least one push per voter: it also says this node is alive).
async fn push(
    consensus: &Consensus,
    me: u64,
    assignment: Option<Assignment>,
    probes: Vec<SharedProbe>,
) {
    let metrics = consensus.metrics();
    let others: Vec<u64> =
        metrics.membership_config.membership().voter_ids().filter(|id| *id != me).collect();
    let mut batches: Vec<ShareBatch> = probes
        .chunks(PER_PUSH)
        .map(|c| ShareBatch { from: me, assignment: None, probes: c.to_vec() })
        .collect();
    if batches.is_empty() {
        batches.push(ShareBatch { from: me, assignment: None, probes: Vec::new() });
    }
    if let Some(first) = batches.first_mut() {
        first.assignment = assignment;
    }
    let sends = others.iter().map(|id| {
        let batches = &batches;
        async move {
            let Some(uri) = consensus.peers().uri_of(*id).await else { return };
            for batch in batches {
                let sent = consensus
                    .peers()
                    .post(&format!("{uri}/internal/observations"))
                    .timeout(PUSH_TIMEOUT)
                    .json(batch)
                    .send()
                    .await;
                if let Err(e) = sent.and_then(|r| r.error_for_status()) {
                    tracing::debug!(peer = id, error = %e, "probe sharing: push failed");
                    return;
                }
            }
        }
    });
    join_all(sends).await;
}
