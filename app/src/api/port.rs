//! The ports the server implements for server functions: `Commands` (writes, authorized per
//! caller) and `Queries` (reads from the serving node's store, never authorized beyond login).

use std::sync::Arc;

use crate::api::dto::audit::AuditRowView;
use crate::api::dto::clusters::ClustersView;
use crate::api::dto::instance::InstanceDetailView;
use crate::api::dto::operations::MovePlanView;
use crate::api::dto::pulse::PulseView;
use crate::api::dto::raft::RaftPageView;
use crate::api::dto::recovery::RecoveriesView;
use crate::api::dto::search::InstanceHitView;
use crate::api::dto::topology::TopologyView;
use crate::api::dto::{CandidateView, DowntimeView, RaftStatusView};
use crate::api::error::ApiError;
use crate::core::operation_result::OperationRequest;
use crate::core::{CommandOutcome, InstanceKey, Proposal};

/// Writes. The server provides, per request, an implementation bound to the caller that
/// authorizes every method before the node's: a server function cannot bypass the check.
#[async_trait::async_trait]
pub trait Commands: Send + Sync + 'static {
    /// Stamps the proposal, commits it through raft on the leader (forwarding from a follower),
    /// and returns once it is applied on the leader — the same path the HTTP API uses.
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError>;
    /// Hands leadership to member `target` (from a follower, asks the leader).
    async fn transfer_leadership(&self, target: u64) -> Result<String, ApiError>;
    /// `raft-add-peer` / `raft-remove-peer`, carried out by the leader (a follower forwards it).
    async fn change_membership(
        &self,
        change: crate::core::membership::MembershipChange,
    ) -> Result<String, ApiError>;
    /// Manual recovery of a failed instance; leader only.
    async fn recover(&self, key: InstanceKey) -> Result<String, ApiError>;
    /// A topology operation (replica control, relocation), run by the leader (a follower
    /// forwards it); answers the operation's wording of its result.
    async fn operate(&self, request: OperationRequest) -> Result<String, ApiError>;
}

/// Reads from the serving node's own store and analysis (possibly behind the leader).
#[async_trait::async_trait]
pub trait Queries: Send + Sync + 'static {
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
    /// The clusters overview.
    async fn clusters(&self) -> Result<ClustersView, ApiError>;
    /// One cluster's tree, by name or alias.
    async fn topology(&self, cluster: &str) -> Result<TopologyView, ApiError>;
    /// One instance's details.
    async fn instance(&self, key: &InstanceKey) -> Result<InstanceDetailView, ApiError>;
    /// Recoveries and failure detections.
    async fn recoveries(&self) -> Result<RecoveriesView, ApiError>;
    /// How moving `key` below `below` would be done (or why not), from this node's topology.
    async fn plan_move(
        &self,
        key: &InstanceKey,
        below: &InstanceKey,
    ) -> Result<MovePlanView, ApiError>;
    /// Instances matching `text` (host, cluster name or alias).
    async fn search(&self, text: &str) -> Result<Vec<InstanceHitView>, ApiError>;
    /// Every instance with a problem.
    async fn problems(&self) -> Result<Vec<InstanceHitView>, ApiError>;
    /// A page of the audit log, newest first.
    async fn audit(&self, page: u32) -> Result<Vec<AuditRowView>, ApiError>;
}

/// Shared handle types.
pub type SharedCommands = Arc<dyn Commands>;
/// Shared handle types.
pub type SharedQueries = Arc<dyn Queries>;

/// The caller-bound commands from Leptos context.
pub fn commands() -> Result<SharedCommands, ApiError> {
    leptos::prelude::use_context::<SharedCommands>()
        .ok_or_else(|| ApiError::Internal("commands missing from context".into()))
}

/// The queries from Leptos context.
pub fn queries() -> Result<SharedQueries, ApiError> {
    leptos::prelude::use_context::<SharedQueries>()
        .ok_or_else(|| ApiError::Internal("queries missing from context".into()))
}

/// Submits a proposal and words its outcome as the HTTP API does.
pub async fn submit(proposal: Proposal) -> Result<String, ApiError> {
    let outcome = commands()?.submit(proposal.clone()).await?;
    Ok(proposal.outcome_message(&outcome))
}
