//! Downtimes: list, begin, end. Both writes go through the node's single path into raft.

use leptos::prelude::*;

use crate::api::dto::DowntimeView;
use crate::api::error::ApiError;

/// Active downtimes in the serving node's store.
#[server(prefix = "/sfn")]
pub async fn get_downtimes() -> Result<Vec<DowntimeView>, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::control_plane()?;
        plane.downtimes().await
    })
    .await
}

/// Begins a downtime on `instance` (`host:port`). `duration` is `30s`, `10m`, `2h`, `1d` or
/// seconds; empty means 10 minutes.
#[server(prefix = "/sfn")]
pub async fn begin_downtime(
    instance: String,
    owner: String,
    reason: String,
    duration: String,
) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{CommandOutcome, DowntimeRequest, InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        let request = DowntimeRequest::parse(key.clone(), &owner, &reason, &duration)?;
        let length = crate::core::duration::format_duration_ms(request.duration_ms);
        let plane = crate::api::port::control_plane()?;
        match plane.submit(Proposal::BeginDowntime(request)).await? {
            CommandOutcome::Applied => Ok(format!("Downtime begun on {key} for {length}")),
            CommandOutcome::Unchanged { reason } | CommandOutcome::Skipped { reason } => Ok(reason),
        }
    })
    .await
}

/// Ends the downtime of `instance`.
#[server(prefix = "/sfn")]
pub async fn end_downtime(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{CommandOutcome, InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        let plane = crate::api::port::control_plane()?;
        match plane.submit(Proposal::EndDowntime(key.clone())).await? {
            CommandOutcome::Applied => Ok(format!("Downtime ended on {key}")),
            CommandOutcome::Unchanged { reason } | CommandOutcome::Skipped { reason } => Ok(reason),
        }
    })
    .await
}
