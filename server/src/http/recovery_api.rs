//! Recovery and topology-changing endpoints (leader operations, proxied from followers):
//! recover, forced failover, graceful takeover, acknowledgements, discover, forget-cluster,
//! set-cluster-alias. Manual operations ignore cluster filters, downtime and the block period,
//! but are still registered through raft before any server is touched.

use std::collections::HashMap;

use app::api::ApiError;
use app::core::recovery::AckSelector;
use app::core::{
    AnalysisCode, Command, CommandEnvelope, DomainError, InstanceKey, Proposal, ReplicationAnalysis,
};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::reply::{error, ok};
use crate::ports::AppState;
use app::core::recovery::RecoveryResolution;
use app::core::recovery_run::{RecoveryError, Trigger};

/// Routes (mounted behind the follower → leader proxy).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/recover/{host}/{port}", get(recover_instance))
        .route("/api/recover/{host}/{port}/{chost}/{cport}", get(recover_with_candidate))
        .route("/api/recover-lite/{host}/{port}", get(recover_instance))
        .route("/api/recover-lite/{host}/{port}/{chost}/{cport}", get(recover_with_candidate))
        .route("/api/force-master-takeover/{hint}/{dhost}/{dport}", get(force_master_takeover))
        .route(
            "/api/force-master-takeover/{host}/{port}/{dhost}/{dport}",
            get(force_master_takeover_key),
        )
        .route(
            "/api/graceful-master-takeover/{host}/{port}/{dhost}/{dport}",
            get(graceful_key_designated),
        )
        .route("/api/graceful-master-takeover-auto/{host}/{port}", get(graceful_key))
        .route(
            "/api/graceful-master-takeover-auto/{host}/{port}/{dhost}/{dport}",
            get(graceful_key_designated),
        )
        .route("/api/force-master-failover/{hint}", get(force_master_failover))
        .route("/api/force-master-failover/{host}/{port}", get(force_master_failover_key))
        .route("/api/graceful-master-takeover/{hint}", get(graceful_auto))
        .route("/api/graceful-master-takeover/{host}/{port}", get(graceful_key))
        .route("/api/graceful-master-takeover/{hint}/{dhost}/{dport}", get(graceful_designated))
        .route("/api/graceful-master-takeover-auto/{hint}", get(graceful_auto))
        .route(
            "/api/graceful-master-takeover-auto/{hint}/{dhost}/{dport}",
            get(graceful_designated),
        )
        .route("/api/ack-recovery/cluster/{hint}", get(ack_cluster))
        .route("/api/ack-recovery/cluster/alias/{alias}", get(ack_cluster))
        .route("/api/ack-recovery/instance/{host}/{port}", get(ack_instance))
        .route("/api/ack-recovery/uid/{uid}", get(ack_uid))
        .route("/api/ack-recovery/{uid}", get(ack_uid))
        .route("/api/ack-all-recoveries", get(ack_all))
        .route("/api/discover/{host}/{port}", get(discover))
        .route("/api/forget-cluster/{hint}", get(forget_cluster))
        .route("/api/set-cluster-alias/{cluster}", get(set_cluster_alias))
}

fn key(host: &str, port: &str) -> Result<InstanceKey, ApiError> {
    Ok(InstanceKey::parse(host, port)?)
}

fn leader_only(node: &AppState) -> Result<(), ApiError> {
    if node.member.is_leader_with_quorum() {
        Ok(())
    } else {
        Err(ApiError::Unavailable(
            "this operation runs on the raft leader, and no leader with a quorum was reached"
                .into(),
        ))
    }
}

