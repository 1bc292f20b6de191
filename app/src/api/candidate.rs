//! Candidates (promotion rules): list, register and remove.

use leptos::prelude::*;

use crate::api::dto::CandidateView;
use crate::api::error::ApiError;

/// Active registrations in the serving node's store.
#[server(prefix = "/sfn")]
pub async fn get_candidates() -> Result<Vec<CandidateView>, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::control_plane()?;
        plane.candidates().await
    })
    .await
}

/// Registers `rule` (`prefer`, `neutral`, `prefer_not`, `must_not`) for `instance`.
#[server(prefix = "/sfn")]
pub async fn register_candidate(instance: String, rule: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{InstanceKey, PromotionRule, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        let promotion_rule: PromotionRule = rule.trim().parse()?;
        let plane = crate::api::port::control_plane()?;
        plane.submit(Proposal::RegisterCandidate { key: key.clone(), promotion_rule }).await?;
        Ok(format!("Registered {key} as {promotion_rule}"))
    })
    .await
}

/// Removes `instance`'s registration (it is `neutral` again).
#[server(prefix = "/sfn")]
pub async fn deregister_candidate(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        let plane = crate::api::port::control_plane()?;
        plane.submit(Proposal::DeregisterCandidate(key.clone())).await?;
        Ok(format!("Removed the promotion rule of {key}"))
    })
    .await
}
