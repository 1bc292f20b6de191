//! The port the server implements for server functions: one way into raft, reads from the store.

use std::sync::Arc;

use crate::api::clusters::ClustersView;
use crate::api::dto::{CandidateView, DowntimeView, RaftStatusView};
use crate::api::error::ApiError;
use crate::api::instance::InstanceDetailView;
use crate::api::pulse::PulseView;
use crate::api::raft::RaftPageView;
use crate::api::recovery::RecoveriesView;
use crate::api::topology::TopologyView;
use crate::core::{CommandOutcome, InstanceKey, Proposal};

/// What the dashboard needs from its node. The server provides an `Arc<dyn ControlPlane>` in
/// Leptos context for both rendering and server-function calls.
///
/// Reads come from the serving node's own store and analysis (possibly behind the leader);
/// writes go through [`ControlPlane::submit`], the same path the HTTP API uses.
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
    /// Who serves, its role and freshness, and the data version (cheap; polled every second).
    async fn pulse(&self) -> PulseView;
    /// This node's raft status plus every member's own report.
    async fn raft_page(&self) -> RaftPageView;
    /// Hands leadership to member `target` (from a follower, asks the leader).
    async fn transfer_leadership(&self, target: u64) -> Result<String, ApiError>;
    /// The clusters overview.
    async fn clusters(&self) -> Result<ClustersView, ApiError>;
    /// One cluster's tree, by name or alias.
    async fn topology(&self, cluster: &str) -> Result<TopologyView, ApiError>;
    /// One instance's details.
    async fn instance(&self, key: &InstanceKey) -> Result<InstanceDetailView, ApiError>;
    /// Recoveries and failure detections.
    async fn recoveries(&self) -> Result<RecoveriesView, ApiError>;
    /// Manual recovery of a failed instance; leader only.
    async fn recover(&self, key: InstanceKey) -> Result<String, ApiError>;
}

/// Shared handle type.
pub type SharedControlPlane = Arc<dyn ControlPlane>;

/// Reads the control plane from Leptos context.
pub fn control_plane() -> Result<SharedControlPlane, ApiError> {
    leptos::prelude::use_context::<SharedControlPlane>()
        .ok_or_else(|| ApiError::Internal("control plane missing from context".into()))
}
