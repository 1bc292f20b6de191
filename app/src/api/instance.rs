//! The instance panel: one instance's details, and the actions that only concern it (forget,
//! recover). Downtime and candidate actions live in their own modules.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;
use crate::api::topology::InstanceBoxView;

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
}

/// The panel of `instance` (`host:port`).
#[server(prefix = "/sfn")]
pub async fn get_instance(instance: String) -> Result<InstanceDetailView, ApiError> {
    crate::api::status::respond(async move {
        let key = crate::core::InstanceKey::parse_joined(instance.trim(), 3306)?;
        let plane = crate::api::port::queries()?;
        plane.instance(&key).await
    })
    .await
}

/// Forgets `instance` on every node (raft `forget`). `confirm` must be `yes`.
#[server(prefix = "/sfn")]
pub async fn forget_instance(
    instance: String,
    confirm: Option<String>,
) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let key = crate::core::InstanceKey::parse_joined(instance.trim(), 3306)?;
        if confirm.as_deref() != Some("yes") {
            return Err(ApiError::Validation(
                "tick the box to confirm that the instance is to be forgotten".into(),
            ));
        }
        crate::api::port::submit(crate::core::Proposal::forget(key)).await
    })
    .await
}

/// Runs a manual recovery of the failed `instance` (on the leader only).
#[server(prefix = "/sfn")]
pub async fn recover_instance(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let key = crate::core::InstanceKey::parse_joined(instance.trim(), 3306)?;
        let plane = crate::api::port::commands()?;
        plane.recover(key).await
    })
    .await
}
