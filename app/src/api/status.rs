//! HTTP status of failed server-function calls: the error's own status (400 bad input,
//! 503 no quorum, …) instead of a blanket 500, for `fetch` calls from the hydrated page.
//! A plain form post (JavaScript off) keeps the 302 back to the page, which carries the error
//! in its URL for the page to show.

use leptos::prelude::use_context;
use leptos::server_fn::axum_export::http::{request::Parts, StatusCode};

use crate::api::ApiError;

fn is_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| {
            p.headers.get("accept").and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Sets the response status from `e` (unless the call is a plain form post) and returns it.
pub fn with_status(e: ApiError) -> ApiError {
    if !is_form_post() {
        if let (Some(options), Ok(status)) =
            (use_context::<leptos_axum::ResponseOptions>(), StatusCode::from_u16(e.status_code()))
        {
            options.set_status(status);
        }
    }
    e
}

/// Runs a server function's body and maps its error's status.
pub async fn respond<T>(
    body: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    body.await.map_err(with_status)
}
