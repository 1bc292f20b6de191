//! The leader operations the HTTP API offers (`ports::Operations`), over the recovery context.

use std::sync::Arc;

use app::core::recovery::RecoveryResolution;
use app::core::{Instance, InstanceKey, ReplicationAnalysis};
use async_trait::async_trait;

use super::{graceful, runner, Context, RecoveryError, Trigger};
use crate::ports::Operations;

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
}
