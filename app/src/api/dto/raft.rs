//! Raft views: the serving node's raft status, its members, and every member's own report.

use serde::{Deserialize, Serialize};

/// One raft member as this node sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// Stable raft node id (derived from the configured `RaftNodes` entry).
    pub id: u64,
    /// Raft address as configured (`host:port`).
    pub raft_addr: String,
    /// HTTP base URI, when known (announced by the node when it led, or `HTTPAdvertise`).
    pub http_uri: Option<String>,
    /// `Leader`, `Follower`, `Learner` (not voting yet), `Unreachable` or `Unreachable learner`
    /// (as seen from this node).
    pub role: String,
    /// Last log index this node knows the member has (leader's view only).
    pub matched_index: Option<u64>,
}

/// Raft state of the node that served the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftStatusView {
    /// This node's raft id.
    pub node_id: u64,
    /// This node's raft address.
    pub raft_addr: String,
    /// This node's HTTP URI.
    pub http_uri: String,
    /// `Leader`, `Follower`, `Candidate`, `Learner` or `Shutdown`.
    pub state: String,
    /// Leader or follower of a known leader.
    pub healthy: bool,
    /// Healthy, and (on a leader) acknowledged by a quorum within the election timeout.
    pub is_part_of_quorum: bool,
    /// Current leader's id, if known.
    pub leader_id: Option<u64>,
    /// Current leader's raft address, if known.
    pub leader_raft_addr: Option<String>,
    /// Current leader's HTTP URI, if known.
    pub leader_uri: Option<String>,
    /// Current term.
    pub term: u64,
    /// Last log index on this node.
    pub last_log_index: Option<u64>,
    /// Last applied index on this node.
    pub applied_index: Option<u64>,
    /// Index of the newest snapshot on this node.
    pub snapshot_index: Option<u64>,
    /// Milliseconds since a quorum last acknowledged this node as leader (leaders only).
    pub millis_since_quorum_ack: Option<u64>,
    /// Members of the committed membership (voters and learners).
    pub members: Vec<MemberView>,
}

/// One member as it reports itself (asked by the serving node with a short timeout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStatusView {
    /// Raft id.
    pub id: u64,
    /// Raft address.
    pub raft_addr: String,
    /// HTTP URI, when known.
    pub http_uri: Option<String>,
    /// `Leader`, `Follower`, `Candidate`, … or `Unreachable` when it did not answer.
    pub role: String,
    /// Leader, or follower of a known leader.
    pub healthy: bool,
    /// Its term.
    pub term: Option<u64>,
    /// Its last log index.
    pub last_log_index: Option<u64>,
    /// Its applied index.
    pub applied_index: Option<u64>,
    /// The leader it knows of.
    pub leader_id: Option<u64>,
}

/// The raft page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftPageView {
    /// The serving node's status.
    pub status: RaftStatusView,
    /// Every member's own view.
    pub members: Vec<MemberStatusView>,
}
