//! Failure-detection and recovery audit reads with orchestrator's paths and `TopologyRecovery`
//! JSON: `/api/audit-failure-detection`, `/api/audit-recovery`, `/api/audit-recovery-steps`,
//! `/api/active-cluster-recovery`, `/api/recently-active-cluster-recovery`,
//! `/api/recently-active-instance-recovery`, `/api/blocked-recoveries`.
//!
//! Served locally from this node's replicated tables (identical on every node once applied).
//! Lists are newest first, 20 per page (orchestrator's `AuditPageSize`). orchestrator's numeric
//! `Id`s are per-backend auto-increments; here recoveries and detections are identified by their
//! replicated `UID`, and `Id` is derived as the 1-based position in start order, which is the same
//! on every node (until history is pruned). Blocked recoveries are not a table here: they are the
//! current actionable analyses the leader's gate (`decide`) would block, computed on read.

use app::api::ApiError;
use app::core::recovery::{decide, RecentRecovery, RecoveryDecision, RecoveryPolicy};
use app::core::time_fmt::format_utc;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::audit_json::{Audit, BlockedJson, RecoveryJson, Sel, StepJson};
use super::topology_api::{parse_key, reply, KeyPath};
use crate::error::internal;
use crate::ports::AppState;

/// The handlers' state extractor.
type St = State<AppState>;

/// orchestrator's `AuditPageSize`.
const PAGE_SIZE: usize = 20;

/// The audit routes (merged by `topology_api::routes`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/audit-failure-detection", get(|s: St| detections(s, Sel::All, 0)))
        .route(
            "/api/audit-failure-detection/{page}",
            get(|s: St, Path(p): Path<String>| paged_detections(s, Sel::All, p)),
        )
        .route(
            "/api/audit-failure-detection/id/{id}",
            get(|s: St, Path(id): Path<String>| detection_by_id(s, id)),
        )
        .route(
            "/api/audit-failure-detection/uid/{uid}",
            get(|s: St, Path(u): Path<String>| detections(s, Sel::Uid(u), 0)),
        )
        .route(
            "/api/audit-failure-detection/alias/{alias}",
            get(|s: St, Path(a): Path<String>| detections(s, Sel::Alias(a), 0)),
        )
        .route(
            "/api/audit-failure-detection/alias/{alias}/{page}",
            get(|s: St, Path((a, p)): Path<(String, String)>| {
                paged_detections(s, Sel::Alias(a), p)
            }),
        )
        .route("/api/audit-recovery", get(|s: St| recoveries(s, Sel::All, 0)))
        .route(
            "/api/audit-recovery/{page}",
            get(|s: St, Path(p): Path<String>| paged_recoveries(s, Sel::All, p)),
        )
        .route(
            "/api/audit-recovery/id/{id}",
            get(|s: St, Path(id): Path<String>| recovery_by_id(s, id)),
        )
        .route(
            "/api/audit-recovery/uid/{uid}",
            get(|s: St, Path(u): Path<String>| recoveries(s, Sel::Uid(u), 0)),
        )
        .route(
            "/api/audit-recovery/cluster/{name}",
            get(|s: St, Path(c): Path<String>| recoveries(s, Sel::Cluster(c), 0)),
        )
        .route(
            "/api/audit-recovery/cluster/{name}/{page}",
            get(|s: St, Path((c, p)): Path<(String, String)>| {
                paged_recoveries(s, Sel::Cluster(c), p)
            }),
        )
        .route(
            "/api/audit-recovery/alias/{alias}",
            get(|s: St, Path(a): Path<String>| recoveries(s, Sel::Alias(a), 0)),
        )
        .route(
            "/api/audit-recovery/alias/{alias}/{page}",
            get(|s: St, Path((a, p)): Path<(String, String)>| {
                paged_recoveries(s, Sel::Alias(a), p)
            }),
        )
        .route("/api/audit-recovery-steps/{uid}", get(steps))
        .route(
            "/api/active-cluster-recovery/{name}",
            get(|s: St, Path(c): Path<String>| recoveries(s, Sel::Active(c), 0)),
        )
        .route(
            "/api/recently-active-cluster-recovery/{name}",
            get(|s: St, Path(c): Path<String>| recoveries(s, Sel::RecentCluster(c), 0)),
        )
        .route(
            "/api/recently-active-instance-recovery/{host}/{port}",
            get(recently_active_instance),
        )
        .route("/api/blocked-recoveries", get(|s: St| blocked(s, None)))
        .route(
            "/api/blocked-recoveries/cluster/{name}",
            get(|s: St, Path(c): Path<String>| blocked(s, Some(c))),
        )
}

fn page_number(text: &str) -> Result<usize, ApiError> {
    text.parse().map_err(|_| {
        ApiError::Validation(format!("page must be a non-negative number, got {text:?}"))
    })
}

fn id_number(text: &str) -> Result<usize, ApiError> {
    text.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::Validation(format!("id must be a positive number, got {text:?}")))
}

/// Newest first, one page.
fn page<T>(mut items: Vec<T>, page: usize) -> Vec<T> {
    items.reverse();
    items.into_iter().skip(page.saturating_mul(PAGE_SIZE)).take(PAGE_SIZE).collect()
}

async fn recovery_list(
    node: AppState,
    sel: Sel,
    page_no: usize,
) -> Result<Vec<RecoveryJson>, ApiError> {
    let audit = Audit::load(node).await?;
    let all: Vec<RecoveryJson> = audit
        .recoveries
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .filter(|(id, r)| audit.recovery_matches(&sel, *id, r))
        .map(|(id, r)| audit.recovery_json(id, r))
        .collect();
    Ok(page(all, page_no))
}

