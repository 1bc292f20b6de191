//! "Move below…": the relocation without JavaScript (and with the keyboard): pick the new
//! master among the cluster's other instances; the leader picks the method, or refuses with
//! the reason.

use leptos::prelude::*;

use crate::api::operations::RelocateInstance;

/// The form for `instance`, offering `targets`.
#[component]
pub fn MoveForm(
    /// The panel's relocation action.
    action: ServerAction<RelocateInstance>,
    /// `host:port` to move.
    instance: String,
    /// Where it may go.
    targets: Vec<String>,
) -> impl IntoView {
    if targets.is_empty() {
        return ().into_any();
    }
    let options = targets
        .into_iter()
        .map(|t| {
            let value = t.clone();
            view! { <option value=value>{t}</option> }
        })
        .collect_view();
    view! {
        <ActionForm action=action>
            <fieldset class="form inline" id="move-form">
                <legend>"Move below…"</legend>
                <input type="hidden" name="instance" value=instance/>
                <label>"New master" <select name="below" id="move-below">{options}</select></label>
                <button type="submit">"Move"</button>
            </fieldset>
        </ActionForm>
    }
    .into_any()
}
