//! Write endpoints (orchestrator paths, GET). Each validates, then goes through the same
//! `Node::submit` as the dashboard; on a follower the proxy layer has already sent the request
//! to the leader. Bad input is a 400 and nothing is proposed.

use app::api::ApiError;
use app::core::{CommandOutcome, DowntimeRequest, InstanceKey, PromotionRule, Proposal};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::reply::{error, json_with, ok};
use crate::ports::AppState;

async fn submit<D: serde::Serialize>(
    node: &AppState,
    proposal: Proposal,
    done: String,
    details: D,
) -> Response {
    match node.commands.submit(proposal).await {
        Ok(CommandOutcome::Applied) => ok(done, details),
        Ok(CommandOutcome::Unchanged { reason } | CommandOutcome::Skipped { reason }) => {
            ok(reason, details)
        }
        Err(e) => error(e),
    }
}

fn parse_key(host: &str, port: &str) -> Result<InstanceKey, ApiError> {
    Ok(InstanceKey::parse(host, port)?)
}

/// `/api/begin-downtime/:host/:port/:owner/:reason` (10 minutes).
pub async fn begin_downtime(
    State(node): State<AppState>,
    Path((host, port, owner, reason)): Path<(String, String, String, String)>,
) -> Response {
    begin(&node, &host, &port, &owner, &reason, "").await
}

/// `/api/begin-downtime/:host/:port/:owner/:reason/:duration`.
pub async fn begin_downtime_for(
    State(node): State<AppState>,
    Path((host, port, owner, reason, duration)): Path<(String, String, String, String, String)>,
) -> Response {
    begin(&node, &host, &port, &owner, &reason, &duration).await
}

async fn begin(
    node: &AppState,
    host: &str,
    port: &str,
    owner: &str,
    reason: &str,
    duration: &str,
) -> Response {
    let request = parse_key(host, port)
        .and_then(|key| Ok(DowntimeRequest::parse(key, owner, reason, duration)?));
    match request {
        Ok(req) => {
            let key = req.key.clone();
            submit(node, Proposal::BeginDowntime(req), format!("Downtime begun: {key}"), Some(key))
                .await
        }
        Err(e) => error(e),
    }
}

/// `/api/end-downtime/:host/:port`.
pub async fn end_downtime(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    match parse_key(&host, &port) {
        Ok(key) => {
            submit(
                &node,
                Proposal::EndDowntime(key.clone()),
                format!("Downtime ended: {key}"),
                Some(key),
            )
            .await
        }
        Err(e) => error(e),
    }
}

/// `/api/register-candidate/:host/:port/:promotionRule`.
pub async fn register_candidate(
    State(node): State<AppState>,
    Path((host, port, rule)): Path<(String, String, String)>,
) -> Response {
    let parsed = parse_key(&host, &port).and_then(|key| Ok((key, rule.parse::<PromotionRule>()?)));
    match parsed {
        Ok((key, promotion_rule)) => {
            let done = format!("Registered candidate: {key} ({promotion_rule})");
            submit(
                &node,
                Proposal::RegisterCandidate { key: key.clone(), promotion_rule },
                done,
                Some(key),
            )
            .await
        }
        Err(e) => error(e),
    }
}

/// `/api/deregister-candidate/:host/:port` (not in orchestrator, which only lets rules expire).
pub async fn deregister_candidate(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    match parse_key(&host, &port) {
        Ok(key) => {
            let done = format!("Candidate deregistered: {key}");
            submit(&node, Proposal::DeregisterCandidate(key.clone()), done, Some(key)).await
        }
        Err(e) => error(e),
    }
}

/// `/api/forget/:host/:port`.
pub async fn forget(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    match parse_key(&host, &port) {
        Ok(key) => {
            submit(
                &node,
                Proposal::Forget(key.clone()),
                format!("Instance forgotten: {key}"),
                Some(key),
            )
            .await
        }
        Err(e) => error(e),
    }
}

/// `/api/disable-global-recoveries`.
pub async fn disable_global_recoveries(State(node): State<AppState>) -> Response {
    let p = Proposal::SetGlobalRecoveries { enabled: false };
    submit(&node, p, "Global recoveries disabled".into(), "disabled").await
}

/// `/api/enable-global-recoveries`.
pub async fn enable_global_recoveries(State(node): State<AppState>) -> Response {
    let p = Proposal::SetGlobalRecoveries { enabled: true };
    submit(&node, p, "Global recoveries enabled".into(), "enabled").await
}

/// `/api/routed-leader-check`: reached the leader (directly or through the proxy) → 200.
pub async fn routed_leader_check(State(node): State<AppState>) -> Response {
    if node.member.is_leader_with_quorum() {
        json_with(StatusCode::OK, "OK")
    } else {
        json_with(StatusCode::NOT_FOUND, "Not leader")
    }
}
