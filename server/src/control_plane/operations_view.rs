//! The dashboard's topology operations and the views around them: the plan of a move (the
//! core's `plan_relocation` over this node's topology), running an operation (locally on the
//! leader, else forwarded to the leader's `/internal/operate`), search, problems and the audit
//! log.

use std::time::Duration;

use app::api::audit::AuditRowView;
use app::api::operations::MovePlanView;
use app::api::search::InstanceHitView;
use app::api::ApiError;
use app::core::operation_result::OperationRequest;
use app::core::problems::is_listed_problem;
use app::core::relocation::{plan_relocation, Method};
use app::core::topology::Topology;
use app::core::InstanceKey;

use super::topology_view::{analyses_by_key, instance_box, marks};
use crate::error::internal;
use crate::ports::AppState;

/// How long a follower waits for the leader's answer (the leader answers within its own 25 s
/// wait, telling when the operation is still running).
const OPERATE_TIMEOUT: Duration = Duration::from_secs(32);

/// How moving `key` below `below` would be done, as this node's topology says.
pub fn plan_move(node: &AppState, key: &InstanceKey, below: &InstanceKey) -> MovePlanView {
    let snapshot = node.analysis.get();
    let (method, refusal) = match plan_relocation(&snapshot.topology, key, below) {
        Ok(m) => (Some(describe(m)), None),
        Err(r) => (None, Some(r.to_string())),
    };
    MovePlanView { instance: key.to_string(), below: below.to_string(), method, refusal }
}

fn describe(m: Method) -> String {
    m.describe().to_string()
}

/// Runs `request` on the leader: here when this node leads, else through the leader's
/// `/internal/operate` (the caller was authorized on this node).
pub async fn operate(node: &AppState, request: OperationRequest) -> Result<String, ApiError> {
    if node.member.is_leader_with_quorum() {
        let result = node.ops.operate(request.clone()).await?;
        return Ok(request.message(&result));
    }
    let unavailable = |why: &str| {
        ApiError::Unavailable(format!("{why}; the operation was not run, nothing was changed"))
    };
    let leader = node.member.leader().ok_or_else(|| unavailable("no raft leader is known"))?;
    let uri = node
        .member
        .route_to(leader)
        .await
        .ok_or_else(|| unavailable("the leader's address is unknown"))?;
    let response = node
        .member
        .peer_post(&format!("{uri}/internal/operate"))
        .timeout(OPERATE_TIMEOUT)
        .json(&request)
        .send()
        .await
        .map_err(|e| {
            if e.is_connect() {
                unavailable(&format!("cannot reach the leader at {uri}: {e}"))
            } else {
                ApiError::OutcomeUnknown(format!(
                    "no answer from the leader at {uri} ({e}); the operation may have run: check the topology"
                ))
            }
        })?;
    let status = response.status();
    response.json::<Result<String, ApiError>>().await.map_err(|e| {
        ApiError::OutcomeUnknown(format!("unreadable answer from the leader ({status}): {e}"))
    })?
}

/// Instances of `key`'s cluster other than itself: where the "move below…" form may move it.
pub fn move_targets(topology: &Topology, key: &InstanceKey) -> Vec<String> {
    let cluster = topology.cluster_of(key);
    topology
        .instances()
        .filter(|i| &i.key != key && topology.cluster_of(&i.key) == cluster)
        .map(|i| i.key.to_string())
        .collect()
}

/// The maintenance lock `key` is under, in words.
pub async fn maintenance_of(
    node: &AppState,
    key: &InstanceKey,
) -> Result<Option<String>, ApiError> {
    let locks = node.store.active_maintenance(node.clock.now_ms()).await.map_err(internal)?;
    Ok(locks.into_iter().find(|m| &m.key == key).map(|m| format!("{}: {}", m.owner, m.reason)))
}

/// Instances of the snapshot that `keep` selects, as boxes with their cluster.
async fn hits(
    node: &AppState,
    keep: impl Fn(&app::core::Instance, &str, &str, bool) -> bool,
) -> Result<Vec<InstanceHitView>, ApiError> {
    let snapshot = node.analysis.get();
    let topology = &snapshot.topology;
    let marks = marks(node).await?;
    let analyses = analyses_by_key(&snapshot);
    let mut out = Vec::new();
    for i in topology.instances() {
        let cluster = topology.cluster_of(&i.key).unwrap_or_default().to_string();
        let alias = snapshot.alias(&cluster);
        let boxed = instance_box(topology, &analyses, &marks, i);
        let downtimed = boxed.downtime.is_some();
        let listed = is_listed_problem(i, downtimed, &marks.problems);
        if keep(i, &cluster, &alias, listed) {
            out.push(InstanceHitView {
                instance: boxed,
                cluster_name: cluster,
                cluster_alias: alias,
            });
        }
    }
    Ok(out)
}

/// Instances whose key, cluster name or alias contains `text` (case-insensitively).
pub async fn search(node: &AppState, text: &str) -> Result<Vec<InstanceHitView>, ApiError> {
    let needle = text.to_ascii_lowercase();
    let has = |hay: &str| hay.to_ascii_lowercase().contains(&needle);
    hits(node, |i, cluster, alias, _| {
        has(&i.key.to_string()) || has(cluster) || has(alias) || has(&i.instance_alias)
    })
    .await
}

/// Every instance with a problem (as `/api/problems` lists them).
pub async fn problems(node: &AppState) -> Result<Vec<InstanceHitView>, ApiError> {
    let ignore = &node.config.analysis.problem_ignore;
    hits(node, |i, _, _, listed| listed && !ignore.matches(&i.key)).await
}

/// A page of the audit log.
pub async fn audit(node: &AppState, page: u32) -> Result<Vec<AuditRowView>, ApiError> {
    let rows = node.store.audit_page(None, page as usize).await.map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|a| AuditRowView {
            id: a.id,
            at_ms: a.at_ms,
            audit_type: a.audit_type,
            instance: a.key.to_string(),
            message: a.message,
        })
        .collect())
}
