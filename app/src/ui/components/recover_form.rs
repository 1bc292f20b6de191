//! Manual recovery of a failed instance (shown on the leader's dashboard only).

use leptos::prelude::*;

use crate::api::instance::RecoverInstance;

/// "Recover" for `instance`.
#[component]
pub fn RecoverForm(
    /// The page's action.
    action: ServerAction<RecoverInstance>,
    /// `host:port`.
    instance: String,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <fieldset class="form inline" id="recover-form">
                <legend>"Recover"</legend>
                <input type="hidden" name="instance" value=instance/>
                <button type="submit" class="danger">"Recover now"</button>
            </fieldset>
        </ActionForm>
    }
}
