//! The JSON of the audit endpoints (orchestrator's `TopologyRecovery`, `TopologyRecoveryStep`,
//! `BlockedTopologyRecovery`) and the loaded audit state they are rendered from; the routes and
//! the rules (ids, paging, what "active" means) are documented in `audit_api`.

use app::api::ApiError;
use app::core::recovery::{FailureDetection, RecoveryAck, RecoveryRecord};
use app::core::time_fmt::format_utc;
use app::core::{AnalysisCode, InstanceKey, RecoveryKind};
use serde::Serialize;

use super::analysis_json::{AnalysisJson, ClusterInfoJson};
use super::topology_api::View;
use crate::error::internal;
use crate::ports::AppState;
use crate::store::recovery_tables::{StoredDetection, StoredRecovery};

/// "Recently active": a recovery that ended within this long (orchestrator: 5 minutes).
const RECENT_MS: i64 = 5 * 60 * 1000;

/// Which entries a list endpoint returns.
pub(super) enum Sel {
    All,
    Uid(String),
    Id(usize),
    Alias(String),
    Cluster(String),
    Active(String),
    RecentCluster(String),
    RecentInstance(InstanceKey),
}

/// orchestrator's `TopologyRecovery` (also the shape of a failure detection).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)] // orchestrator's field names.
pub(super) struct RecoveryJson {
    id: usize,
    #[serde(rename = "UID")]
    uid: String,
    analysis_entry: AnalysisJson,
    successor_key: Option<InstanceKey>,
    successor_alias: String,
    is_active: bool,
    is_successful: bool,
    lost_replicas: Vec<InstanceKey>,
    participating_instance_keys: Vec<InstanceKey>,
    all_errors: Vec<String>,
    recovery_start_timestamp: String,
    recovery_end_timestamp: String,
    processing_node_hostname: String,
    processing_node_token: String,
    acknowledged: bool,
    acknowledged_at: String,
    acknowledged_by: String,
    acknowledged_comment: String,
    last_detection_id: usize,
    related_recovery_id: usize,
    #[serde(rename = "Type")]
    kind: String,
    recovery_type: String,
    /// Started by an operator rather than by automation (not in orchestrator).
    is_manual: bool,
}

/// orchestrator's `TopologyRecoveryStep`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct StepJson {
    pub(super) id: usize,
    #[serde(rename = "RecoveryUID")]
    pub(super) recovery_uid: String,
    pub(super) audit_at: String,
    pub(super) message: String,
}

/// orchestrator's `BlockedTopologyRecovery`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct BlockedJson {
    pub(super) failed_instance_key: InstanceKey,
    pub(super) cluster_name: String,
    pub(super) analysis: String,
    pub(super) last_blocked_timestamp: String,
    pub(super) blocking_recovery_id: usize,
    #[serde(rename = "BlockingRecoveryUID")]
    pub(super) blocking_recovery_uid: String,
}

/// orchestrator's `TopologyRecovery.Type` of a recovery of `code`: that of its `RecoveryKind`,
/// empty for a code no recovery handles (a graceful takeover's `NoProblem` included).
pub(super) fn recovery_type(code: AnalysisCode) -> &'static str {
    code.recovery_kind().map_or("", RecoveryKind::orchestrator_type)
}

/// Everything the audit endpoints read, with the node and policy to render it.
pub(super) struct Audit {
    pub(super) node: AppState,
    pub(super) view: View,
    pub(super) recoveries: Vec<StoredRecovery>,
    pub(super) detections: Vec<StoredDetection>,
}

impl Audit {
    pub(super) async fn load(node: AppState) -> Result<Audit, ApiError> {
        let view = View::load(&node).await?;
        let recoveries = node.store.all_recoveries().await.map_err(internal)?;
        let detections = node.store.all_detections().await.map_err(internal)?;
        Ok(Audit { node, view, recoveries, detections })
    }

    pub(super) fn block_ms(&self) -> i64 {
        i64::try_from(self.node.config.recovery().recovery_period_block.as_millis())
            .unwrap_or(i64::MAX)
    }

