//! Recovery records replicated through raft (detections, recoveries, steps, resolutions,
//! acknowledgements) and the pure gating decision: may the leader recover this analysis now?

use serde::{Deserialize, Serialize};

use crate::core::analysis::ReplicationAnalysis;
use crate::core::analysis_code::AnalysisCode;
use crate::core::cluster_filter::ClusterFilters;
use crate::core::instance_key::InstanceKey;
use crate::core::recovery_kind::RecoveryKind;

/// A failure the leader detected (orchestrator's `topology_failure_detection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureDetection {
    /// Unique id, chosen by the proposer.
    pub uid: String,
    /// The failed instance.
    pub key: InstanceKey,
    /// Its cluster.
    pub cluster_name: String,
    /// Its cluster alias.
    pub cluster_alias: String,
    /// The analysis code.
    pub analysis: AnalysisCode,
    /// Replica count at detection.
    pub count_replicas: u32,
    /// Whether automated recovery acts on it.
    pub is_actionable: bool,
    /// When detected (unix ms, proposer's clock).
    pub detected_at_ms: i64,
    /// Raft id of the detecting leader.
    pub processing_node: u64,
}

/// A recovery the leader registered before touching any server (orchestrator's `write-recovery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryRecord {
    /// Unique id, chosen by the proposer.
    pub uid: String,
    /// The failed instance.
    pub key: InstanceKey,
    /// Its cluster.
    pub cluster_name: String,
    /// Its cluster alias.
    pub cluster_alias: String,
    /// The analysis being recovered.
    pub analysis: AnalysisCode,
    /// Started by an operator (`recover`, forced failover, graceful takeover) rather than automation.
    pub is_manual: bool,
    /// When it started (unix ms, proposer's clock).
    pub started_at_ms: i64,
    /// Raft id of the recovering leader.
    pub processing_node: u64,
    /// What ran: `automated-recovery`, `recover`, `force-master-failover`, `graceful-master-takeover`.
    #[serde(default)]
    pub operation: String,
}

/// One audit line of a recovery (orchestrator's `write-recovery-step`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryStep {
    /// The recovery.
    pub uid: String,
    /// When (unix ms).
    pub at_ms: i64,
    /// What happened.
    pub message: String,
}

/// How a recovery ended (orchestrator's `resolve-recovery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryResolution {
    /// The recovery.
    pub uid: String,
    /// When it ended (unix ms).
    pub ended_at_ms: i64,
    /// Whether a successor was put in place.
    pub is_successful: bool,
    /// The promoted (or new parent) instance.
    pub successor: Option<InstanceKey>,
    /// Replicas that could not be moved under the successor.
    pub lost_replicas: Vec<InstanceKey>,
    /// Every instance the recovery touched.
    pub participating: Vec<InstanceKey>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// Which recoveries an acknowledgement covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "kebab-case")]
pub enum AckSelector {
    /// Every unacknowledged recovery.
    All,
    /// Recoveries of a cluster (by name or alias).
    Cluster(String),
    /// Recoveries of an instance.
    Instance(InstanceKey),
    /// One recovery by uid.
    Uid(String),
}

/// An operator's acknowledgement (orchestrator's `ack-recovery`); the comment is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryAck {
    /// What it covers.
    pub selector: AckSelector,
    /// Who acknowledged.
    pub owner: String,
    /// Why (required, non-empty).
    pub comment: String,
    /// When (unix ms).
    pub at_ms: i64,
}

