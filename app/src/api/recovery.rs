//! Recoveries and failure detections: lists, and the acknowledgement (comment required).

use leptos::prelude::*;

use crate::api::error::ApiError;

pub use super::dto::recovery::{AckView, DetectionView, RecoveriesView, RecoveryView, StepView};

/// Recoveries and detections in the serving node's store.
#[server(prefix = "/sfn")]
pub async fn get_recoveries() -> Result<RecoveriesView, ApiError> {
    crate::api::status::respond(async move {
        let plane = crate::api::port::queries()?;
        plane.recoveries().await
    })
    .await
}

/// Acknowledges recovery `uid` with a (required) comment.
#[server(prefix = "/sfn")]
pub async fn ack_recovery(uid: String, comment: String) -> Result<String, ApiError> {
    crate::api::status::respond(async move {
        let proposal = crate::core::Proposal::ack_recovery_uid(&uid, "dashboard", &comment)
            .map_err(|e| ApiError::Validation(format!("{e}: acknowledging needs a comment")))?;
        crate::api::port::submit(proposal).await
    })
    .await
}
