//! The pulse's view: the serving node's freshness, shown on every page.

use serde::{Deserialize, Serialize};

/// Freshness of the node that answers: shown on every page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulseView {
    /// Raft id of the serving node.
    pub node_id: u64,
    /// Its raft address.
    pub raft_addr: String,
    /// Its HTTP URI.
    pub http_uri: String,
    /// `Leader`, `Follower`, `Candidate`, `Learner` or `Shutdown`.
    pub state: String,
    /// The leader it knows of.
    pub leader_id: Option<u64>,
    /// The leader's raft address (what people read, rather than its id).
    #[serde(default)]
    pub leader_raft_addr: Option<String>,
    /// The leader's HTTP URI, when known.
    pub leader_uri: Option<String>,
    /// Leader with a quorum, or follower of a known leader: actions can be committed.
    pub has_quorum: bool,
    /// Current raft term.
    pub term: u64,
    /// Last raft index applied to this node's store.
    pub applied_index: Option<u64>,
    /// When this node last analyzed its observations (unix ms, its clock).
    pub analysis_at_ms: i64,
    /// Changes whenever replicated state, observations or raft roles change.
    pub version: u64,
}
