//! Runtime membership changes on the leader (`raft-add-peer`, `raft-remove-peer`) and snapshots
//! on demand (`raft-snapshot`). The core decides what a request means
//! (`app::core::membership`); this carries it out with openraft's joint consensus.
//!
//! Adding asks the new node first (it must answer on its raft port, pristine or already ours),
//! adds it as a learner, waits until it has caught up with the log, then makes it a voter. A
//! learner that does not catch up in time is dropped again, so a failed add leaves the
//! membership as it was and never touches the quorum.

use std::collections::BTreeSet;
use std::time::Duration;

use app::api::ApiError;
use app::core::membership::{self, AddPlan, MembershipChange, Peer, RemovePlan};
use openraft::{BasicNode, ChangeMembers};
use serde::{Deserialize, Serialize};

use super::Consensus;
use crate::config::RaftAddr;

/// How long a new member may take to catch up before the add is abandoned.
pub const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(20);
/// Only used for an address without a port; callers send normalised `host:port`.
const DEFAULT_PORT: u16 = 10008;
/// How long the new node has to answer on its raft port.
const ASK_TIMEOUT: Duration = Duration::from_secs(2);
/// How long `raft-snapshot` waits for the snapshot to be written.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(20);

/// Body of `/internal/membership`: a change a follower forwarded to the leader.
#[derive(Debug, Serialize, Deserialize)]
pub struct MembershipRequest {
    /// The change.
    pub change: MembershipChange,
}

