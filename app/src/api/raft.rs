//! Server functions for raft state: the serving node's status, every member's own view, and
//! leadership transfer.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::dto::RaftStatusView;
use crate::api::error::ApiError;

/// One member as it reports itself (asked by the serving node with a short timeout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStatusView {
    /// Raft id.
    pub id: u64,
    /// Raft address.
    pub raft_addr: String,
    /// HTTP URI, when known.
    pub http_uri: Option<String>,
    /// `Leader`, `Follower`, `Candidate`, … or `Unreachable` when it did not answer.
    pub role: String,
    /// Leader, or follower of a known leader.
    pub healthy: bool,
    /// Its term.
    pub term: Option<u64>,
    /// Its last log index.
    pub last_log_index: Option<u64>,
    /// Its applied index.
    pub applied_index: Option<u64>,
    /// The leader it knows of.
    pub leader_id: Option<u64>,
}

/// The raft page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftPageView {
    /// The serving node's status.
    pub status: RaftStatusView,
    /// Every member's own view.
    pub members: Vec<MemberStatusView>,
}

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
