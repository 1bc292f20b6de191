//! The raft-backed implementations of the `ports` traits: this node's `Consensus` as the
//! `Member`, its `Proposer` as the `Commands`, its recovery context as the `Operations`.

use std::sync::Arc;
use std::time::Duration;

use app::api::dto::RaftStatusView;
use app::api::ApiError;
use app::core::operation_result::{OpError, OpResult, OperationRequest};
use app::core::recovery::RecoveryResolution;
use app::core::{
    CommandEnvelope, CommandOutcome, Instance, InstanceKey, Proposal, ReplicationAnalysis,
};
use async_trait::async_trait;

use crate::consensus::Member as MemberInfo;
use crate::ports::{Commands, Member, Operations};
use crate::propose::ProposeError;
use crate::recovery::{graceful, runner, Context, RecoveryError, Trigger};

#[async_trait]
impl Member for crate::consensus::Consensus {
    fn id(&self) -> u64 {
        crate::consensus::Consensus::id(self)
    }
    fn members(&self) -> Vec<MemberInfo> {
        crate::consensus::Consensus::members(self)
    }
    fn is_leader_with_quorum(&self) -> bool {
        crate::consensus::Consensus::is_leader_with_quorum(self)
    }
    fn backend_ok(&self) -> bool {
        crate::consensus::Consensus::backend_ok(self)
    }
    fn leader(&self) -> Option<u64> {
        crate::consensus::Consensus::leader(self)
    }
    async fn leader_changed_from(&self, leader: u64) {
        crate::consensus::Consensus::leader_changed_from(self, leader).await
    }
    async fn uri_of(&self, id: u64) -> Option<String> {
        self.peers().uri_of(id).await
    }
    async fn route_to(&self, id: u64) -> Option<String> {
        self.peers().route_to(id).await
    }
    async fn status(&self) -> RaftStatusView {
        crate::consensus::Consensus::status(self).await
    }
    fn log_stats(&self) -> (u64, u64) {
        crate::consensus::Consensus::log_stats(self)
    }
    async fn yield_leadership(&self, target: Option<u64>) -> Result<String, ApiError> {
        crate::consensus::Consensus::yield_leadership(self, target).await
    }
    fn hold_elections(&self, window: Duration) {
        crate::consensus::Consensus::hold_elections(self, window)
    }
    fn relay_client(&self) -> reqwest::Client {
        self.peers().client().clone()
    }
    async fn change_membership(
        &self,
        change: app::core::membership::MembershipChange,
        forwarded: bool,
    ) -> Result<String, ApiError> {
        crate::consensus::Consensus::change_membership(self, change, forwarded).await
    }
    async fn snapshot_now(&self) -> Result<Option<u64>, ApiError> {
        crate::consensus::Consensus::snapshot_now(self).await
    }
    fn peer_get(&self, url: &str) -> reqwest::RequestBuilder {
        self.peers().get(url)
    }
    fn peer_post(&self, url: &str) -> reqwest::RequestBuilder {
        self.peers().post(url)
    }
    fn http_uri(&self) -> String {
        crate::consensus::Consensus::http_uri(self)
    }
}

#[async_trait]
impl Commands for crate::propose::Proposer {
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        crate::propose::Proposer::submit(self, proposal).await
    }
    async fn propose(
        &self,
        env: CommandEnvelope,
        forwarded: bool,
    ) -> Result<CommandOutcome, ProposeError> {
        crate::propose::Proposer::propose(self, env, forwarded).await
    }
}

/// Recoveries, takeovers and probes run by this node.
pub struct Recoveries(pub Arc<Context>);

#[async_trait]
impl Operations for Recoveries {
    async fn recover(
        &self,
        analysis: ReplicationAnalysis,
        trigger: Trigger,
    ) -> Result<RecoveryResolution, RecoveryError> {
        runner::recover(self.0.clone(), analysis, trigger).await
    }

    async fn takeover(
        &self,
        cluster: &str,
        designated: Option<InstanceKey>,
    ) -> Result<RecoveryResolution, RecoveryError> {
        graceful::takeover(self.0.clone(), cluster, designated).await
    }

    async fn probe(&self, key: InstanceKey) -> Result<Instance, String> {
        self.0.prober.probe_now(key).await.map_err(|e| e.to_string())
    }

    async fn submit_masters_to_kv(
        &self,
        cluster: Option<String>,
    ) -> Result<Vec<app::core::kv::KvPair>, ApiError> {
        crate::kv::masters::submit_masters(&self.0.kv_context(), cluster.as_deref()).await
    }

    async fn operate(&self, request: OperationRequest) -> Result<OpResult, OpError> {
        // Its own task: a caller that goes away (timeout, closed connection) never cancels an
        // operation halfway; it finishes, restarts what it stopped and records its outcome.
        let task = tokio::spawn(crate::topology_ops::run(Arc::new(self.0.ops_context()), request));
        match tokio::time::timeout(crate::topology_ops::ANSWER_WAIT, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(OpError::Failed {
                message: format!("the operation stopped unexpectedly: {e}"),
                left_stopped: Vec::new(),
            }),
            Err(_) => Err(OpError::StillRunning(format!(
                "the operation is still running on the leader after {:?}; it finishes (or restarts what it stopped) by itself and its outcome goes to /api/audit",
                crate::topology_ops::ANSWER_WAIT
            ))),
        }
    }
}
