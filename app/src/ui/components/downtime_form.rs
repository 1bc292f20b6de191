//! The "begin downtime" form (owner, reason, duration), for one instance or any.

use leptos::prelude::*;

use crate::api::downtime::BeginDowntime;

/// Begins a downtime. With `instance` the instance is fixed (instance panel); without it the
/// form asks for `host:port` (downtimes page). Works before hydration (plain form post).
#[component]
pub fn BeginDowntimeForm(
    /// The action (created by the page, so its result survives data refreshes).
    action: ServerAction<BeginDowntime>,
    /// The instance, when fixed.
    #[prop(optional, into)]
    instance: Option<String>,
) -> impl IntoView {
    let target = match instance {
        Some(key) => view! { <input type="hidden" name="instance" value=key/> }.into_any(),
        None => view! {
            <label>"Instance (host:port)"
                <input name="instance" required placeholder="db1.example.com:3306" autocomplete="off"/>
            </label>
        }
        .into_any(),
    };
    view! {
        <ActionForm action=action>
            <fieldset class="form" id="begin-downtime-form">
                <legend>"Begin downtime"</legend>
                {target}
                <label>"Owner" <input name="owner" required autocomplete="off"/></label>
                <label>"Reason" <input name="reason" required autocomplete="off"/></label>
                <label>"Duration" <input name="duration" value="10m" autocomplete="off" title="30s, 10m, 2h, 1d or seconds"/></label>
                <button type="submit">"Begin downtime"</button>
            </fieldset>
        </ActionForm>
    }
}
