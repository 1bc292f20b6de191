//! The members of a raft membership as this project names them: id, raft address, host, voter.
//! Below `consensus` (which re-exports them) so that seeding (`seed`) can use them too.

use std::collections::BTreeSet;

use openraft::{BasicNode, Membership};

/// One raft member of the committed membership (seeded by `RaftNodes`, changed at runtime by
/// `raft-add-peer`/`raft-remove-peer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Stable id (the hash of the raft address text).
    pub id: u64,
    /// Raft address as configured.
    pub raft_addr: String,
    /// Host part of the raft address.
    pub host: String,
    /// A voter; `false` for a learner (a member being added, not yet caught up).
    pub voter: bool,
}

impl Member {
    /// The member `id` at raft address `addr` (`host:port` or `[v6]:port`).
    pub fn new(id: u64, addr: &str, voter: bool) -> Self {
        let host = match addr.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
            Some((host, _)) => host.to_string(),
            None => addr.rsplit_once(':').map_or(addr, |(host, _)| host).to_string(),
        };
        Member { id, raft_addr: addr.to_string(), host, voter }
    }
}

/// Every node of `membership` (voters, then learners, each by id).
pub fn members_of(membership: &Membership<u64, BasicNode>) -> Vec<Member> {
    let voters: BTreeSet<u64> = membership.voter_ids().collect();
    let mut members: Vec<Member> = membership
        .nodes()
        .map(|(id, node)| Member::new(*id, &node.addr, voters.contains(id)))
        .collect();
    members.sort_by_key(|m| (!m.voter, m.id));
    members
}
