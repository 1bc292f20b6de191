//! Cluster topology: the replication tree of one cluster, one box per instance.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::topology::{DowntimeBadge, InstanceBoxView, TopologyNodeView, TopologyView};

/// The topology of the cluster named `cluster` (its name or alias).
#[server(prefix = "/sfn")]
pub async fn get_topology(cluster: String) -> Result<TopologyView, ApiError> {
    crate::api::status::respond(async move {
        if cluster.is_empty() || cluster.len() > 512 {
            return Err(ApiError::Validation("invalid cluster name".into()));
        }
        let plane = crate::api::port::queries()?;
        plane.topology(&cluster).await
    })
    .await
}
