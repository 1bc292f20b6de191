//! `GET /api/cluster-promotion-plan/:clusterHint` (answered locally): which replica a master
//! recovery would promote if the cluster's master died now, which would move under it, which
//! would be lost and why each other one is passed over (`analysis_state::cluster_plan`).

use app::api::ApiError;
use app::core::promotion_plan::PromotionPlan;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::reply::{error, ok};
use crate::analysis_state::cluster_plan;
use crate::ports::AppState;

/// The route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/cluster-promotion-plan/{hint}", get(plan))
}

/// `Details` of the answer.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PlanJson {
    cluster_name: String,
    cluster_alias: String,
    /// Automated recovery would act (filters match, not disabled for the cluster).
    automated_recovery: bool,
    plan: PromotionPlan,
}

async fn plan(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    let snapshot = node.analysis.get();
    let Some(name) = snapshot.resolve_cluster(&hint) else {
        return error(ApiError::NotFound(format!(
            "Unable to determine cluster name. clusterHint={hint}"
        )));
    };
    let alias = snapshot.alias(&name);
    let Some(plan) = cluster_plan(&snapshot, &node.config, &name) else {
        return error(ApiError::NotFound(format!("the master of cluster {name} is not known")));
    };
    let disabled = match node.store.disabled_clusters().await {
        Ok(d) => d.iter().any(|c| *c == name || *c == alias),
        Err(e) => return error(ApiError::Internal(e.to_string())),
    };
    let automated_recovery =
        !disabled && node.config.recovery().master_filters.matches(&name, &alias);
    let message = match &plan.promoted {
        Some(k) => format!("if {} died now, {k} would be promoted", plan.master),
        None => format!("if {} died now, no replica would be promoted", plan.master),
    };
    ok(message, PlanJson { cluster_name: name, cluster_alias: alias, automated_recovery, plan })
}
