//! Clusters overview: one card per cluster, and the global recoveries switch.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::clusters::{ClusterCardView, ClustersView};

/// Every cluster this node observes.
#[server(prefix = "/sfn")]
pub async fn get_clusters() -> Result<ClustersView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        plane.clusters().await
    })
    .await
}

/// `on` → true, `off` → false; anything else is refused.
#[cfg(feature = "ssr")]
fn switch(value: &str) -> Result<bool, ApiError> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        other => {
            Err(ApiError::Validation(format!("invalid switch value {other:?}: expected on or off")))
        }
    }
}

/// Turns automated recoveries on (`enabled = "on"`) or off (`"off"`) for every cluster.
#[server(prefix = "/sfn")]
pub async fn set_global_recoveries(enabled: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let enabled = switch(&enabled)?;
        crate::api::port::submit(crate::core::Proposal::set_global_recoveries(enabled)).await
    })
    .await
}

/// Turns automated recovery of one cluster on (`enabled = "on"`) or off (`"off"`); `cluster` is
/// its alias (or its name when it has none).
#[server(prefix = "/sfn")]
pub async fn set_cluster_recovery(cluster: String, enabled: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let enabled = switch(&enabled)?;
        let proposal = crate::core::Proposal::set_cluster_recovery(&cluster, enabled)
            .map_err(|e| ApiError::Validation(e.to_string()))?;
        crate::api::port::submit(proposal).await
    })
    .await
}
