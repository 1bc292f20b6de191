//! The instance panel's view: everything the panel shows of one instance.

use serde::{Deserialize, Serialize};

use super::topology::InstanceBoxView;

/// Everything the panel shows of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceDetailView {
    /// What the tree box shows.
    pub summary: InstanceBoxView,
    /// Cluster name.
    pub cluster_name: String,
    /// Cluster alias.
    pub cluster_alias: String,
    /// `@@server_id`.
    pub server_id: u64,
    /// `@@version_comment`.
    pub version_comment: String,
    /// Binlog format, and whether binary logging and `log_slave_updates` are on.
    pub binlog: String,
    /// Own binlog position.
    pub self_binlog: Option<String>,
    /// Executed master position (replicas).
    pub exec_master: Option<String>,
    /// Executed GTID set.
    pub executed_gtid_set: String,
    /// Errant GTIDs.
    pub gtid_errant: String,
    /// Last IO error.
    pub last_io_error: String,
    /// Last SQL error.
    pub last_sql_error: String,
    /// Semi-sync in words.
    pub semi_sync: String,
    /// Region.
    pub region: String,
    /// Physical environment.
    pub physical_environment: String,
    /// Last successful probe (unix ms).
    pub last_seen_ms: i64,
    /// Last probe (unix ms).
    pub last_checked_ms: i64,
    /// The analysis, in words.
    pub analysis_description: String,
    /// Its direct replicas.
    pub replicas: Vec<String>,
    /// A recovery can be started here: actionable failure, and this node leads with a quorum.
    pub recover_here: bool,
    /// Other instances of the cluster it could be moved below (the "move below…" form).
    #[serde(default)]
    pub move_targets: Vec<String>,
    /// The maintenance lock it is under, in words (owner: reason), if any.
    #[serde(default)]
    pub maintenance: Option<String>,
    /// Its tags, by name, as orchestrator shows them (`name` or `name=value`).
    #[serde(default)]
    pub tags: Vec<String>,
}
