//! The instance panel: one instance's details, and the actions that only concern it (forget,
//! recover). Downtime and candidate actions live in their own modules.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::instance::InstanceDetailView;

/// The panel of `instance` (`host:port`).
#[server(prefix = "/sfn")]
pub async fn get_instance(instance: String) -> Result<InstanceDetailView, ApiError> {
    crate::api::status::respond(async move {
        let key = crate::core::InstanceKey::parse_joined(instance.trim(), 3306)?;
        let plane = crate::api::port::queries()?;
        plane.instance(&key).await
    })
    .await
}

/// Forgets `instance` on every node (raft `forget`). `confirm` must be `yes`.
#[server(prefix = "/sfn")]
pub async fn forget_instance(
    instance: String,
    confirm: Option<String>,
) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let key = crate::core::InstanceKey::parse_joined(instance.trim(), 3306)?;
        if confirm.as_deref() != Some("yes") {
            return Err(ApiError::Validation(
                "tick the box to confirm that the instance is to be forgotten".into(),
            ));
        }
        crate::api::port::submit(crate::core::Proposal::forget(key)).await
    })
    .await
}

/// Runs a manual recovery of the failed `instance` (on the leader only).
#[server(prefix = "/sfn")]
pub async fn recover_instance(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let key = crate::core::InstanceKey::parse_joined(instance.trim(), 3306)?;
        let plane = crate::api::port::commands()?;
        plane.recover(key).await
    })
    .await
}
