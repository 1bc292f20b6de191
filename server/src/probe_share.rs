//! Probe sharing (`ProbeSharing`) between the nodes: each poll round every node pushes its
//! probes to the other voters (`POST /internal/observations`, off the raft log); the leader
//! commits the set of voters whose pushes reached it within a poll interval, with their data
//! centers (`probe-share-nodes`), whenever it changes; and every node derives who probes which
//! replica from the committed set (rule: `app::core::probe_share`).
//!
//! A node that dies or is cut off loses its replicas when the leader commits the next set, and
//! sooner at any node it stopped pushing to (`probe::share`). A node probes everything until it
//! has a set, and again when it has not heard from a leader for a few poll intervals, so a
//! partition only costs duplicate probes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::core::probe_share::{assign, Assignment, ShareInstance, ShareNode};
use app::core::{Command, CommandEnvelope};
use futures::future::join_all;
use tokio::sync::watch;

use crate::config::DiscoveryConfig;
use crate::consensus::Consensus;
use crate::probe::{Prober, ShareBatch, SharedProbe};
use crate::propose::Proposer;
use crate::store::Store;

/// Observations per push (a request body stays well under the HTTP port's 1 MiB limit).
const PER_PUSH: usize = 100;
/// How long a peer has to take a push.
const PUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest round: pushes go out at least this often (and every poll interval if shorter). The
/// other nodes see a shared replica's state at most this much later than its prober: a master's
/// failure, which they judge partly from its replicas, waits for it.
const MAX_ROUND: Duration = Duration::from_millis(250);

/// What a node needs to take part.
pub struct Sharing {
    /// This node's raft group.
    pub consensus: Consensus,
    /// Commits the node set (on the leader).
    pub proposer: Proposer,
    /// This node's prober.
    pub prober: Prober,
    /// This node's store (the committed set, the instances).
    pub store: Store,
    /// Discovery settings (`ProbeSharing`, `InstancePollSeconds`, `DataCenterPattern`).
    pub config: DiscoveryConfig,
}

/// Runs the pushes, the leader's commits of the node set and every node's assignment until
/// shutdown. Does nothing unless `ProbeSharing` is on.
pub async fn run(sharing: Sharing, mut shutdown: watch::Receiver<bool>) {
    if !sharing.config.probe_sharing {
        return;
    }
    let me = sharing.consensus.id();
    sharing.prober.share_as(me);
    let round = sharing.config.instance_poll.min(MAX_ROUND);
    let mut tick = tokio::time::interval(round);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut derived: Option<Derived> = None;
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
            _ = tick.tick() => {}
        }
        match sharing.store.probe_share_nodes().await {
            Ok(committed) => follow(&sharing, committed, &mut derived).await,
            Err(e) => tracing::warn!(error = %e, "probe sharing: cannot read the node set"),
        }
        push(&sharing.consensus, me, sharing.prober.take_observations()).await;
    }
}

/// The assignment this node derived: from which committed set, and when.
type Derived = (Vec<ShareNode>, Arc<Assignment>, Instant);

/// One round over the `committed` node set: the leader commits the healthy set when it differs;
/// a node in contact with a leader derives its assignment again when the set changed or a poll
/// interval passed (instances come and go), and confirms it to its prober.
async fn follow(sharing: &Sharing, committed: Vec<ShareNode>, derived: &mut Option<Derived>) {
    let Sharing { consensus, proposer, prober, store, config } = sharing;
    let me = consensus.id();
    // A node is healthy while its pushes arrive within this window.
    let window = config.instance_poll + MAX_ROUND;
    let leading = consensus.is_leader_with_quorum();
    if leading {
        let healthy = healthy_nodes(consensus, prober, config, window);
        if healthy != committed {
            commit(consensus, proposer, healthy).await;
        }
    }
    // In contact with a leader: the committed set is current, so the assignment stays fresh.
    let in_contact =
        leading || consensus.leader().is_some_and(|l| prober.heard_within(window).contains(&l));
    if !in_contact || committed.is_empty() {
        return;
    }
    let stale = derived
        .as_ref()
        .is_none_or(|(nodes, _, at)| *nodes != committed || at.elapsed() >= config.instance_poll);
    if stale {
        match store.all_instances().await {
            Ok(all) => {
                let instances: Vec<ShareInstance> = all.iter().map(ShareInstance::of).collect();
                let next = assign(&instances, &committed);
                if derived.as_ref().is_none_or(|(nodes, _, _)| *nodes != committed) {
                    tracing::info!(
                        share = next.share_of(me),
                        replicas = next.owners.len(),
                        nodes = committed.len(),
                        "probe sharing: new node set"
                    );
                }
                *derived = Some((committed, Arc::new(next), Instant::now()));
            }
            Err(e) => tracing::warn!(error = %e, "probe sharing: cannot read the instances"),
        }
    }
    if let Some((_, assignment, _)) = derived.as_ref() {
        prober.set_share(me, assignment.clone(), window);
    }
}

/// The voters whose pushes reached this node within `window` (itself included), with their
/// data centers, by id.
fn healthy_nodes(
    consensus: &Consensus,
    prober: &Prober,
    config: &DiscoveryConfig,
    window: Duration,
) -> Vec<ShareNode> {
    let me = consensus.id();
    let heard = prober.heard_within(window);
    let metrics = consensus.metrics();
    let membership = metrics.membership_config.membership();
    let mut nodes: Vec<ShareNode> = membership
        .voter_ids()
        .filter(|id| *id == me || heard.contains(id))
        .map(|id| {
            let host = membership
                .get_node(&id)
                .map(|n| n.addr.rsplit_once(':').map_or(n.addr.as_str(), |(h, _)| h).to_owned())
                .unwrap_or_default();
            ShareNode { id, data_center: data_center_of(&host, config) }
        })
        .collect();
    nodes.sort();
    nodes
}

/// Commits `nodes` as the node set (a failure is retried at the next round).
async fn commit(consensus: &Consensus, proposer: &Proposer, nodes: Vec<ShareNode>) {
    let ids: Vec<u64> = nodes.iter().map(|n| n.id).collect();
    let env = CommandEnvelope::new(
        Command::ProbeShareNodes(nodes),
        consensus.clock().now_ms(),
        consensus.id(),
    );
    match proposer.propose(env, false).await {
        Ok(_) => tracing::info!(nodes = ?ids, "probe sharing: committed the node set"),
        Err(e) => tracing::debug!(error = %e, "probe sharing: cannot commit the node set yet"),
    }
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
async fn push(consensus: &Consensus, me: u64, probes: Vec<SharedProbe>) {
    let metrics = consensus.metrics();
    let others: Vec<u64> =
        metrics.membership_config.membership().voter_ids().filter(|id| *id != me).collect();
    let mut batches: Vec<ShareBatch> =
        probes.chunks(PER_PUSH).map(|c| ShareBatch { from: me, probes: c.to_vec() }).collect();
    if batches.is_empty() {
        batches.push(ShareBatch { from: me, probes: Vec::new() });
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
