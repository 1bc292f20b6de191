//! Seeding a pristine cluster from `RaftNodes`, and nothing more: once a cluster exists its
//! membership lives in the raft log, and `RaftNodes` is only a hint for a node that starts empty.
//!
//! A pristine node (no log, no vote) asks the other listed nodes whether they already belong to
//! a cluster. If one belongs to a cluster whose membership differs from this node's list, this
//! node is joining it (it was, or will be, added with `raft-add-peer`; or the membership changed
//! since it lost its disk): it waits for the leader to replicate to it instead of initializing a
//! membership of its own. Otherwise (no cluster yet, or one of exactly the listed members) it
//! initializes with the list, as every seed does, which openraft allows — greatest node id first,
//! the others a moment later unless the membership reached them by then. A restarted node never
//! re-initializes; when its `RaftNodes` differs from the committed membership it follows the
//! committed one and says so.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::future::join_all;
use openraft::error::{Fatal, InitializeError, RaftError};
use openraft::{BasicNode, RaftMetrics};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::members::{members_of, Member};
use super::network::Network;
use super::Raft;

/// How long a pristine node waits for each listed peer's answer.
const ASK_TIMEOUT: Duration = Duration::from_millis(700);
/// Pristine seeds initialize (and so stand for election) one after the other, greatest node id
/// first, this far apart: openraft makes a node stand at once when it initializes, and seeds
/// standing together in term 1 would split the vote under the one-leader-per-term rule
/// (`term_vote`) and cost another election timeout.
const SEED_STAGGER: Duration = Duration::from_millis(250);

/// Why seeding failed (fatal at start: `StartError::Raft`).
#[derive(Debug, Error)]
pub enum SeedError {
    /// Raft could not say whether this node is initialized.
    #[error("{0}")]
    State(Fatal<u64>),
    /// Raft refused the initial membership.
    #[error("initialize failed: {0}")]
    Initialize(RaftError<u64, InitializeError<u64, BasicNode>>),
}

/// A node's answer to `GET /raft/membership`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipReport {
    /// The raft addresses of its committed membership's voters (empty: pristine).
    pub voters: Vec<String>,
    /// Its learners.
    pub learners: Vec<String>,
}

impl MembershipReport {
    /// The report of a node with these metrics.
    pub fn of(metrics: &RaftMetrics<u64, BasicNode>) -> Self {
        let members = members_of(metrics.membership_config.membership());
        let (voters, learners): (Vec<Member>, Vec<Member>) =
            members.into_iter().partition(|m| m.voter);
        MembershipReport {
            voters: voters.into_iter().map(|m| m.raft_addr).collect(),
            learners: learners.into_iter().map(|m| m.raft_addr).collect(),
        }
    }

    /// Whether the node belongs to a cluster.
    pub fn initialized(&self) -> bool {
        !self.voters.is_empty()
    }

    /// Voters and learners, sorted.
    pub fn members_sorted(&self) -> Vec<&str> {
        let mut all: Vec<&str> =
            self.voters.iter().chain(&self.learners).map(String::as_str).collect();
        all.sort_unstable();
        all
    }
}

/// Initializes a pristine node with `seeds` unless a listed peer already belongs to a cluster;
/// on a node that already has state, logs whether `seeds` differs from the committed membership.
pub async fn seed_or_follow(
    raft: &Raft,
    network: &Network,
    own_id: u64,
    seeds: &[Member],
) -> Result<(), SeedError> {
    let initialized = raft.is_initialized().await.map_err(SeedError::State)?;
    if initialized {
        let committed = members_of(raft.metrics().borrow().membership_config.membership());
        let committed_ids: BTreeSet<u64> = committed.iter().map(|m| m.id).collect();
        let seed_ids: BTreeSet<u64> = seeds.iter().map(|m| m.id).collect();
        if committed_ids != seed_ids {
            tracing::warn!(
                raft_nodes = ?seeds.iter().map(|m| m.raft_addr.as_str()).collect::<Vec<_>>(),
                committed = ?committed.iter().map(|m| m.raft_addr.as_str()).collect::<Vec<_>>(),
                "RaftNodes differs from the membership committed in the raft log: following the \
                 committed membership (RaftNodes only seeds a pristine cluster; change membership \
                 with raft-add-peer and raft-remove-peer)"
            );
        }
        return Ok(());
    }
    let others: Vec<&Member> = seeds.iter().filter(|m| m.id != own_id).collect();
    let answers =
        join_all(others.iter().map(|m| network.membership_of(&m.raft_addr, ASK_TIMEOUT))).await;
    let mut seed_addrs: Vec<&str> = seeds.iter().map(|m| m.raft_addr.as_str()).collect();
    seed_addrs.sort_unstable();
    for (member, answer) in others.iter().zip(answers) {
        match answer {
            // A cluster of exactly these members: initializing with the same list is what every
            // seed does (openraft accepts identical initial memberships).
            Ok(report) if report.initialized() && report.members_sorted() == seed_addrs => {}
            Ok(report) if report.initialized() => {
                tracing::info!(
                    peer = %member.raft_addr,
                    voters = ?report.voters,
                    learners = ?report.learners,
                    "this node is pristine and a listed peer already belongs to a raft cluster: \
                     not seeding a membership; waiting for the leader (add this node with \
                     raft-add-peer if it is new)"
                );
                return Ok(());
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(peer = %member.raft_addr, error = %e, "peer did not answer"),
        }
    }
    let rank = seeds.iter().filter(|m| m.id > own_id).count() as u32;
    if rank > 0 {
        tokio::time::sleep(SEED_STAGGER * rank).await;
        if raft.is_initialized().await.map_err(SeedError::State)? {
            // A seed with a greater id won the first election and replicated the membership.
            return Ok(());
        }
    }
    let map: BTreeMap<u64, BasicNode> =
        seeds.iter().map(|m| (m.id, BasicNode::new(m.raft_addr.clone()))).collect();
    tracing::info!(members = ?map.values().map(|n| n.addr.as_str()).collect::<Vec<_>>(), "seeding a pristine cluster from RaftNodes");
    match raft.initialize(map).await {
        Ok(()) => Ok(()),
        Err(RaftError::APIError(InitializeError::NotAllowed(_))) => Ok(()),
        Err(e) => Err(SeedError::Initialize(e)),
    }
}