    /// (hostname, token) of a raft member id.
    fn processing_node(&self, id: u64) -> (String, String) {
        self.node.member.members().iter().find(|m| m.id == id).map_or_else(
            || (id.to_string(), String::new()),
            |m| (m.host.clone(), m.raft_addr.clone()),
        )
    }

    fn details(&self, cluster_name: &str, cluster_alias: &str) -> ClusterInfoJson {
        let filters = &self.node.config.recovery();
        ClusterInfoJson {
            cluster_name: cluster_name.to_string(),
            cluster_alias: cluster_alias.to_string(),
            has_automated_master_recovery: filters
                .master_filters
                .matches(cluster_name, cluster_alias),
            has_automated_intermediate_master_recovery: filters
                .intermediate_master_filters
                .matches(cluster_name, cluster_alias),
            ..ClusterInfoJson::default()
        }
    }

    fn recovery_is_active(&self, r: &StoredRecovery) -> bool {
        r.ack.is_none() && self.view.now_ms - r.record.started_at_ms < self.block_ms()
    }

    pub(super) fn recovery_json(&self, id: usize, r: &StoredRecovery) -> RecoveryJson {
        let rec: &RecoveryRecord = &r.record;
        let (host, token) = self.processing_node(rec.processing_node);
        let successor = r.resolution.as_ref().and_then(|x| x.successor.clone());
        let last_detection_id = self
            .detections
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.detection.key == rec.key && d.detection.detected_at_ms <= rec.started_at_ms
            })
            .map(|(i, _)| i + 1)
            .next_back()
            .unwrap_or(0);
        let mut entry = AnalysisJson::bare(
            rec.key.clone(),
            self.details(&rec.cluster_name, &rec.cluster_alias),
            rec.analysis,
            0,
        );
        entry.processing_node_hostname = host.clone();
        entry.start_active_period = format_utc(rec.started_at_ms);
        RecoveryJson {
            id,
            uid: rec.uid.clone(),
            analysis_entry: entry,
            successor_alias: successor
                .as_ref()
                .and_then(|k| self.view.snapshot.topology.instance(k))
                .map(|i| i.instance_alias.clone())
                .unwrap_or_default(),
            successor_key: successor,
            is_active: self.recovery_is_active(r),
            is_successful: r.resolution.as_ref().is_some_and(|x| x.is_successful),
            lost_replicas: r
                .resolution
                .as_ref()
                .map(|x| x.lost_replicas.clone())
                .unwrap_or_default(),
            participating_instance_keys: r
                .resolution
                .as_ref()
                .map(|x| x.participating.clone())
                .unwrap_or_default(),
            all_errors: r.resolution.as_ref().and_then(|x| x.error.clone()).into_iter().collect(),
            recovery_start_timestamp: format_utc(rec.started_at_ms),
            recovery_end_timestamp: r
                .resolution
                .as_ref()
                .map(|x| format_utc(x.ended_at_ms))
                .unwrap_or_default(),
            processing_node_hostname: host,
            processing_node_token: token,
            last_detection_id,
            related_recovery_id: 0,
            kind: recovery_type(rec.analysis).to_string(),
            recovery_type: String::new(),
            is_manual: rec.is_manual,
            ..ack_fields(r.ack.as_ref())
        }
    }

    pub(super) fn detection_json(&self, id: usize, d: &StoredDetection) -> RecoveryJson {
        let det: &FailureDetection = &d.detection;
        let (host, token) = self.processing_node(det.processing_node);
        let window =
            i64::try_from(self.node.config.recovery().failure_detection_period_block.as_millis())
                .unwrap_or(i64::MAX);
        let related = self
            .recoveries
            .iter()
            .position(|r| r.record.key == det.key && r.record.started_at_ms >= det.detected_at_ms)
            .map_or(0, |i| i + 1);
        let mut entry = AnalysisJson::bare(
            det.key.clone(),
            self.details(&det.cluster_name, &det.cluster_alias),
            det.analysis,
            det.count_replicas,
        );
        entry.is_actionable_recovery = det.is_actionable;
        entry.processing_node_hostname = host.clone();
        entry.start_active_period = format_utc(det.detected_at_ms);
        RecoveryJson {
            id,
            uid: det.uid.clone(),
            analysis_entry: entry,
            is_active: d.ack.is_none() && self.view.now_ms - det.detected_at_ms < window,
            recovery_start_timestamp: format_utc(det.detected_at_ms),
            processing_node_hostname: host,
            processing_node_token: token,
            related_recovery_id: related,
            ..ack_fields(d.ack.as_ref())
        }
    }

    pub(super) fn recovery_matches(&self, sel: &Sel, id: usize, r: &StoredRecovery) -> bool {
        let rec = &r.record;
        match sel {
            Sel::All => true,
            Sel::Uid(uid) => &rec.uid == uid,
            Sel::Id(wanted) => *wanted == id,
            Sel::Alias(alias) => &rec.cluster_alias == alias,
            Sel::Cluster(name) => &rec.cluster_name == name,
            Sel::Active(name) => {
                &rec.cluster_name == name && r.resolution.is_none() && self.recovery_is_active(r)
            }
            Sel::RecentCluster(name) => &rec.cluster_name == name && self.ended_recently(r),
            Sel::RecentInstance(key) => &rec.key == key && self.ended_recently(r),
        }
    }

    fn ended_recently(&self, r: &StoredRecovery) -> bool {
        r.resolution.as_ref().is_some_and(|x| x.ended_at_ms > self.view.now_ms - RECENT_MS)
    }

    pub(super) fn detection_matches(sel: &Sel, id: usize, d: &StoredDetection) -> bool {
        match sel {
            Sel::Uid(uid) => &d.detection.uid == uid,
            Sel::Id(wanted) => *wanted == id,
            Sel::Alias(alias) => &d.detection.cluster_alias == alias,
            Sel::Cluster(name) => &d.detection.cluster_name == name,
            _ => true,
        }
    }
}

