//! Server functions for raft state: the serving node's status, every member's own view, and
//! leadership transfer.

use leptos::prelude::*;

use crate::api::dto::RaftStatusView;
use crate::api::error::ApiError;

pub use super::dto::raft::{MemberStatusView, RaftPageView};

/// This node's live raft status (state, leader, term, indexes, members).
#[server(prefix = "/sfn")]
pub async fn get_raft_status() -> Result<RaftStatusView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        Ok(plane.raft_status().await)
    })
    .await
}

/// This node's status plus every member's own report.
#[server(prefix = "/sfn")]
pub async fn get_raft_page() -> Result<RaftPageView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        Ok(plane.raft_page().await)
    })
    .await
}

/// Hands leadership to member `target` (its raft id).
#[server(prefix = "/sfn")]
pub async fn transfer_leadership(target: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let id: u64 = target.trim().parse().map_err(|_| {
            ApiError::Validation(format!(
                "invalid member id {target:?}: choose a member from the list"
            ))
        })?;
        let plane = crate::api::port::commands()?;
        let message = plane.transfer_leadership(id).await?;
        Ok(format!("Leadership transfer to node {id} requested: {message}"))
    })
    .await
}

/// Adds (`change` = `add`) or removes (`remove`) the raft member at `addr`; carried out by the
/// leader. `confirm` must be `yes`.
#[server(prefix = "/sfn")]
pub async fn change_raft_membership(
    change: String,
    addr: String,
    confirm: Option<String>,
) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let addr = addr.trim().to_string();
        if addr.is_empty() {
            return Err(ApiError::Validation("give the member's raft address, host:port".into()));
        }
        let change = match change.as_str() {
            "add" => crate::core::membership::MembershipChange::Add(addr),
            "remove" => crate::core::membership::MembershipChange::Remove(addr),
            other => {
                return Err(ApiError::Validation(format!(
                    "unknown membership change {other:?}: add or remove"
                )))
            }
        };
        if confirm.as_deref() != Some("yes") {
            return Err(ApiError::Validation(
                "tick the box to confirm the membership change".into(),
            ));
        }
        crate::api::port::commands()?.change_membership(change).await
    })
    .await
}
