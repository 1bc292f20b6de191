//! What the HTTP API and the dashboard need from the rest of the node, as traits: the adapters
//! (`http`, `control_plane`) depend only on these, `node` wires in the raft-backed
//! implementations (`node/bindings.rs`), and tests can build the HTTP router with their own,
//! without raft.

use std::sync::Arc;
use std::time::Duration;

use app::api::dto::RaftStatusView;
use app::api::ApiError;
use app::core::membership::MembershipChange;
use app::core::operation_result::{OpError, OpResult, OperationRequest};
use app::core::recovery::RecoveryResolution;
use app::core::{
    CommandEnvelope, CommandOutcome, Instance, InstanceKey, Proposal, ReplicationAnalysis,
};
use async_trait::async_trait;

use crate::analysis_state::AnalysisState;
use crate::auth::Security;
use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::consensus::Member as MemberInfo;
use crate::probe_metrics::ProbeMetrics;
use crate::propose::ProposeError;
use crate::store::Store;
use app::core::recovery_run::{RecoveryError, Trigger};

/// This node as a raft member, as the API sees it.
#[async_trait]
pub trait Member: Send + Sync + 'static {
    /// This node's raft id.
    fn id(&self) -> u64;
    /// The membership.
    fn members(&self) -> Vec<MemberInfo>;
    /// Leads and holds a quorum right now.
    fn is_leader_with_quorum(&self) -> bool;
    /// The last backend health write succeeded.
    fn backend_ok(&self) -> bool;
    /// The leader this node knows of.
    fn leader(&self) -> Option<u64>;
    /// Resolves once the leader is no longer `leader`.
    async fn leader_changed_from(&self, leader: u64);
    /// HTTP URI of member `id`.
    async fn uri_of(&self, id: u64) -> Option<String>;
    /// The URI to send member `id` a request at (waits briefly for a new leader's
    /// announcement; never this node's own URI for another member).
    async fn route_to(&self, id: u64) -> Option<String>;
    /// The raft status view.
    async fn status(&self) -> RaftStatusView;
    /// (log appends, fdatasyncs) since start.
    fn log_stats(&self) -> (u64, u64);
    /// Leadership transfer (`raft-yield`).
    async fn yield_leadership(&self, target: Option<u64>) -> Result<String, ApiError>;
    /// Do not stand for election for `window`.
    fn hold_elections(&self, window: Duration);
    /// The client a follower relays callers' requests with (the caller's credentials only).
    fn relay_client(&self) -> reqwest::Client;
    /// `GET url` of another member, carrying the peer secret.
    fn peer_get(&self, url: &str) -> reqwest::RequestBuilder;
    /// `POST url` of another member, carrying the peer secret (`/internal/operate`).
    fn peer_post(&self, url: &str) -> reqwest::RequestBuilder {
        self.relay_client().post(url)
    }
    /// This node's HTTP URI.
    fn http_uri(&self) -> String;
    /// `raft-add-peer`/`raft-remove-peer`, carried out by the leader (a follower forwards it
    /// once, unless `forwarded`); answers the core's wording of the outcome.
    async fn change_membership(
        &self,
        change: MembershipChange,
        forwarded: bool,
    ) -> Result<String, ApiError> {
        let _ = forwarded;
        Err(ApiError::Validation(format!(
            "{change:?}: membership changes are not available on this node"
        )))
    }
    /// `raft-snapshot`: takes a snapshot now; its last index.
    async fn snapshot_now(&self) -> Result<Option<u64>, ApiError> {
        Err(ApiError::Validation("snapshots are not available on this node".into()))
    }
}

/// The write path into raft.
#[async_trait]
pub trait Commands: Send + Sync + 'static {
    /// Stamps and commits a user proposal; answers once applied on the leader.
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError>;
    /// Commits a stamped envelope (`forwarded`: it already made its one hop).
    async fn propose(
        &self,
        env: CommandEnvelope,
        forwarded: bool,
    ) -> Result<CommandOutcome, ProposeError>;
}

/// Leader operations on MySQL servers, registered through raft before any server is touched.
#[async_trait]
pub trait Operations: Send + Sync + 'static {
    /// Registers and runs the recovery of `analysis`.
    async fn recover(
        &self,
        analysis: ReplicationAnalysis,
        trigger: Trigger,
    ) -> Result<RecoveryResolution, RecoveryError>;
    /// Graceful master takeover of `cluster` (to `designated`, or the best replica).
    async fn takeover(
        &self,
        cluster: &str,
        designated: Option<InstanceKey>,
    ) -> Result<RecoveryResolution, RecoveryError>;
    /// Probes one server now (`discover`).
    async fn probe(&self, key: InstanceKey) -> Result<Instance, String>;
    /// `submit-masters-to-kv-stores`: proposes the KV pairs of every cluster's master (or
    /// `cluster`'s) through raft, on the leader; answers the pairs.
    async fn submit_masters_to_kv(
        &self,
        cluster: Option<String>,
    ) -> Result<Vec<app::core::kv::KvPair>, ApiError> {
        let _ = cluster;
        Err(ApiError::Validation("KV stores are not available on this node".into()))
    }
    /// Runs a topology operation (replica control, relocation) on this node, the leader.
    async fn operate(&self, request: OperationRequest) -> Result<OpResult, OpError> {
        let _ = request;
        Err(OpError::NotLeader("topology operations are not available on this node".into()))
    }
}

/// What every HTTP handler and the dashboard get: the node's parts through narrow handles.
/// Raft-facing parts are the traits above, so a test builds this — and the whole router —
/// without raft. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// This node as a raft member.
    pub member: Arc<dyn Member>,
    /// The write path into raft.
    pub commands: Arc<dyn Commands>,
    /// Leader operations on MySQL servers.
    pub ops: Arc<dyn Operations>,
    /// This node's backend.
    pub store: Store,
    /// The latest analysis of this node's observations.
    pub analysis: Arc<AnalysisState>,
    /// Authentication, authorization and TLS settings.
    pub security: Arc<Security>,
    /// Validated configuration.
    pub config: Arc<NodeConfig>,
    /// The proposers' clock.
    pub clock: Arc<dyn Clock>,
    /// This node's discovery metrics (`/api/*-metrics-*`), read by the HTTP API only.
    pub(crate) probe_metrics: ProbeMetrics,
    /// This node's prober: takes the other nodes' probes (`ProbeSharing`).
    pub(crate) prober: crate::probe::Prober,
}
