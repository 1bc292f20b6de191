//! Candidates (promotion rules): list, register and remove.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::candidate::CandidateView;

/// Active registrations in the serving node's store.
#[server(prefix = "/sfn")]
pub async fn get_candidates() -> Result<Vec<CandidateView>, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        plane.candidates().await
    })
    .await
}

/// Registers `rule` (`prefer`, `neutral`, `prefer_not`, `must_not`) for `instance`.
#[server(prefix = "/sfn")]
pub async fn register_candidate(instance: String, rule: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        crate::api::port::submit(Proposal::register_candidate(key, &rule)?).await
    })
    .await
}

/// Removes `instance`'s registration (it is `neutral` again).
#[server(prefix = "/sfn")]
pub async fn deregister_candidate(instance: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        use crate::core::{InstanceKey, Proposal};
        let key = InstanceKey::parse_joined(instance.trim(), 3306)?;
        crate::api::port::submit(Proposal::deregister_candidate(key)).await
    })
    .await
}