fn recovery_error(e: RecoveryError) -> ApiError {
    match e {
        RecoveryError::Blocked(m) => ApiError::Validation(format!("recovery blocked: {m}")),
        RecoveryError::NotRegistered(m) => {
            ApiError::Unavailable(format!("recovery not registered through raft: {m}"))
        }
        RecoveryError::LostLeadership => ApiError::Unavailable(e.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TakeoverDetails {
    #[serde(rename = "UID")]
    uid: String,
    successor_key: Option<InstanceKey>,
    lost_replicas: Vec<InstanceKey>,
    is_successful: bool,
}

impl TakeoverDetails {
    fn of(r: RecoveryResolution) -> TakeoverDetails {
        TakeoverDetails {
            uid: r.uid,
            successor_key: r.successor,
            lost_replicas: r.lost_replicas,
            is_successful: r.is_successful,
        }
    }
}

async fn run_recovery(node: AppState, analysis: ReplicationAnalysis, trigger: Trigger) -> Response {
    let key = analysis.analyzed_instance_key.clone();
    // orchestrator answers a forced failover with the recovery (the client reads
    // `Details.SuccessorKey`), and `recover` with the promoted key itself.
    let forced = trigger.operation.starts_with("force-");
    match node.ops.recover(analysis, trigger).await {
        Ok(r) if r.is_successful && forced => ok("Master failed over", TakeoverDetails::of(r)),
        Ok(r) if r.is_successful => match r.successor {
            Some(successor) => ok(format!("Recovery executed on {key}"), successor),
            None => ok(format!("Recovery executed on {key}"), serde_json::Value::Null),
        },
        Ok(r) => error(ApiError::Internal(format!(
            "recovery of {key} failed: {}",
            r.error.unwrap_or_default()
        ))),
        Err(e) => error(recovery_error(e)),
    }
}

async fn manual_recover(
    node: AppState,
    key: InstanceKey,
    candidate: Option<InstanceKey>,
) -> Response {
    if let Err(e) = leader_only(&node) {
        return error(e);
    }
    let snapshot = node.analysis.get();
    let Some(analysis) = snapshot
        .analyses
        .iter()
        .find(|a| a.analyzed_instance_key == key && a.analysis.is_actionable())
    else {
        return error(ApiError::Validation(format!(
            "no actionable failure is detected on {key}; nothing to recover"
        )));
    };
    run_recovery(
        node.clone(),
        analysis.clone(),
        Trigger { manual: true, candidate, operation: "recover" },
    )
    .await
}

async fn recover_instance(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    match key(&host, &port) {
        Ok(k) => manual_recover(node, k, None).await,
        Err(e) => error(e),
    }
}

async fn recover_with_candidate(
    State(node): State<AppState>,
    Path((host, port, chost, cport)): Path<(String, String, String, String)>,
) -> Response {
    match (key(&host, &port), key(&chost, &cport)) {
        (Ok(k), Ok(c)) => manual_recover(node, k, Some(c)).await,
        (Err(e), _) | (_, Err(e)) => error(e),
    }
}

fn resolve_cluster(node: &AppState, hint: &str) -> Result<String, ApiError> {
    node.analysis
        .get()
        .resolve_cluster(hint)
        .ok_or_else(|| ApiError::NotFound(format!("unknown cluster {hint:?}")))
}

async fn force(node: AppState, cluster: Result<String, ApiError>) -> Response {
    force_to(node, cluster, Ok(None)).await
}

/// A forced failover of `cluster`'s master, to `candidate` when given (`force-master-takeover`).
async fn force_to(
    node: AppState,
    cluster: Result<String, ApiError>,
    candidate: Result<Option<InstanceKey>, ApiError>,
) -> Response {
    let candidate = match candidate {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    if let Err(e) = leader_only(&node) {
        return error(e);
    }
    let cluster = match cluster {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    let snapshot = node.analysis.get();
    let Some(mut analysis) =
        snapshot.master_of_cluster(&cluster).and_then(|m| snapshot.analysis_of(&m))
    else {
        return error(ApiError::NotFound(format!("cluster {cluster} has no known master")));
    };
    analysis.analysis = AnalysisCode::DeadMaster;
    run_recovery(
        node,
        analysis,
        Trigger {
            manual: true,
            operation: if candidate.is_some() {
                "force-master-takeover"
            } else {
                "force-master-failover"
            },
            candidate,
        },
    )
    .await
}

async fn force_master_failover(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    let cluster = resolve_cluster(&node, &hint);
    force(node, cluster).await
}

async fn force_master_takeover(
    State(node): State<AppState>,
    Path((hint, dhost, dport)): Path<(String, String, String)>,
) -> Response {
    let cluster = resolve_cluster(&node, &hint);
    force_to(node, cluster, key(&dhost, &dport).map(Some)).await
}

async fn force_master_takeover_key(
    State(node): State<AppState>,
    Path((host, port, dhost, dport)): Path<(String, String, String, String)>,
) -> Response {
    let cluster = key(&host, &port).and_then(|k| resolve_cluster(&node, &k.to_string()));
    force_to(node, cluster, key(&dhost, &dport).map(Some)).await
}

async fn force_master_failover_key(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    let cluster = key(&host, &port).and_then(|k| resolve_cluster(&node, &k.to_string()));
    force(node, cluster).await
}

async fn takeover(
    node: AppState,
    cluster: Result<String, ApiError>,
    designated: Result<Option<InstanceKey>, ApiError>,
) -> Response {
    if let Err(e) = leader_only(&node) {
        return error(e);
    }
    let (cluster, designated) = match (cluster, designated) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(e), _) | (_, Err(e)) => return error(e),
    };
    match node.ops.takeover(&cluster, designated).await {
        Ok(r) => {
            let message = format!(
                "graceful-master-takeover: {} is the new master of {cluster}",
                fmt_key(&r.successor)
            );
            ok(message, TakeoverDetails::of(r))
        }
        Err(e) => error(recovery_error(e)),
    }
}

fn fmt_key(k: &Option<InstanceKey>) -> String {
    k.as_ref().map(|k| k.to_string()).unwrap_or_default()
}

async fn graceful_auto(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    let cluster = resolve_cluster(&node, &hint);
    takeover(node, cluster, Ok(None)).await
}

async fn graceful_key(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    let cluster = key(&host, &port).and_then(|k| resolve_cluster(&node, &k.to_string()));
    takeover(node, cluster, Ok(None)).await
}

async fn graceful_key_designated(
    State(node): State<AppState>,
    Path((host, port, dhost, dport)): Path<(String, String, String, String)>,
) -> Response {
    let cluster = key(&host, &port).and_then(|k| resolve_cluster(&node, &k.to_string()));
    takeover(node, cluster, key(&dhost, &dport).map(Some)).await
}

async fn graceful_designated(
    State(node): State<AppState>,
    Path((hint, dhost, dport)): Path<(String, String, String)>,
) -> Response {
    let cluster = resolve_cluster(&node, &hint);
    takeover(node, cluster, key(&dhost, &dport).map(Some)).await
}

/// The caller's name for audit: proxy/basic-auth user when present.
fn owner(headers: &HeaderMap) -> String {
    headers
        .get("x-forwarded-user")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(String::from)
        .unwrap_or_else(|| "api".into())
}

async fn ack(
    node: &AppState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    selector: AckSelector,
) -> Response {
    let comment = query.get("comment").map(String::as_str).unwrap_or("");
    let proposal = Proposal::ack_recovery(selector, &owner(headers), comment).map_err(|e| {
        DomainError::field("comment", format!("{e} (acknowledging needs ?comment=...)"))
    });
    super::write_routes::submit(node, proposal).await
}

async fn ack_cluster(
    State(node): State<AppState>,
    headers: HeaderMap,
    Path(hint): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let cluster = node.analysis.get().resolve_cluster(&hint).unwrap_or(hint);
    ack(&node, &headers, &q, AckSelector::Cluster(cluster)).await
}

async fn ack_instance(
    State(node): State<AppState>,
    headers: HeaderMap,
    Path((host, port)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match key(&host, &port) {
        Ok(k) => ack(&node, &headers, &q, AckSelector::Instance(k)).await,
        Err(e) => error(e),
    }
}

async fn ack_uid(
    State(node): State<AppState>,
    headers: HeaderMap,
    Path(uid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let comment = q.get("comment").map(String::as_str).unwrap_or("");
    let proposal = Proposal::ack_recovery_uid(&uid, &owner(&headers), comment);
    super::write_routes::submit(&node, proposal).await
}

async fn ack_all(
    State(node): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ack(&node, &headers, &q, AckSelector::All).await
}

async fn discover(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    let key = match key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    if let Err(e) = leader_only(&node) {
        return error(e);
    }
    let instance = match node.ops.probe(key.clone()).await {
        Ok(i) => i,
        Err(e) => return error(ApiError::Validation(format!("cannot discover {key}: {e}"))),
    };
    let env =
        CommandEnvelope::new(Command::Discover(key.clone()), node.clock.now_ms(), node.member.id());
    if let Err(e) = node.commands.propose(env, false).await {
        return error(e.into());
    }
    // orchestrator answers with the instance it read, in full.
    match super::topology_api::View::load(&node).await {
        Ok(view) => ok(format!("Instance discovered: {key}"), view.json(&instance)),
        Err(e) => error(e),
    }
}

async fn forget_cluster(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    match resolve_cluster(&node, &hint) {
        Ok(cluster) => {
            let keys = node
                .analysis
                .get()
                .topology
                .cluster(&cluster)
                .map(|c| c.members)
                .unwrap_or_default();
            super::write_routes::submit(&node, Ok(Proposal::forget_cluster(cluster, keys))).await
        }
        Err(e) => error(e),
    }
}

async fn set_cluster_alias(
    State(node): State<AppState>,
    Path(cluster): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let alias = q.get("alias").map(String::as_str).unwrap_or("");
    super::write_routes::submit(&node, Proposal::set_cluster_alias(&cluster, alias)).await
}