async fn detection_list(
    node: AppState,
    sel: Sel,
    page_no: usize,
) -> Result<Vec<RecoveryJson>, ApiError> {
    let audit = Audit::load(node).await?;
    let all: Vec<RecoveryJson> = audit
        .detections
        .iter()
        .enumerate()
        .map(|(i, d)| (i + 1, d))
        .filter(|(id, d)| Audit::detection_matches(&sel, *id, d))
        .map(|(id, d)| audit.detection_json(id, d))
        .collect();
    Ok(page(all, page_no))
}

async fn recoveries(State(node): State<AppState>, sel: Sel, page_no: usize) -> Response {
    reply(recovery_list(node, sel, page_no).await)
}

async fn paged_recoveries(state: State<AppState>, sel: Sel, page_text: String) -> Response {
    match page_number(&page_text) {
        Ok(p) => recoveries(state, sel, p).await,
        Err(e) => reply::<()>(Err(e)),
    }
}

async fn recovery_by_id(state: State<AppState>, id_text: String) -> Response {
    match id_number(&id_text) {
        Ok(id) => recoveries(state, Sel::Id(id), 0).await,
        Err(e) => reply::<()>(Err(e)),
    }
}

async fn detections(State(node): State<AppState>, sel: Sel, page_no: usize) -> Response {
    reply(detection_list(node, sel, page_no).await)
}

async fn paged_detections(state: State<AppState>, sel: Sel, page_text: String) -> Response {
    match page_number(&page_text) {
        Ok(p) => detections(state, sel, p).await,
        Err(e) => reply::<()>(Err(e)),
    }
}

async fn detection_by_id(state: State<AppState>, id_text: String) -> Response {
    match id_number(&id_text) {
        Ok(id) => detections(state, Sel::Id(id), 0).await,
        Err(e) => reply::<()>(Err(e)),
    }
}

/// `GET /api/recently-active-instance-recovery/:host/:port`.
async fn recently_active_instance(state: State<AppState>, Path((host, port)): KeyPath) -> Response {
    match parse_key(&host, &port) {
        Ok(key) => recoveries(state, Sel::RecentInstance(key), 0).await,
        Err(e) => reply::<()>(Err(e)),
    }
}

/// `GET /api/audit-recovery-steps/:uid`: the steps of one recovery, in order.
async fn steps(State(node): State<AppState>, Path(uid): Path<String>) -> Response {
    let result = Audit::load(node).await.map(|audit| {
        audit
            .recoveries
            .iter()
            .filter(|r| r.record.uid == uid)
            .flat_map(|r| r.steps.iter())
            .enumerate()
            .map(|(i, s)| StepJson {
                id: i + 1,
                recovery_uid: s.uid.clone(),
                audit_at: format_utc(s.at_ms),
                message: s.message.clone(),
            })
            .collect::<Vec<_>>()
    });
    reply(result)
}

/// `GET /api/blocked-recoveries[/cluster/:clusterName]`: current actionable analyses that the
/// anti-flapping block period stops, with the recovery blocking each.
async fn blocked(State(node): State<AppState>, cluster: Option<String>) -> Response {
    let result = async {
        let audit = Audit::load(node.clone()).await?;
        let disabled = node.store.global_recoveries_disabled().await.map_err(internal)?;
        let cfg = &node.config.recovery();
        let policy = RecoveryPolicy {
            master_filters: cfg.master_filters.clone(),
            intermediate_master_filters: cfg.intermediate_master_filters.clone(),
            recovery_period_block_ms: audit.block_ms(),
            recover_locked_semi_sync: cfg.recover_locked_semi_sync,
            enforce_exact_semi_sync: node.config.analysis.config.enforce_exact_semi_sync_replicas,
            disabled_clusters: node.store.disabled_clusters().await.map_err(internal)?,
        };
        let recent: Vec<RecentRecovery> = audit
            .recoveries
            .iter()
            .map(|r| RecentRecovery {
                successor: r
                    .resolution
                    .as_ref()
                    .and_then(|x| x.successor.as_ref())
                    .map(|k| k.to_string()),
                uid: r.record.uid.clone(),
                cluster_name: r.record.cluster_name.clone(),
                started_at_ms: r.record.started_at_ms,
                acknowledged: r.ack.is_some(),
                is_failover: r.record.analysis.recovery_kind().is_none_or(|k| k.is_failover()),
            })
            .collect();
        let now = audit.view.now_ms;
        let out: Vec<BlockedJson> = audit
            .view
            .snapshot
            .analyses
            .iter()
            .filter(|a| cluster.as_ref().is_none_or(|c| &a.cluster_name == c))
            .filter_map(|a| match decide(a, &policy, disabled, &recent, now) {
                RecoveryDecision::Blocked { by_uid } => Some(BlockedJson {
                    failed_instance_key: a.analyzed_instance_key.clone(),
                    cluster_name: a.cluster_name.clone(),
                    analysis: a.analysis.as_str().to_string(),
                    last_blocked_timestamp: format_utc(audit.view.snapshot.at_ms),
                    blocking_recovery_id: audit
                        .recoveries
                        .iter()
                        .position(|r| r.record.uid == by_uid)
                        .map_or(0, |i| i + 1),
                    blocking_recovery_uid: by_uid,
                }),
                _ => None,
            })
            .collect();
        Ok::<_, ApiError>(out)
    };
    reply(result.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_newest_first_and_parses_numbers() {
        let items: Vec<usize> = (1..=45).collect();
        assert_eq!(page(items.clone(), 0).first(), Some(&45));
        assert_eq!(page(items.clone(), 0).len(), PAGE_SIZE);
        assert_eq!(page(items.clone(), 2), vec![5, 4, 3, 2, 1]);
        assert!(page(items, 3).is_empty());
        assert!(page_number("x").is_err() && id_number("0").is_err() && id_number("3").is_ok());
    }
}