/// Recovery policy (orchestrator's keys).
#[derive(Debug, Clone, Default)]
pub struct RecoveryPolicy {
    /// `RecoverMasterClusterFilters`.
    pub master_filters: ClusterFilters,
    /// `RecoverIntermediateMasterClusterFilters`.
    pub intermediate_master_filters: ClusterFilters,
    /// `RecoveryPeriodBlockSeconds` in ms (anti-flapping per cluster).
    pub recovery_period_block_ms: i64,
    /// `RecoverLockedSemiSyncMaster`: act on `LockedSemiSyncMaster` (enable semi-sync on
    /// replicas).
    pub recover_locked_semi_sync: bool,
    /// `EnforceExactSemiSyncReplicas`: act on `LockedSemiSyncMaster` and
    /// `MasterWithTooManySemiSyncReplicas` (enable and disable to match the wait count).
    pub enforce_exact_semi_sync: bool,
    /// Clusters (names or aliases) whose automated recovery an operator disabled
    /// (`disable-cluster-recovery`).
    pub disabled_clusters: Vec<String>,
}

impl RecoveryPolicy {
    /// Whether automated recovery of the cluster `name` (alias `alias`) is disabled.
    pub fn cluster_disabled(&self, name: &str, alias: &str) -> bool {
        self.disabled_clusters.iter().any(|c| c == name || (!alias.is_empty() && c == alias))
    }
}

/// What is known of a cluster's recent recoveries when deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentRecovery {
    /// Its uid.
    pub uid: String,
    /// Its cluster.
    pub cluster_name: String,
    /// The instance it promoted (`host:port`), once resolved: the cluster is named after it since.
    pub successor: Option<String>,
    /// When it started.
    pub started_at_ms: i64,
    /// Whether an operator acknowledged it.
    pub acknowledged: bool,
    /// Whether it was a failover (master, co-master, intermediate master) rather than a fix
    /// on live servers (read-only, semi-sync): each kind blocks only its own kind, so fixing a
    /// semi-sync setting never blocks the failover of a master that dies next.
    pub is_failover: bool,
}

/// The leader's decision for one analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryDecision {
    /// No recovery handles this code: register the detection only (if it is one).
    DetectOnly,
    /// A recovery handles it, but automated recovery does not apply now (why).
    NotApplicable(String),
    /// Blocked by a recent unacknowledged recovery of the same cluster (anti-flapping).
    Blocked {
        /// The blocking recovery.
        by_uid: String,
    },
    /// Go: register the recovery through raft, then act.
    Recover,
}

/// Whether the leader may run an automated recovery for `analysis` now.
pub fn decide(
    analysis: &ReplicationAnalysis,
    policy: &RecoveryPolicy,
    global_recoveries_disabled: bool,
    recent: &[RecentRecovery],
    now_ms: i64,
) -> RecoveryDecision {
    let Some(kind) = analysis.analysis.recovery_kind() else {
        return RecoveryDecision::DetectOnly;
    };
    if global_recoveries_disabled {
        return RecoveryDecision::NotApplicable("global recoveries are disabled".into());
    }
    if policy.cluster_disabled(&analysis.cluster_name, &analysis.cluster_alias) {
        return RecoveryDecision::NotApplicable(format!(
            "automated recovery is disabled for cluster {}",
            analysis.cluster_alias
        ));
    }
    if analysis.skippable_due_to_downtime {
        return RecoveryDecision::NotApplicable(
            "the instance (or its replicas) is downtimed".into(),
        );
    }
    // orchestrator checks the cluster filters for failovers only.
    let filters = match kind {
        RecoveryKind::DeadMaster | RecoveryKind::DeadCoMaster => Some(&policy.master_filters),
        RecoveryKind::DeadIntermediateMaster => Some(&policy.intermediate_master_filters),
        RecoveryKind::NonWriteableMaster | RecoveryKind::SemiSyncReplicas => None,
    };
    if filters.is_some_and(|f| !f.matches(&analysis.cluster_name, &analysis.cluster_alias)) {
        return RecoveryDecision::NotApplicable(format!(
            "cluster {} is not matched by the recovery cluster filters",
            analysis.cluster_name
        ));
    }
    if analysis.analysis == AnalysisCode::LockedSemiSyncMaster
        && !policy.recover_locked_semi_sync
        && !policy.enforce_exact_semi_sync
    {
        return RecoveryDecision::NotApplicable(
            "RecoverLockedSemiSyncMaster and EnforceExactSemiSyncReplicas are off".into(),
        );
    }
    let same_kind: Vec<RecentRecovery> =
        recent.iter().filter(|r| r.is_failover == kind.is_failover()).cloned().collect();
    if let Some(r) = blocking_recovery(
        &analysis.cluster_name,
        policy.recovery_period_block_ms,
        &same_kind,
        now_ms,
    ) {
        return RecoveryDecision::Blocked { by_uid: r.uid.clone() };
    }
    RecoveryDecision::Recover
}

