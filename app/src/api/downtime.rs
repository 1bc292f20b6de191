//! Downtimes: list, begin, end. Both writes go through the node's single path into raft.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::downtime::DowntimeView;

/// Active downtimes in the serving node's store.
#[server(prefix = "/sfn")]
pub async fn get_downtimes() -> Result<Vec<DowntimeView>, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
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
        use crate::core::{InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        crate::api::port::submit(Proposal::begin_downtime(key, &owner, &reason, &duration)?).await
    })
    .await
}

/// Ends the downtime of `instance`.
#[server(prefix = "/sfn")]
pub async fn end_downtime(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        crate::api::port::submit(Proposal::end_downtime(key)).await
    })
    .await
}
