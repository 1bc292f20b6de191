//! The server's implementation of `app::api::port::{Commands, Queries}`: what the dashboard's
//! server functions call. Writes go through `Commands::submit`, the single path into raft that the HTTP
//! API uses too; reads come from this node's store and latest analysis (possibly behind the
//! leader, which every page says).
//!
//! - [`raft_view`]: this node's raft status, every member's own report, the pulse.
//! - [`topology_view`]: clusters overview, one cluster's tree, one instance's details.
//! - [`recovery_view`]: recoveries, detections, manual recovery.
//! - [`operations_view`]: topology operations (run on the leader), move plans, search,
//!   problems, the audit log.

mod fingerprint;
mod operations_view;
mod raft_view;
mod recovery_view;
mod topology_view;

use app::api::audit::AuditRowView;
use app::api::clusters::ClustersView;
use app::api::dto::{CandidateView, DowntimeView, RaftStatusView};
use app::api::instance::InstanceDetailView;
use app::api::operations::MovePlanView;
use app::api::port::{Commands, Queries};
use app::api::pulse::PulseView;
use app::api::raft::RaftPageView;
use app::api::recovery::RecoveriesView;
use app::api::search::InstanceHitView;
use app::api::topology::TopologyView;
use app::api::ApiError;
use app::core::operation_result::OperationRequest;
use app::core::{CommandOutcome, InstanceKey, Proposal};

use crate::error::internal;
use crate::ports::AppState;

/// The dashboard's writes over the node (authorization wraps these: `auth::plane`).
#[derive(Clone)]
pub struct NodeCommands(pub AppState);

/// The dashboard's reads over the node's store and analysis.
#[derive(Clone)]
pub struct NodeQueries(pub AppState);

#[async_trait::async_trait]
impl Commands for NodeCommands {
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.0.commands.submit(proposal).await
    }

    async fn transfer_leadership(&self, target: u64) -> Result<String, ApiError> {
        self.0.member.yield_leadership(Some(target)).await
    }

    async fn change_membership(
        &self,
        change: app::core::membership::MembershipChange,
    ) -> Result<String, ApiError> {
        use app::core::membership::MembershipChange;
        let change = match change {
            MembershipChange::Add(text) => {
                let port = self.0.config.raft.default_port;
                let addr = crate::config::RaftAddr::parse("address", &text, port)
                    .map_err(|e| ApiError::Validation(e.message))?;
                MembershipChange::Add(addr.to_string())
            }
            remove => remove,
        };
        self.0.member.change_membership(change, false).await
    }

    async fn recover(&self, key: InstanceKey) -> Result<String, ApiError> {
        recovery_view::recover(&self.0, key).await
    }

    async fn operate(&self, request: OperationRequest) -> Result<String, ApiError> {
        operations_view::operate(&self.0, request).await
    }
}

#[async_trait::async_trait]
impl Queries for NodeQueries {
    async fn raft_status(&self) -> RaftStatusView {
        self.0.member.status().await
    }

    async fn downtimes(&self) -> Result<Vec<DowntimeView>, ApiError> {
        let now = self.0.clock.now_ms();
        Ok(self
            .0
            .store
            .active_downtimes(now)
            .await
            .map_err(internal)?
            .iter()
            .map(DowntimeView::from)
            .collect())
    }

    async fn candidates(&self) -> Result<Vec<CandidateView>, ApiError> {
        let now = self.0.clock.now_ms();
        Ok(self
            .0
            .store
            .active_candidates(now)
            .await
            .map_err(internal)?
            .iter()
            .map(CandidateView::from)
            .collect())
    }

    async fn pulse(&self) -> PulseView {
        raft_view::pulse(&self.0).await
    }

    async fn raft_page(&self) -> RaftPageView {
        raft_view::raft_page(&self.0).await
    }

    async fn clusters(&self) -> Result<ClustersView, ApiError> {
        topology_view::clusters(&self.0).await
    }

    async fn topology(&self, cluster: &str) -> Result<TopologyView, ApiError> {
        topology_view::topology(&self.0, cluster).await
    }

    async fn instance(&self, key: &InstanceKey) -> Result<InstanceDetailView, ApiError> {
        topology_view::instance(&self.0, key).await
    }

    async fn recoveries(&self) -> Result<RecoveriesView, ApiError> {
        recovery_view::recoveries(&self.0).await
    }

    async fn plan_move(
        &self,
        key: &InstanceKey,
        below: &InstanceKey,
    ) -> Result<MovePlanView, ApiError> {
        Ok(operations_view::plan_move(&self.0, key, below))
    }

    async fn search(&self, text: &str) -> Result<Vec<InstanceHitView>, ApiError> {
        operations_view::search(&self.0, text).await
    }

    async fn problems(&self) -> Result<Vec<InstanceHitView>, ApiError> {
        operations_view::problems(&self.0).await
    }

    async fn audit(&self, page: u32) -> Result<Vec<AuditRowView>, ApiError> {
        operations_view::audit(&self.0, page).await
    }
}