/// The unacknowledged recovery of `cluster` started within the block period, if any.
pub fn blocking_recovery<'a>(
    cluster: &str,
    block_ms: i64,
    recent: &'a [RecentRecovery],
    now_ms: i64,
) -> Option<&'a RecentRecovery> {
    recent
        .iter()
        .filter(|r| {
            (r.cluster_name == cluster || r.successor.as_deref() == Some(cluster))
                && !r.acknowledged
                && now_ms - r.started_at_ms < block_ms
        })
        .max_by_key(|r| r.started_at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::instance_key::InstanceKey;

    fn analysis(code: AnalysisCode) -> ReplicationAnalysis {
        let json = serde_json::json!({
            "analyzed_instance_key": {"Hostname": "m", "Port": 3306},
            "analyzed_instance_master_key": null,
            "analyzed_instance_data_center": "", "analyzed_instance_region": "",
            "cluster_name": "m:3306", "cluster_alias": "main",
            "analysis": code, "description": "", "structure_analysis": [],
            "is_master": true, "is_co_master": false, "is_cluster_master": true,
            "last_check_valid": false, "last_check_partial_success": false, "replication_depth": 0,
            "count_replicas": 2, "count_valid_replicas": 2, "count_valid_replicating_replicas": 0,
            "count_replicas_failing_to_connect_to_master": 2, "count_lagging_replicas": 0,
            "count_delayed_replicas": 0, "count_downtimed_replicas": 0, "count_logging_replicas": 2,
            "replicas": [], "is_failing_to_connect_to_master": false, "is_downtimed": false,
            "downtime_end_ms": null, "is_replicas_downtimed": false, "skippable_due_to_downtime": false,
            "oracle_gtid_immediate_topology": false, "mariadb_gtid_immediate_topology": true,
            "is_read_only": false
        });
        serde_json::from_value(json).expect("fixture")
    }

    fn policy(filters: &[&str]) -> RecoveryPolicy {
        RecoveryPolicy {
            master_filters: ClusterFilters::parse(filters).unwrap(),
            intermediate_master_filters: ClusterFilters::parse(filters).unwrap(),
            recovery_period_block_ms: 3_600_000,
            ..RecoveryPolicy::default()
        }
    }

    #[test]
    fn dead_master_in_a_filtered_cluster_is_recovered() {
        assert_eq!(
            decide(&analysis(AnalysisCode::DeadMaster), &policy(&["*"]), false, &[], 0),
            RecoveryDecision::Recover
        );
        assert_eq!(
            decide(&analysis(AnalysisCode::DeadMaster), &policy(&["alias=main"]), false, &[], 0),
            RecoveryDecision::Recover
        );
    }

    #[test]
    fn gates() {
        let a = analysis(AnalysisCode::DeadMaster);
        assert!(matches!(
            decide(&a, &policy(&[]), false, &[], 0),
            RecoveryDecision::NotApplicable(_)
        ));
        assert!(matches!(
            decide(&a, &policy(&["*"]), true, &[], 0),
            RecoveryDecision::NotApplicable(_)
        ));
        let mut downtimed = a.clone();
        downtimed.skippable_due_to_downtime = true;
        assert!(matches!(
            decide(&downtimed, &policy(&["*"]), false, &[], 0),
            RecoveryDecision::NotApplicable(_)
        ));
        assert_eq!(
            decide(&analysis(AnalysisCode::UnreachableMaster), &policy(&["*"]), false, &[], 0),
            RecoveryDecision::DetectOnly
        );
    }

    #[test]
    fn codes_without_a_recovery_are_detect_only() {
        for code in [AnalysisCode::UnreachableCoMaster, AnalysisCode::DeadMasterAndReplicas] {
            let decision = decide(&analysis(code), &policy(&["*"]), false, &[], 0);
            assert_eq!(decision, RecoveryDecision::DetectOnly, "{code}");
        }
    }

    #[test]
    fn locked_semi_sync_needs_one_of_its_keys_and_no_cluster_filter() {
        let a = analysis(AnalysisCode::LockedSemiSyncMaster);
        assert!(matches!(
            decide(&a, &policy(&[]), false, &[], 0),
            RecoveryDecision::NotApplicable(_)
        ));
        let on = RecoveryPolicy { recover_locked_semi_sync: true, ..policy(&[]) };
        assert_eq!(decide(&a, &on, false, &[], 0), RecoveryDecision::Recover);
    }

    #[test]
    fn a_disabled_cluster_is_not_recovered_by_name_or_alias() {
        let a = analysis(AnalysisCode::DeadMaster);
        for c in ["main", "m:3306"] {
            let p = RecoveryPolicy { disabled_clusters: vec![c.into()], ..policy(&["*"]) };
            assert!(matches!(decide(&a, &p, false, &[], 0), RecoveryDecision::NotApplicable(_)));
        }
        let other = RecoveryPolicy { disabled_clusters: vec!["x".into()], ..policy(&["*"]) };
        assert_eq!(decide(&a, &other, false, &[], 0), RecoveryDecision::Recover);
    }

    #[test]
    fn a_semi_sync_fix_never_blocks_a_failover() {
        let recent = vec![RecentRecovery {
            uid: "s1".into(),
            cluster_name: "m:3306".into(),
            successor: None,
            started_at_ms: 1_000,
            acknowledged: false,
            is_failover: false,
        }];
        let a = analysis(AnalysisCode::DeadMaster);
        assert_eq!(decide(&a, &policy(&["*"]), false, &recent, 2_000), RecoveryDecision::Recover);
    }

    #[test]
    fn anti_flapping_blocks_until_acknowledged_or_expired() {
        let a = analysis(AnalysisCode::DeadMaster);
        let recent = vec![RecentRecovery {
            uid: "r1".into(),
            cluster_name: "m:3306".into(),
            successor: None,
            started_at_ms: 1_000,
            acknowledged: false,
            is_failover: true,
        }];
        assert_eq!(
            decide(&a, &policy(&["*"]), false, &recent, 2_000),
            RecoveryDecision::Blocked { by_uid: "r1".into() }
        );
        assert_eq!(
            decide(&a, &policy(&["*"]), false, &recent, 1_000 + 3_600_000),
            RecoveryDecision::Recover
        );
        let acked = vec![RecentRecovery { acknowledged: true, ..recent[0].clone() }];
        assert_eq!(decide(&a, &policy(&["*"]), false, &acked, 2_000), RecoveryDecision::Recover);
        let other = vec![RecentRecovery { cluster_name: "x:1".into(), ..recent[0].clone() }];
        assert_eq!(decide(&a, &policy(&["*"]), false, &other, 2_000), RecoveryDecision::Recover);
        // After a failover the cluster is named after the successor: still the same cluster.
        let renamed = vec![RecentRecovery {
            cluster_name: "old:1".into(),
            successor: Some("m:3306".into()),
            ..recent[0].clone()
        }];
        assert_eq!(
            decide(&a, &policy(&["*"]), false, &renamed, 2_000),
            RecoveryDecision::Blocked { by_uid: "r1".into() }
        );
        let _ = InstanceKey::new("m", 3306).unwrap();
    }
}
