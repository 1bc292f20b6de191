//! Clusters overview: one card per cluster, and the global recoveries switch.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;

/// One cluster as the overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCardView {
    /// Cluster name (`host:port` of its master).
    pub name: String,
    /// Alias (the name when it has none).
    pub alias: String,
    /// Number of instances.
    pub instance_count: usize,
    /// The master's key, when known.
    pub master: Option<String>,
    /// The most severe analysis code in the cluster, if any problem.
    pub worst_analysis: Option<String>,
    /// Whether the worst analysis is one automated recovery acts on.
    pub worst_is_actionable: bool,
    /// Instances with a problem.
    pub problem_count: usize,
    /// Instances in downtime.
    pub downtimed_count: usize,
    /// Largest replication lag in the cluster (seconds).
    pub max_lag_seconds: Option<i64>,
    /// Whether the recovery cluster filters match it (automated master recovery applies).
    pub automated_recovery: bool,
    /// Uid of a recovery in progress on this cluster.
    pub active_recovery: Option<String>,
    /// Recoveries of this cluster not yet acknowledged.
    pub unacknowledged_recoveries: usize,
}

/// The overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClustersView {
    /// Every cluster, by alias.
    pub clusters: Vec<ClusterCardView>,
    /// Total instances.
    pub instance_count: usize,
    /// Whether automated recoveries are globally enabled.
    pub global_recoveries_enabled: bool,
}

/// Every cluster this node observes.
#[server(prefix = "/sfn")]
pub async fn get_clusters() -> Result<ClustersView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        plane.clusters().await
    })
    .await
}

/// `on` → true, `off` → false; anything else is refused.
#[cfg(feature = "ssr")]
fn switch(value: &str) -> Result<bool, ApiError> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        other => {
            Err(ApiError::Validation(format!("invalid switch value {other:?}: expected on or off")))
        }
    }
}

/// Turns automated recoveries on (`enabled = "on"`) or off (`"off"`) for every cluster.
#[server(prefix = "/sfn")]
pub async fn set_global_recoveries(enabled: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let enabled = switch(&enabled)?;
        crate::api::port::submit(crate::core::Proposal::set_global_recoveries(enabled)).await
    })
    .await
}

/// Turns automated recovery of one cluster on (`enabled = "on"`) or off (`"off"`); `cluster` is
/// its alias (or its name when it has none).
#[server(prefix = "/sfn")]
pub async fn set_cluster_recovery(cluster: String, enabled: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let enabled = switch(&enabled)?;
        let proposal = crate::core::Proposal::set_cluster_recovery(&cluster, enabled)
            .map_err(|e| ApiError::Validation(e.to_string()))?;
        crate::api::port::submit(proposal).await
    })
    .await
}
