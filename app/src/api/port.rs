//! The port the server implements for server functions: one way into raft, reads from the store.

use std::sync::Arc;

use crate::api::dto::{CandidateView, DowntimeView, RaftStatusView};
use crate::api::error::ApiError;
use crate::core::{CommandOutcome, Proposal};

/// What the dashboard needs from its node. The server provides an `Arc<dyn ControlPlane>` in
/// Leptos context for both rendering and server-function calls.
#[async_trait::async_trait]
pub trait ControlPlane: Send + Sync + 'static {
    /// Stamps the proposal, commits it through raft on the leader (forwarding from a follower),
    /// and returns once it is applied on the leader.
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError>;
    /// This node's raft state.
    async fn raft_status(&self) -> RaftStatusView;
    /// Active downtimes in this node's store.
    async fn downtimes(&self) -> Result<Vec<DowntimeView>, ApiError>;
    /// Active promotion-rule registrations in this node's store.
    async fn candidates(&self) -> Result<Vec<CandidateView>, ApiError>;
}

/// Shared handle type.
pub type SharedControlPlane = Arc<dyn ControlPlane>;

/// Reads the control plane from Leptos context.
pub fn control_plane() -> Result<SharedControlPlane, ApiError> {
    leptos::prelude::use_context::<SharedControlPlane>()
        .ok_or_else(|| ApiError::Internal("control plane missing from context".into()))
}
