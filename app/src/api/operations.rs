//! Topology operations from the dashboard: the plan of a drag-and-drop move (the method, or the
//! refusal reason, before anything is touched), the move itself, the instance panel's replica
//! controls, maintenance locks and discovery. Every write goes through `Commands::operate` (or
//! `submit`), authorized per caller and run by the raft leader (a follower forwards it).

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::operations::MovePlanView;

#[cfg(feature = "ssr")]
fn key(text: &str) -> Result<crate::core::InstanceKey, ApiError> {
    Ok(crate::core::InstanceKey::parse_joined(text.trim(), 3306)?)
}

#[cfg(feature = "ssr")]
async fn operate(instance: &str, op: crate::core::operation::Op) -> Result<String, ApiError> {
    let request = crate::core::operation_result::OperationRequest::new(key(instance)?, op);
    crate::api::port::commands()?.operate(request).await
}

/// How moving `instance` below `below` would be done, or why it would be refused.
#[server(prefix = "/sfn")]
pub async fn plan_move(instance: String, below: String) -> Result<MovePlanView, ApiError> {
    crate::api::status::respond(async move {
        let (k, b) = (key(&instance)?, key(&below)?);
        crate::api::port::queries()?.plan_move(&k, &b).await
    })
    .await
}

/// Moves `instance` below `below` (orchestrator's `relocate`: GTID or binlog coordinates).
#[server(prefix = "/sfn")]
pub async fn relocate_instance(instance: String, below: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let below = key(&below)?;
        operate(&instance, crate::core::operation::Op::Relocate { below }).await
    })
    .await
}

/// The same move, confirmed in the drag-and-drop dialog (a server function of its own, so that
/// its result shows only there, never also in the instance panel's form).
#[server(prefix = "/sfn")]
pub async fn relocate_dropped(instance: String, below: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let below = key(&below)?;
        operate(&instance, crate::core::operation::Op::Relocate { below }).await
    })
    .await
}

/// A replica or instance control (`op` is orchestrator's name: `stop-replica`, …), with the
/// one parameter some take (`delay-replication`'s seconds, `purge-binary-logs`' file,
/// `kill-query`'s process id, or the instance's key repeated to confirm `reset-replica`).
#[server(prefix = "/sfn")]
pub async fn control_instance(
    instance: String,
    op: String,
    #[server(default)] value: Option<String>,
) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let value = value.as_deref().unwrap_or("");
        let op = crate::core::operation::Op::from_form(&op, value, &instance)?;
        operate(&instance, op).await
    })
    .await
}

/// Takes a maintenance lock on `instance`.
#[server(prefix = "/sfn")]
pub async fn begin_maintenance(
    instance: String,
    owner: String,
    reason: String,
) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let proposal =
            crate::core::Proposal::begin_maintenance(key(&instance)?, &owner, &reason, "")?;
        let outcome = crate::api::port::commands()?.submit(proposal.clone()).await?;
        match outcome {
            crate::core::CommandOutcome::Skipped { reason } => Err(ApiError::Validation(reason)),
            other => Ok(proposal.outcome_message(&other)),
        }
    })
    .await
}

/// Releases the maintenance lock of `instance`.
#[server(prefix = "/sfn")]
pub async fn end_maintenance(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        crate::api::port::submit(crate::core::Proposal::end_maintenance(key(&instance)?)).await
    })
    .await
}

/// Probes `instance` on the leader and adds it to every node's discovery.
#[server(prefix = "/sfn")]
pub async fn discover_instance(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        operate(&instance, crate::core::operation::Op::Discover).await
    })
    .await
}
