//! Reads of the replicated maintenance locks and audit log, with orchestrator's paths and JSON:
//! `/api/maintenance`, `/api/in-maintenance/:host/:port`, `/api/audit[/:page]`,
//! `/api/audit/instance/:host/:port[/:page]`. Served locally (identical on every node once
//! applied); taking and ending locks are writes (`write_routes`).

use app::core::audit::AuditEntry;
use app::core::maintenance::Maintenance;
use app::core::time_fmt::format_utc;
use app::core::InstanceKey;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::reply::{error, json_with, ok};
use super::topology_api::{parse_key, KeyPath};
use crate::error::internal;
use crate::ports::AppState;

/// The routes (merged into the local router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/maintenance", get(maintenance))
        .route("/api/in-maintenance/{host}/{port}", get(in_maintenance))
        .route("/api/audit", get(|s: State<AppState>| audit(s, None, String::new())))
        .route(
            "/api/audit/{page}",
            get(|s: State<AppState>, Path(page): Path<String>| audit(s, None, page)),
        )
        .route(
            "/api/audit/instance/{host}/{port}",
            get(|s: State<AppState>, Path((h, p)): KeyPath| audit(s, Some((h, p)), String::new())),
        )
        .route(
            "/api/audit/instance/{host}/{port}/{page}",
            get(|s: State<AppState>, Path((h, p, page)): Path<(String, String, String)>| {
                audit(s, Some((h, p)), page)
            }),
        )
}

/// orchestrator's `Maintenance` JSON.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaintenanceJson {
    maintenance_id: u64,
    key: InstanceKey,
    begin_timestamp: String,
    seconds_elapsed: i64,
    is_active: bool,
    owner: String,
    reason: String,
    end_timestamp: String,
}

impl MaintenanceJson {
    fn of(m: Maintenance, now_ms: i64) -> Self {
        MaintenanceJson {
            maintenance_id: m.id,
            is_active: m.is_active(now_ms),
            begin_timestamp: format_utc(m.begins_at_ms),
            end_timestamp: format_utc(m.ended_at_ms.unwrap_or(m.ends_at_ms)),
            seconds_elapsed: (now_ms - m.begins_at_ms).max(0) / 1000,
            key: m.key,
            owner: m.owner,
            reason: m.reason,
        }
    }
}

/// orchestrator's `Audit` JSON.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuditJson {
    audit_id: u64,
    audit_timestamp: String,
    audit_type: String,
    audit_instance_key: InstanceKey,
    message: String,
}

impl From<AuditEntry> for AuditJson {
    fn from(a: AuditEntry) -> Self {
        AuditJson {
            audit_id: a.id,
            audit_timestamp: format_utc(a.at_ms),
            audit_type: a.audit_type,
            audit_instance_key: a.key,
            message: a.message,
        }
    }
}

/// `GET /api/maintenance`: locks held now.
async fn maintenance(State(node): State<AppState>) -> Response {
    let now = node.clock.now_ms();
    match node.store.active_maintenance(now).await {
        Ok(rows) => json_with(
            StatusCode::OK,
            rows.into_iter().map(|m| MaintenanceJson::of(m, now)).collect::<Vec<_>>(),
        ),
        Err(e) => error(internal(e)),
    }
}

/// `GET /api/in-maintenance/:host/:port`: `Message` "true"/"false", `Details` the key or "".
async fn in_maintenance(State(node): State<AppState>, Path((host, port)): KeyPath) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    match node.store.active_maintenance(node.clock.now_ms()).await {
        Ok(rows) => {
            let held = rows.iter().any(|m| m.key == key);
            ok(held.to_string(), if held { key.to_string() } else { String::new() })
        }
        Err(e) => error(internal(e)),
    }
}

/// `GET /api/audit[...]`: newest first, 20 per page (a page that is not a number is page 0).
async fn audit(
    State(node): State<AppState>,
    instance: Option<(String, String)>,
    page: String,
) -> Response {
    let key = match instance.map(|(h, p)| parse_key(&h, &p)).transpose() {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    let page = page.parse::<usize>().unwrap_or(0);
    match node.store.audit_page(key.as_ref(), page).await {
        Ok(rows) => {
            json_with(StatusCode::OK, rows.into_iter().map(AuditJson::from).collect::<Vec<_>>())
        }
        Err(e) => error(internal(e)),
    }
}
