//! Forget an instance (with a confirmation box, so that it also works without JavaScript).

use leptos::prelude::*;

use crate::api::instance::ForgetInstance;

/// "Forget" for `instance`.
#[component]
pub fn ForgetForm(
    /// The page's action.
    action: ServerAction<ForgetInstance>,
    /// `host:port`.
    instance: String,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <fieldset class="form inline" id="forget-form">
                <legend>"Forget"</legend>
                <input type="hidden" name="instance" value=instance/>
                <label class="check"><input type="checkbox" name="confirm" value="yes"/> "Yes, forget this instance on every node"</label>
                <button type="submit" class="danger">"Forget instance"</button>
            </fieldset>
        </ActionForm>
    }
}
