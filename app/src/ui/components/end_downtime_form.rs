//! A one-button form that ends an instance's downtime.

use leptos::prelude::*;

use crate::api::downtime::EndDowntime;

/// "End downtime" for `instance`; the page shows the shared action's result.
#[component]
pub fn EndDowntimeForm(
    /// The page's action.
    action: ServerAction<EndDowntime>,
    /// `host:port`.
    instance: String,
) -> impl IntoView {
    let label = format!("End downtime of {instance}");
    view! {
        <ActionForm action=action>
            <input type="hidden" name="instance" value=instance/>
            <button type="submit" class="secondary" aria-label=label>"End downtime"</button>
        </ActionForm>
    }
}
