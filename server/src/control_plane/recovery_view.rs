//! Recovery views: recoveries (active and past, with steps and acknowledgements) and failure
//! detections from this node's store, and the manual recovery the instance panel starts on the
//! leader (the same `recovery::recover` the HTTP API's `/api/recover` runs).

use app::api::recovery::{AckView, DetectionView, RecoveriesView, RecoveryView, StepView};
use app::api::ApiError;
use app::core::recovery::RecoveryAck;
use app::core::InstanceKey;

use crate::error::internal;
use crate::ports::AppState;
use crate::store::recovery_tables::{StoredDetection, StoredRecovery};
use app::core::recovery_run::{RecoveryError, Trigger};

fn ack_view(ack: Option<RecoveryAck>) -> Option<AckView> {
    ack.map(|a| AckView { owner: a.owner, comment: a.comment, at_ms: a.at_ms })
}

fn recovery_view(r: StoredRecovery) -> RecoveryView {
    let res = r.resolution;
    RecoveryView {
        uid: r.record.uid,
        cluster_name: r.record.cluster_name,
        cluster_alias: r.record.cluster_alias,
        failed: r.record.key.to_string(),
        analysis: r.record.analysis.as_str().to_string(),
        operation: r.record.operation,
        is_manual: r.record.is_manual,
        started_at_ms: r.record.started_at_ms,
        processing_node: r.record.processing_node,
        processing_node_name: String::new(),
        ended_at_ms: res.as_ref().map(|x| x.ended_at_ms),
        is_successful: res.as_ref().map(|x| x.is_successful),
        successor: res.as_ref().and_then(|x| x.successor.as_ref().map(|k| k.to_string())),
        lost_replicas: res
            .as_ref()
            .map(|x| x.lost_replicas.iter().map(|k| k.to_string()).collect())
            .unwrap_or_default(),
        error: res.and_then(|x| x.error),
        steps: r
            .steps
            .into_iter()
            .map(|s| StepView { at_ms: s.at_ms, message: s.message })
            .collect(),
        ack: ack_view(r.ack),
    }
}

fn detection_view(d: StoredDetection) -> DetectionView {
    let x = d.detection;
    DetectionView {
        uid: x.uid,
        failed: x.key.to_string(),
        cluster_name: x.cluster_name,
        cluster_alias: x.cluster_alias,
        analysis: x.analysis.as_str().to_string(),
        count_replicas: x.count_replicas,
        is_actionable: x.is_actionable,
        detected_at_ms: x.detected_at_ms,
        processing_node: x.processing_node,
        processing_node_name: String::new(),
        ack: ack_view(d.ack),
    }
}

/// Recoveries (active, then past, newest first) and detections (newest first).
pub async fn recoveries(node: &AppState) -> Result<RecoveriesView, ApiError> {
    let stored = node.store.all_recoveries().await.map_err(internal)?;
    let detections = node.store.all_detections().await.map_err(internal)?;
    let (mut active, mut past): (Vec<RecoveryView>, Vec<RecoveryView>) =
        stored.into_iter().map(recovery_view).partition(|r| r.ended_at_ms.is_none());
    active.reverse();
    past.reverse();
    let mut detections: Vec<DetectionView> = detections.into_iter().map(detection_view).collect();
    detections.reverse();
    // People read raft addresses, not 16-digit node ids.
    let members = node.member.members();
    let name = |id: u64| {
        members
            .iter()
            .find(|m| m.id == id)
            .map_or_else(|| format!("node {id}"), |m| m.raft_addr.clone())
    };
    for r in active.iter_mut().chain(past.iter_mut()) {
        r.processing_node_name = name(r.processing_node);
    }
    for d in &mut detections {
        d.processing_node_name = name(d.processing_node);
    }
    Ok(RecoveriesView { active, past, detections })
}

/// Manual recovery of `key`'s actionable failure. Leader only; the recovery is registered
/// through raft before any server is touched, as every recovery.
pub async fn recover(node: &AppState, key: InstanceKey) -> Result<String, ApiError> {
    if !node.member.is_leader_with_quorum() {
        return Err(ApiError::Unavailable(
            "recoveries run on the raft leader, and this node is not the leader with a quorum; use the leader's dashboard".into(),
        ));
    }
    let snapshot = node.analysis.get();
    let Some(analysis) = snapshot
        .analyses
        .iter()
        .find(|a| a.analyzed_instance_key == key && a.analysis.is_actionable())
        .cloned()
    else {
        return Err(ApiError::Validation(format!(
            "no actionable failure is detected on {key}; nothing to recover"
        )));
    };
    let trigger = Trigger { manual: true, candidate: None, operation: "recover" };
    match node.ops.recover(analysis, trigger).await {
        Ok(r) if r.is_successful => Ok(match r.successor {
            Some(s) => format!("Recovery of {key} done: {s} is the new master"),
            None => format!("Recovery of {key} done"),
        }),
        Ok(r) => Err(ApiError::Internal(format!(
            "recovery of {key} failed: {}",
            r.error.unwrap_or_default()
        ))),
        Err(RecoveryError::Blocked(m)) => {
            Err(ApiError::Validation(format!("recovery blocked: {m}")))
        }
        Err(e @ (RecoveryError::NotRegistered(_) | RecoveryError::LostLeadership)) => {
            Err(ApiError::Unavailable(e.to_string()))
        }
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}
