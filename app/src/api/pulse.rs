//! The pulse: a cheap read every page polls once a second after hydration. It says which node
//! served the page, its raft role and applied index, whether it belongs to a quorum, and a
//! `version` that changes whenever anything a page shows may have changed, so that pages
//! refetch their data only then.

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::pulse::PulseView;

/// The serving node's pulse.
#[server(prefix = "/sfn")]
pub async fn get_pulse() -> Result<PulseView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        Ok(plane.pulse().await)
    })
    .await
}
