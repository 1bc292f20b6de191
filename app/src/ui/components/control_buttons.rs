//! The instance panel's replica and instance controls: one small form per button (each works
//! without JavaScript), run by the leader; the result shows in the panel.

use leptos::prelude::*;

use crate::api::operations::ControlInstance;
use crate::api::topology::InstanceBoxView;

fn button(
    action: ServerAction<ControlInstance>,
    instance: &str,
    op: &'static str,
    label: &'static str,
) -> impl IntoView {
    let instance = instance.to_string();
    view! {
        <ActionForm action=action attr:class="control">
            <input type="hidden" name="instance" value=instance/>
            <input type="hidden" name="op" value=op/>
            <button type="submit" class="secondary" data-op=op>{label}</button>
        </ActionForm>
    }
}

/// The buttons that apply to `instance`.
#[component]
pub fn ControlButtons(
    /// The panel's control action.
    action: ServerAction<ControlInstance>,
    /// The instance.
    instance: InstanceBoxView,
) -> impl IntoView {
    let key = instance.key.clone();
    let replica = instance.is_replica.then(|| {
        view! {
            {button(action, &key, "start-replica", "Start replication")}
            {button(action, &key, "stop-replica", "Stop replication")}
            {button(action, &key, "restart-replica", "Restart replication")}
            {button(action, &key, "enable-semi-sync-replica", "Semi-sync replica on")}
            {button(action, &key, "disable-semi-sync-replica", "Semi-sync replica off")}
        }
    });
    let read_only = if instance.read_only {
        button(action, &key, "set-writeable", "Make writeable").into_any()
    } else {
        button(action, &key, "set-read-only", "Make read-only").into_any()
    };
    view! {
        <fieldset class="form controls" id="control-buttons">
            <legend>"Replication and instance"</legend>
            {replica}
            {read_only}
            {button(action, &key, "enable-semi-sync-master", "Semi-sync master on")}
            {button(action, &key, "disable-semi-sync-master", "Semi-sync master off")}
            {button(action, &key, "refresh", "Probe now")}
        </fieldset>
    }
}
