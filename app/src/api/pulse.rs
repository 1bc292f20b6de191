//! The pulse: a cheap read every page polls once a second after hydration. It says which node
//! served the page, its raft role and applied index, whether it belongs to a quorum, and a
//! `version` that changes whenever anything a page shows may have changed, so that pages
//! refetch their data only then.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;

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

/// The serving node's pulse.
#[server(prefix = "/sfn")]
pub async fn get_pulse() -> Result<PulseView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        Ok(plane.pulse().await)
    })
    .await
}
