//! Server functions for raft state.

use leptos::prelude::*;

use crate::api::dto::RaftStatusView;
use crate::api::error::ApiError;

/// This node's live raft status (state, leader, term, indexes, members).
#[server(prefix = "/sfn")]
pub async fn get_raft_status() -> Result<RaftStatusView, ApiError> {
    let plane = crate::api::port::control_plane()?;
    Ok(plane.raft_status().await)
}
