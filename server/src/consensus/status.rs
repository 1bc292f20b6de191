//! The raft status of this node as the API and the dashboard show it.

use app::api::dto::{MemberView, RaftStatusView};
use openraft::ServerState;

use super::Consensus;

/// `Leader`, `Follower`, ... as orchestrator names raft states.
pub fn state_name(state: ServerState) -> &'static str {
    match state {
        ServerState::Leader => "Leader",
        ServerState::Follower => "Follower",
        ServerState::Candidate => "Candidate",
        ServerState::Learner => "Learner",
        ServerState::Shutdown => "Shutdown",
    }
}

impl Consensus {
    /// This node's raft status.
    pub async fn status(&self) -> RaftStatusView {
        let m = self.metrics();
        let id = self.id();
        let leader_known = m.current_leader.is_some();
        let is_leader = m.state == ServerState::Leader && m.current_leader == Some(id);
        // A follower that has applied nothing yet (a new or wiped member waiting for its
        // snapshot) knows a leader but would serve an empty store: not healthy until it has.
        let healthy = self.is_running()
            && ((is_leader && self.is_leader_with_quorum())
                || (m.state == ServerState::Follower
                    && leader_known
                    && m.current_leader != Some(id)
                    && m.last_applied.is_some()));
        let leader_uri = match m.current_leader {
            Some(l) => self.peers().uri_of(l).await,
            None => None,
        };
        let matched = m.replication.clone().unwrap_or_default();
        let all = self.members();
        let mut members = Vec::with_capacity(all.len());
        for member in &all {
            let role = if Some(member.id) == m.current_leader {
                "Leader"
            } else if is_leader && matched.get(&member.id).is_some_and(|v| v.is_none()) {
                if member.voter {
                    "Unreachable"
                } else {
                    "Unreachable learner"
                }
            } else if member.voter {
                "Follower"
            } else {
                "Learner"
            };
            let announced = self.peers().announced_uri(member.id).await;
            members.push(MemberView {
                id: member.id,
                raft_addr: member.raft_addr.clone(),
                http_uri: announced.or_else(|| (member.id == id).then(|| self.http_uri())),
                role: role.to_string(),
                matched_index: matched.get(&member.id).and_then(|v| v.map(|l| l.index)),
            });
        }
        RaftStatusView {
            node_id: id,
            raft_addr: self.advertise().to_string(),
            http_uri: self.http_uri(),
            state: state_name(m.state).to_string(),
            healthy,
            is_part_of_quorum: healthy,
            leader_id: m.current_leader,
            leader_raft_addr: m
                .current_leader
                .and_then(|l| all.iter().find(|x| x.id == l))
                .map(|x| x.raft_addr.clone()),
            leader_uri,
            term: m.current_term,
            last_log_index: m.last_log_index,
            applied_index: m.last_applied.map(|l| l.index),
            snapshot_index: m.snapshot.map(|l| l.index),
            millis_since_quorum_ack: m.millis_since_quorum_ack,
            members,
        }
    }
}
