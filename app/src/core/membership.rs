//! Raft membership changes (`raft-add-peer`, `raft-remove-peer`): what a request means for the
//! committed membership, or why it is refused. The adapter carries the plan out with openraft.

use serde::{Deserialize, Serialize};

/// One member of the committed membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Raft node id (the hash of its raft address).
    pub id: u64,
    /// Raft address, `host:port`.
    pub addr: String,
    /// Voter (`false`: learner).
    pub voter: bool,
}

/// A requested change: add the node at a raft address, or remove the member a text names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipChange {
    /// `raft-add-peer`: a normalised `host:port`.
    Add(String),
    /// `raft-remove-peer`: a `host:port`, a node id or a host.
    Remove(String),
}

/// What adding a peer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddPlan {
    /// It already votes: nothing to do.
    AlreadyVoter,
    /// It is a learner: wait until it has caught up, then make it a voter.
    Promote,
    /// New: add it as a learner, wait until it has caught up, then make it a voter.
    AddLearnerThenPromote,
}

/// What removing a peer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovePlan {
    /// A learner: drop it (no quorum change).
    DropLearner,
    /// A voter: joint consensus to the membership without it (the leader, if it is removed,
    /// steps down once that is committed and the others elect).
    RemoveVoter,
}

/// Why a membership change is refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MembershipRefusal {
    /// Another member has the same id (a hash collision of two addresses).
    #[error("{addr} would have node id {id}, which member {other} already has: use another address text (e.g. a host name instead of an IP)")]
    IdCollision {
        /// The requested address.
        addr: String,
        /// Its id.
        id: u64,
        /// The member that already has the id.
        other: String,
    },
    /// No member matches the request.
    #[error("{0:?} is not a raft member")]
    NotAMember(String),
    /// The change would leave no voter.
    #[error("{0} is the last voter: a raft cluster needs at least one")]
    LastVoter(String),
}

/// The plan for adding `addr` (node id `id`) to `members`.
pub fn plan_add(members: &[Peer], id: u64, addr: &str) -> Result<AddPlan, MembershipRefusal> {
    match members.iter().find(|m| m.id == id) {
        None => Ok(AddPlan::AddLearnerThenPromote),
        Some(m) if m.addr != addr => Err(MembershipRefusal::IdCollision {
            addr: addr.to_string(),
            id,
            other: m.addr.clone(),
        }),
        Some(m) if m.voter => Ok(AddPlan::AlreadyVoter),
        Some(_) => Ok(AddPlan::Promote),
    }
}

/// The member a remove request names: its raft address (`host:port`), its id, or its host when
/// that is unambiguous.
pub fn find_member<'a>(members: &'a [Peer], wanted: &str) -> Option<&'a Peer> {
    let wanted = wanted.trim().to_ascii_lowercase();
    if let Some(m) = members.iter().find(|m| m.addr == wanted || m.id.to_string() == wanted) {
        return Some(m);
    }
    let mut by_host = members.iter().filter(|m| host_of(&m.addr) == wanted);
    match (by_host.next(), by_host.next()) {
        (Some(m), None) => Some(m),
        _ => None,
    }
}

fn host_of(addr: &str) -> &str {
    match addr.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        Some((host, _)) => host,
        None => addr.rsplit_once(':').map_or(addr, |(host, _)| host),
    }
}

/// The plan for removing the member named `wanted` from `members`, and that member.
pub fn plan_remove<'a>(
    members: &'a [Peer],
    wanted: &str,
) -> Result<(RemovePlan, &'a Peer), MembershipRefusal> {
    let member =
        find_member(members, wanted).ok_or_else(|| MembershipRefusal::NotAMember(wanted.into()))?;
    if !member.voter {
        return Ok((RemovePlan::DropLearner, member));
    }
    if members.iter().filter(|m| m.voter).count() <= 1 {
        return Err(MembershipRefusal::LastVoter(member.addr.clone()));
    }
    Ok((RemovePlan::RemoveVoter, member))
}

/// How the outcome of a change is worded, for the API and the dashboard alike.
pub fn added_message(addr: &str, plan: AddPlan) -> String {
    match plan {
        AddPlan::AlreadyVoter => format!("{addr} is already a voting raft member"),
        AddPlan::Promote => format!("{addr} caught up and is now a voting raft member"),
        AddPlan::AddLearnerThenPromote => {
            format!("{addr} was added as a learner, caught up, and is now a voting raft member")
        }
    }
}

/// How a removal is worded.
pub fn removed_message(addr: &str, plan: RemovePlan, was_leader: bool) -> String {
    match (plan, was_leader) {
        (RemovePlan::DropLearner, _) => format!("learner {addr} was removed"),
        (RemovePlan::RemoveVoter, false) => format!("{addr} was removed from the raft membership"),
        (RemovePlan::RemoveVoter, true) => format!(
            "{addr} was removed from the raft membership; it led, so it steps down and the others elect a leader"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers() -> Vec<Peer> {
        vec![
            Peer { id: 1, addr: "10.0.0.1:10008".into(), voter: true },
            Peer { id: 2, addr: "10.0.0.2:10008".into(), voter: true },
            Peer { id: 3, addr: "10.0.0.3:10008".into(), voter: true },
            Peer { id: 4, addr: "10.0.0.4:10008".into(), voter: false },
        ]
    }

    #[test]
    fn add_plans() {
        let p = peers();
        assert_eq!(plan_add(&p, 9, "10.0.0.9:10008"), Ok(AddPlan::AddLearnerThenPromote));
        assert_eq!(plan_add(&p, 1, "10.0.0.1:10008"), Ok(AddPlan::AlreadyVoter));
        assert_eq!(plan_add(&p, 4, "10.0.0.4:10008"), Ok(AddPlan::Promote));
        assert!(matches!(
            plan_add(&p, 2, "other:1"),
            Err(MembershipRefusal::IdCollision { id: 2, .. })
        ));
    }

    #[test]
    fn remove_plans() {
        let p = peers();
        assert_eq!(
            plan_remove(&p, "10.0.0.4:10008").map(|(plan, _)| plan),
            Ok(RemovePlan::DropLearner)
        );
        assert_eq!(
            plan_remove(&p, "2").map(|(plan, m)| (plan, m.id)),
            Ok((RemovePlan::RemoveVoter, 2))
        );
        assert_eq!(plan_remove(&p, "10.0.0.3").map(|(_, m)| m.id), Ok(3));
        assert!(matches!(plan_remove(&p, "10.0.0.7:1"), Err(MembershipRefusal::NotAMember(_))));
        let alone = vec![Peer { id: 1, addr: "a:1".into(), voter: true }];
        assert!(matches!(plan_remove(&alone, "a:1"), Err(MembershipRefusal::LastVoter(_))));
    }

    #[test]
    fn an_ambiguous_host_is_not_a_member() {
        let p = vec![
            Peer { id: 1, addr: "h:1".into(), voter: true },
            Peer { id: 2, addr: "h:2".into(), voter: true },
        ];
        assert!(find_member(&p, "h").is_none());
        assert_eq!(find_member(&p, "H:2").map(|m| m.id), Some(2));
    }
}
