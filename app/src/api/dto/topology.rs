//! The topology's views: one cluster's replication tree, one box per instance.

use serde::{Deserialize, Serialize};

use crate::core::problems::Problem;

/// A downtime as the instance box shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DowntimeBadge {
    /// Who set it.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// When it ends (unix ms).
    pub ends_at_ms: i64,
}

/// One instance box of the topology tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceBoxView {
    /// `host:port`.
    pub key: String,
    /// The master it replicates from (`host:port`), if any.
    pub master_key: Option<String>,
    /// Server version.
    pub version: String,
    /// `@@read_only`.
    pub read_only: bool,
    /// Replication lag (seconds), for replicas.
    pub lag_seconds: Option<i64>,
    /// GTID mode in words (`slave_pos`, `current_pos`, `auto-position`, `off`; MySQL `gtid_mode`).
    pub gtid: String,
    /// Whether it replicates from a master.
    pub is_replica: bool,
    /// `Slave_IO_Running` (`Yes`, `No`, `Connecting`).
    pub io_thread: String,
    /// `Slave_SQL_Running`.
    pub sql_thread: String,
    /// Whether the last probe succeeded.
    pub last_check_valid: bool,
    /// Its problems, most severe first (`core::problems`: orchestrator's words, its analysis code
    /// and structure warnings; empty when healthy).
    pub problems: Vec<Problem>,
    /// Whether the analysis is one automated recovery acts on.
    pub actionable: bool,
    /// Active downtime.
    pub downtime: Option<DowntimeBadge>,
    /// Registered promotion rule, when one is registered.
    pub promotion_rule: Option<String>,
    /// Data center.
    pub data_center: String,
    /// One of two masters replicating from each other.
    pub is_co_master: bool,
    /// Number of direct replicas.
    pub replica_count: usize,
}

/// A node of the tree: the instance and the indexes of its children in [`TopologyView::nodes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyNodeView {
    /// The box.
    pub instance: InstanceBoxView,
    /// Children (replicas), as indexes into `nodes`.
    pub children: Vec<u32>,
}

/// One cluster's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyView {
    /// Cluster name.
    pub name: String,
    /// Alias.
    pub alias: String,
    /// Master key, when known.
    pub master: Option<String>,
    /// Every instance, depth-first from the roots.
    pub nodes: Vec<TopologyNodeView>,
    /// Indexes of the roots (the master; more only for loops or orphans).
    pub roots: Vec<u32>,
    /// Whether the recovery cluster filters match it.
    pub automated_recovery: bool,
    /// Uid of a recovery in progress on this cluster.
    pub active_recovery: Option<String>,
    /// An operator disabled this cluster's automated recovery (`disable-cluster-recovery`).
    #[serde(default)]
    pub recovery_disabled: bool,
    /// What a master recovery would do if the master died now.
    #[serde(default)]
    pub promotion_plan: Option<crate::core::promotion_plan::PromotionPlan>,
}