impl Consensus {
    /// Carries out `change` on the leader; a follower forwards it to the leader once (unless
    /// it was `forwarded` to it already).
    pub async fn change_membership(
        &self,
        change: MembershipChange,
        forwarded: bool,
    ) -> Result<String, ApiError> {
        if self.is_leader_with_quorum() || forwarded {
            return match change {
                MembershipChange::Add(text) => {
                    let addr = RaftAddr::parse("addr", &text, DEFAULT_PORT)
                        .map_err(|e| ApiError::Validation(e.message))?;
                    self.add_peer(&addr).await
                }
                MembershipChange::Remove(wanted) => self.remove_peer(&wanted).await,
            };
        }
        let uri = self.other_leader_uri("the membership is unchanged").await?;
        let resp = self
            .peers()
            .post(&format!("{uri}/internal/membership"))
            .timeout(CATCH_UP_TIMEOUT + Duration::from_secs(10))
            .json(&MembershipRequest { change })
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(format!("cannot reach the leader at {uri}: {e}")))?;
        resp.json::<Result<String, ApiError>>()
            .await
            .map_err(|e| ApiError::OutcomeUnknown(format!("bad answer from the leader: {e}")))?
    }

    /// The committed membership in the core's terms.
    pub fn peers_view(&self) -> Vec<Peer> {
        self.members()
            .into_iter()
            .map(|m| Peer { id: m.id, addr: m.raft_addr, voter: m.voter })
            .collect()
    }

    fn require_leader(&self) -> Result<(), ApiError> {
        if self.is_leader_with_quorum() {
            Ok(())
        } else {
            Err(ApiError::Unavailable(
                "this node is not the raft leader with a quorum; nothing was changed".into(),
            ))
        }
    }

    /// Adds the node at raft address `addr` as a voter (learner first, until caught up).
    async fn add_peer(&self, addr: &RaftAddr) -> Result<String, ApiError> {
        self.require_leader()?;
        let (id, text) = (addr.node_id(), addr.to_string());
        let plan = membership::plan_add(&self.peers_view(), id, &text)
            .map_err(|e| ApiError::Validation(e.to_string()))?;
        if plan == AddPlan::AlreadyVoter {
            return Ok(membership::added_message(&text, plan));
        }
        let report = self.network().membership_of(&text, ASK_TIMEOUT).await.map_err(|e| {
            ApiError::Validation(format!(
                "cannot reach {text} on its raft port ({e}); the membership is unchanged"
            ))
        })?;
        let ours = self.advertise().to_string();
        if report.initialized() && !report.voters.contains(&ours) {
            return Err(ApiError::Validation(format!(
                "{text} belongs to another raft cluster (voters {:?}); the membership is unchanged",
                report.voters
            )));
        }
        if plan == AddPlan::AddLearnerThenPromote {
            tracing::info!(peer = %text, node = id, "raft-add-peer: adding a learner");
            self.raft()
                .add_learner(id, BasicNode::new(text.clone()), false)
                .await
                .map_err(|e| change_error(&text, e))?;
        }
        if let Err(why) = self.wait_caught_up(id).await {
            tracing::warn!(peer = %text, %why, "raft-add-peer: the learner did not catch up; dropping it");
            let dropped = self
                .raft()
                .change_membership(ChangeMembers::RemoveNodes(BTreeSet::from([id])), false)
                .await;
            let what = match dropped {
                Ok(_) => "it was removed again; the voters are unchanged".to_string(),
                Err(e) => format!("removing the learner again failed too ({e}); the voters are unchanged, remove it with raft-remove-peer"),
            };
            return Err(ApiError::Validation(format!("{text} did not catch up: {why}; {what}")));
        }
        tracing::info!(peer = %text, node = id, "raft-add-peer: making the caught-up learner a voter");
        self.raft()
            .change_membership(ChangeMembers::AddVoterIds(BTreeSet::from([id])), false)
            .await
            .map_err(|e| change_error(&text, e))?;
        Ok(membership::added_message(&text, plan))
    }

    /// Waits until the leader's replication to `id` has reached the leader's last log index.
    async fn wait_caught_up(&self, id: u64) -> Result<(), String> {
        let target = self.metrics().last_log_index;
        let waited = self
            .raft()
            .wait(Some(CATCH_UP_TIMEOUT))
            .metrics(
                |m| {
                    let matched = m
                        .replication
                        .as_ref()
                        .and_then(|r| r.get(&id).cloned().flatten())
                        .map(|l| l.index);
                    matched.is_some() && matched >= target
                },
                "new member catches up",
            )
            .await;
        waited.map(|_| ()).map_err(|e| match e {
            openraft::metrics::WaitError::Timeout(..) => {
                format!("it had not replicated up to index {target:?} after {CATCH_UP_TIMEOUT:?}")
            }
            other => other.to_string(),
        })
    }

    /// Removes the member named `wanted` (raft address, id, or unambiguous host).
    async fn remove_peer(&self, wanted: &str) -> Result<String, ApiError> {
        self.require_leader()?;
        let members = self.peers_view();
        let (plan, member) = membership::plan_remove(&members, wanted)
            .map_err(|e| ApiError::Validation(e.to_string()))?;
        let (id, addr) = (member.id, member.addr.clone());
        let change = match plan {
            RemovePlan::DropLearner => ChangeMembers::RemoveNodes(BTreeSet::from([id])),
            RemovePlan::RemoveVoter => ChangeMembers::RemoveVoters(BTreeSet::from([id])),
        };
        tracing::info!(peer = %addr, node = id, ?plan, "raft-remove-peer");
        self.raft().change_membership(change, false).await.map_err(|e| change_error(&addr, e))?;
        Ok(membership::removed_message(&addr, plan, id == self.id()))
    }

    /// Takes a snapshot now and waits until it is written; answers its last index.
    pub async fn snapshot_now(&self) -> Result<Option<u64>, ApiError> {
        let applied = self.metrics().last_applied;
        self.raft()
            .trigger()
            .snapshot()
            .await
            .map_err(|e| ApiError::Internal(format!("cannot trigger a snapshot: {e}")))?;
        let Some(applied) = applied else { return Ok(None) };
        let done = self
            .raft()
            .wait(Some(SNAPSHOT_TIMEOUT))
            .metrics(|m| m.snapshot.is_some_and(|s| s.index >= applied.index), "snapshot written")
            .await
            .map_err(|e| ApiError::Internal(format!("the snapshot was not written: {e}")))?;
        Ok(done.snapshot.map(|s| s.index))
    }
}

fn change_error(
    addr: &str,
    e: crate::raft::typ::RaftError<crate::raft::typ::ClientWriteError>,
) -> ApiError {
    use openraft::error::{ClientWriteError, RaftError};
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(_)) => ApiError::Unavailable(
            format!("leadership moved while changing the membership for {addr}; retry"),
        ),
        RaftError::APIError(ClientWriteError::ChangeMembershipError(c)) => {
            ApiError::Validation(format!("membership change for {addr} refused: {c}"))
        }
        RaftError::Fatal(f) => ApiError::Internal(format!("raft stopped: {f}")),
    }
}