/// A `TopologyRecovery` with only the acknowledgement fields set.
fn ack_fields(ack: Option<&RecoveryAck>) -> RecoveryJson {
    RecoveryJson {
        id: 0,
        uid: String::new(),
        analysis_entry: AnalysisJson::bare(
            InstanceKey { hostname: String::new(), port: 0 },
            ClusterInfoJson::default(),
            AnalysisCode::NoProblem,
            0,
        ),
        successor_key: None,
        successor_alias: String::new(),
        is_active: false,
        is_successful: false,
        lost_replicas: Vec::new(),
        participating_instance_keys: Vec::new(),
        all_errors: Vec::new(),
        recovery_start_timestamp: String::new(),
        recovery_end_timestamp: String::new(),
        processing_node_hostname: String::new(),
        processing_node_token: String::new(),
        acknowledged: ack.is_some(),
        acknowledged_at: ack.map(|a| format_utc(a.at_ms)).unwrap_or_default(),
        acknowledged_by: ack.map(|a| a.owner.clone()).unwrap_or_default(),
        acknowledged_comment: ack.map(|a| a.comment.clone()).unwrap_or_default(),
        last_detection_id: 0,
        related_recovery_id: 0,
        kind: String::new(),
        recovery_type: String::new(),
        is_manual: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_recovery_types() {
        assert_eq!(recovery_type(AnalysisCode::DeadMaster), "MasterRecovery");
        assert_eq!(recovery_type(AnalysisCode::DeadMasterAndSomeReplicas), "MasterRecovery");
        assert_eq!(recovery_type(AnalysisCode::DeadCoMaster), "CoMasterRecovery");
        // orchestrator leaves the type empty for the read-only and semi-sync fixes.
        assert_eq!(recovery_type(AnalysisCode::NoWriteableMasterStructureWarning), "");
        assert_eq!(recovery_type(AnalysisCode::NoProblem), "");
        assert_eq!(
            recovery_type(AnalysisCode::DeadIntermediateMaster),
            "IntermediateMasterRecovery"
        );
        assert_eq!(recovery_type(AnalysisCode::UnreachableMaster), "");
    }
}
