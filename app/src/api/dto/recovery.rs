//! The recoveries page's views: recoveries, failure detections, their acknowledgements.

use serde::{Deserialize, Serialize};

/// An acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckView {
    /// Who.
    pub owner: String,
    /// Why.
    pub comment: String,
    /// When (unix ms).
    pub at_ms: i64,
}

/// One audit line of a recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// When (unix ms).
    pub at_ms: i64,
    /// What happened.
    pub message: String,
}

/// One recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryView {
    /// Unique id.
    pub uid: String,
    /// Cluster name at the time.
    pub cluster_name: String,
    /// Cluster alias at the time.
    pub cluster_alias: String,
    /// The failed instance.
    pub failed: String,
    /// Analysis code.
    pub analysis: String,
    /// `automated-recovery`, `recover`, `force-master-failover`, `graceful-master-takeover`.
    pub operation: String,
    /// Started by an operator.
    pub is_manual: bool,
    /// Start (unix ms).
    pub started_at_ms: i64,
    /// Raft id of the node that ran it.
    pub processing_node: u64,
    /// Its raft address (shown instead of the id).
    #[serde(default)]
    pub processing_node_name: String,
    /// End (unix ms), once resolved.
    pub ended_at_ms: Option<i64>,
    /// Outcome, once resolved.
    pub is_successful: Option<bool>,
    /// Promoted instance.
    pub successor: Option<String>,
    /// Replicas left behind.
    pub lost_replicas: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Audit lines.
    pub steps: Vec<StepView>,
    /// Acknowledgement.
    pub ack: Option<AckView>,
}

/// One failure detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectionView {
    /// Unique id.
    pub uid: String,
    /// The failed instance.
    pub failed: String,
    /// Cluster name.
    pub cluster_name: String,
    /// Cluster alias.
    pub cluster_alias: String,
    /// Analysis code.
    pub analysis: String,
    /// Replicas at detection.
    pub count_replicas: u32,
    /// Whether automated recovery acts on it.
    pub is_actionable: bool,
    /// When (unix ms).
    pub detected_at_ms: i64,
    /// Raft id of the detecting leader.
    pub processing_node: u64,
    /// Its raft address (shown instead of the id).
    #[serde(default)]
    pub processing_node_name: String,
    /// Acknowledgement.
    pub ack: Option<AckView>,
}

/// The recoveries page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveriesView {
    /// In progress (not resolved), newest first.
    pub active: Vec<RecoveryView>,
    /// Resolved, newest first.
    pub past: Vec<RecoveryView>,
    /// Detections, newest first.
    pub detections: Vec<DetectionView>,
}
