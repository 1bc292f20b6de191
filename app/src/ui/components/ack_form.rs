//! Acknowledge one recovery; the comment is required (checked again by the server).

use leptos::prelude::*;

use crate::api::recovery::AckRecovery;

/// "Acknowledge" for recovery `uid`; the page shows the shared action's result.
#[component]
pub fn AckForm(
    /// The page's action.
    action: ServerAction<AckRecovery>,
    /// The recovery's uid.
    uid: String,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <fieldset class="form inline ack-form">
                <legend>"Acknowledge"</legend>
                <input type="hidden" name="uid" value=uid/>
                <label>"Comment" <input name="comment" required autocomplete="off" placeholder="what was checked or done"/></label>
                <button type="submit">"Acknowledge"</button>
            </fieldset>
        </ActionForm>
    }
}
