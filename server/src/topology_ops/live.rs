//! The live state an operation decides on: the instances it touches are probed again right
//! before it (never trusted from the last poll), and placed in the node's topology so that the
//! core rules see fresh servers among their known neighbours.

use app::core::operation_result::OpError;
use app::core::topology::Topology;
use app::core::{Instance, InstanceKey};

use super::Ops;

impl Ops {
    /// Probes `key` now.
    pub async fn read(&self, key: &InstanceKey) -> Result<Instance, OpError> {
        self.ctx
            .prober
            .probe_now(key.clone())
            .await
            .map_err(|e| OpError::Invalid(format!("cannot read {key} now: {e}")))
    }

    /// Probes every key now, in order.
    pub async fn read_all(&self, keys: &[InstanceKey]) -> Result<Vec<Instance>, OpError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.read(key).await?);
        }
        Ok(out)
    }

    /// The node's topology with `fresh` instances in place of their last observation.
    pub fn topology_with(&self, fresh: &[Instance]) -> Topology {
        let snapshot = self.ctx.analysis.get();
        let mut instances: Vec<Instance> = snapshot
            .topology
            .instances()
            .filter(|i| !fresh.iter().any(|f| f.key == i.key))
            .cloned()
            .collect();
        instances.extend(fresh.iter().cloned());
        Topology::build(instances)
    }

    /// The known direct replicas of `key`, as of the node's topology.
    pub fn replicas_of(&self, key: &InstanceKey) -> Vec<InstanceKey> {
        self.ctx.analysis.get().topology.replicas_of(key).to_vec()
    }

    /// The maintenance lag limit in seconds (`ReasonableMaintenanceReplicationLagSeconds`).
    pub fn max_lag(&self) -> i64 {
        i64::try_from(self.ctx.config.recovery().maintenance_lag.as_secs()).unwrap_or(i64::MAX)
    }
}
