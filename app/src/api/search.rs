//! Finding instances: search by host, cluster name or alias, and every instance with a problem
//! across clusters (orchestrator's problems view).

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::search::InstanceHitView;

/// Instances whose host, cluster name or alias contains `text` (all for an empty text).
#[server(prefix = "/sfn")]
pub async fn search_instances(text: String) -> Result<Vec<InstanceHitView>, ApiError> {
    crate::api::status::respond(async move {
        if text.len() > 255 {
            return Err(ApiError::Validation("search text longer than 255 characters".into()));
        }
        crate::api::port::queries()?.search(text.trim()).await
    })
    .await
}

/// Every instance with a problem, across clusters.
#[server(prefix = "/sfn")]
pub async fn get_problems() -> Result<Vec<InstanceHitView>, ApiError> {
    crate::api::status::respond(async move { crate::api::port::queries()?.problems().await }).await
}
