//! The clusters overview's views: one card per cluster, and the overview around them.

use serde::{Deserialize, Serialize};

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
