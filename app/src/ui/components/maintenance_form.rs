//! Maintenance lock of one instance: take it (owner, reason) or release it.

use leptos::prelude::*;

use crate::api::operations::{BeginMaintenance, EndMaintenance};

/// "Begin maintenance" or, when the instance is locked (`held`), who holds it and "End".
#[component]
pub fn MaintenanceForm(
    /// The panel's begin action.
    begin: ServerAction<BeginMaintenance>,
    /// The panel's end action.
    end: ServerAction<EndMaintenance>,
    /// `host:port`.
    instance: String,
    /// The lock in words, when held.
    held: Option<String>,
) -> impl IntoView {
    match held {
        Some(lock) => view! {
            <p class="note" id="panel-maintenance">{format!("Under maintenance: {lock}")}</p>
            <ActionForm action=end>
                <fieldset class="form inline" id="end-maintenance-form">
                    <input type="hidden" name="instance" value=instance/>
                    <button type="submit">"End maintenance"</button>
                </fieldset>
            </ActionForm>
        }
        .into_any(),
        None => view! {
            <ActionForm action=begin>
                <fieldset class="form inline" id="begin-maintenance-form">
                    <legend>"Maintenance lock"</legend>
                    <input type="hidden" name="instance" value=instance/>
                    <label>"Owner" <input name="owner" required autocomplete="off"/></label>
                    <label>"Reason" <input name="reason" required autocomplete="off"/></label>
                    <button type="submit">"Begin maintenance"</button>
                </fieldset>
            </ActionForm>
        }
        .into_any(),
    }
}
