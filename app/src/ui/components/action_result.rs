//! The outcome of an action, in words: pending, done, or why it was refused.

use leptos::prelude::*;

use crate::api::ApiError;

/// How a refusal is introduced on the page.
fn prefix(e: &ApiError) -> &'static str {
    match e {
        ApiError::Validation(_) => "Invalid input",
        ApiError::Forbidden(_) => "Forbidden",
        ApiError::NotFound(_) => "Not found",
        ApiError::Unavailable(_) => "Refused, nothing was committed",
        ApiError::OutcomeUnknown(_) => "Outcome unknown (check before retrying)",
        ApiError::Internal(_) => "Failed",
        ApiError::Transport(_) => "This node did not answer",
    }
}

/// Shows an action's pending state and its last result (success or a plain error message).
#[component]
pub fn ActionResult(
    /// The action's last result.
    #[prop(into)]
    value: Signal<Option<Result<String, ApiError>>>,
    /// Whether the action is running.
    #[prop(into)]
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="action-result" aria-live="polite">
            {move || {
                if pending.get() {
                    return view! { <p class="result pending">"Committing through raft…"</p> }.into_any();
                }
                match value.get() {
                    None => ().into_any(),
                    Some(Ok(message)) => view! { <p class="result ok" role="status">{message}</p> }.into_any(),
                    Some(Err(e)) => {
                        let text = format!("{}: {e}", prefix(&e));
                        view! { <p class="result error" role="alert">{text}</p> }.into_any()
                    }
                }
            }}
        </div>
    }
}
