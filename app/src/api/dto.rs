//! View DTOs shared by the HTTP API, the server functions and the dashboard.

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

/// An active downtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DowntimeView {
    /// `host`.
    pub hostname: String,
    /// `port`.
    pub port: u16,
    /// Who set it.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// Start, unix ms.
    pub begins_at_ms: i64,
    /// End, unix ms.
    pub ends_at_ms: i64,
}

/// An active promotion-rule registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateView {
    /// `host`.
    pub hostname: String,
    /// `port`.
    pub port: u16,
    /// `prefer`, `neutral`, `prefer_not` or `must_not`.
    pub promotion_rule: String,
    /// When it was registered, unix ms.
    pub last_suggested_ms: i64,
    /// When it expires, unix ms.
    pub expires_at_ms: i64,
}

impl From<&crate::core::Downtime> for DowntimeView {
    fn from(d: &crate::core::Downtime) -> Self {
        DowntimeView {
            hostname: d.key.hostname.clone(),
            port: d.key.port,
            owner: d.owner.clone(),
            reason: d.reason.clone(),
            begins_at_ms: d.begins_at_ms,
            ends_at_ms: d.ends_at_ms,
        }
    }
}

impl From<&crate::core::CandidateRegistration> for CandidateView {
    fn from(c: &crate::core::CandidateRegistration) -> Self {
        CandidateView {
            hostname: c.key.hostname.clone(),
            port: c.key.port,
            promotion_rule: c.promotion_rule.to_string(),
            last_suggested_ms: c.last_suggested_ms,
            expires_at_ms: c.expires_at_ms,
        }
    }
}
