//! `reload-configuration`: this node re-reads its config file; recovery filters, timings and
//! hooks take effect at once, any other changed key is listed as needing a restart (and not
//! applied). Each node reloads its own file: ask every node.

use app::api::ApiError;
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Map};

use super::reply::{error, ok};
use crate::config::reload;
use crate::ports::AppState;

/// `GET|POST /api/reload-configuration`.
pub async fn reload_configuration(State(node): State<AppState>) -> Response {
    let Some(path) = node.config.origin.source.clone() else {
        return error(ApiError::Validation(
            "this node was not started from a config file; nothing to reload".into(),
        ));
    };
    let text = match tokio::fs::read_to_string(&path).await {
        Ok(t) => t,
        Err(e) => {
            return error(ApiError::Validation(format!("cannot read {}: {e}", path.display())))
        }
    };
    let (next, plan) = match reload::plan(&node.config, &text) {
        Ok(p) => p,
        Err(e) => return error(ApiError::Validation(format!("{e}; nothing was reloaded"))),
    };
    reload::apply(&node.config, &next, &plan);
    let empty = Map::new();
    let values: Map<String, serde_json::Value> = plan
        .applied
        .iter()
        .map(|k| {
            (k.clone(), reload::shown(k, next.origin.raw.0.as_object().unwrap_or(&empty).get(k)))
        })
        .collect();
    tracing::info!(applied = ?plan.applied, refused = ?plan.refused, "reload-configuration");
    let message = if plan.refused.is_empty() {
        format!("Config reloaded: {} key(s) applied", plan.applied.len())
    } else {
        format!(
            "Config reloaded: {} key(s) applied; not applied, need a restart: {}",
            plan.applied.len(),
            plan.refused.join(", ")
        )
    };
    ok(
        message,
        json!({"Applied": values, "Refused": plan.refused, "File": path.display().to_string()}),
    )
}
