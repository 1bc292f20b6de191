//! The global automated-recoveries switch.

use leptos::prelude::*;

use crate::api::clusters::SetGlobalRecoveries;

/// Shows whether automated recoveries are enabled and offers the opposite.
#[component]
pub fn GlobalRecoveriesForm(
    /// The page's action.
    action: ServerAction<SetGlobalRecoveries>,
    /// Current state.
    enabled: bool,
) -> impl IntoView {
    let (state, next, label) = if enabled {
        ("on", "off", "Disable automated recoveries")
    } else {
        ("off", "on", "Enable automated recoveries")
    };
    view! {
        <div class="switch-row">
            <ActionForm action=action>
                <span class=format!("switch switch-{state}") id="global-recoveries">
                    "Automated recoveries: " <b>{state}</b>
                </span>
                <input type="hidden" name="enabled" value=next/>
                <button type="submit" class=if enabled { "danger" } else { "" }>{label}</button>
            </ActionForm>
        </div>
    }
}
