//! The instance panel's replica and instance controls: one small form per button or per
//! one-value command (each works without JavaScript), run by the leader; the result shows in
//! the panel.

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

/// A command with one parameter (`value`): a labelled field and its button.
fn with_value(
    action: ServerAction<ControlInstance>,
    instance: &str,
    op: &'static str,
    label: &'static str,
    placeholder: &'static str,
) -> impl IntoView {
    let instance = instance.to_string();
    let id = format!("control-{op}");
    view! {
        <ActionForm action=action attr:class="control with-value">
            <input type="hidden" name="instance" value=instance/>
            <input type="hidden" name="op" value=op/>
            <label for=id.clone()>{label}</label>
            <input id=id name="value" required placeholder=placeholder autocomplete="off"/>
            <button type="submit" class="secondary" data-op=op>"Run"</button>
        </ActionForm>
    }
}

/// `reset-replica` (`RESET SLAVE ALL`: the replica forgets its master for good): runs only
/// when the instance's key is typed again in the field.
fn reset_replica(action: ServerAction<ControlInstance>, instance: &str) -> impl IntoView {
    let (key, placeholder) = (instance.to_string(), instance.to_string());
    view! {
        <ActionForm action=action attr:class="control with-value danger">
            <input type="hidden" name="instance" value=key/>
            <input type="hidden" name="op" value="reset-replica"/>
            <label for="control-reset-replica">
                "Reset replication (RESET SLAVE ALL): type the instance to confirm"
            </label>
            <input
                id="control-reset-replica"
                name="value"
                required
                placeholder=placeholder
                autocomplete="off"
            />
            <button type="submit" class="danger" data-op="reset-replica">"Reset"</button>
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
            {button(action, &key, "stop-replica-nice", "Stop nicely (SQL catches up)")}
            {button(action, &key, "restart-replica", "Restart replication")}
            {button(action, &key, "skip-query", "Skip the failing query")}
            {button(action, &key, "detach-replica-master-host", "Detach from master host")}
            {button(action, &key, "reattach-replica-master-host", "Reattach to master host")}
            {button(action, &key, "enable-semi-sync-replica", "Semi-sync replica on")}
            {button(action, &key, "disable-semi-sync-replica", "Semi-sync replica off")}
        }
    });
    let delay = instance.is_replica.then(|| {
        with_value(action, &key, "delay-replication", "Delay replication (seconds)", "e.g. 3600")
    });
    let reset = instance.is_replica.then(|| reset_replica(action, &key));
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
            {button(action, &key, "flush-binary-logs", "Flush binary logs")}
            {button(action, &key, "refresh", "Probe now")}
        </fieldset>
        <fieldset class="form controls" id="control-values">
            <legend>"With a value"</legend>
            {delay}
            {with_value(action, &key, "purge-binary-logs", "Purge binary logs up to", "binary log file")}
            {with_value(action, &key, "kill-query", "Kill the query of process", "process id")}
            {reset}
        </fieldset>
    }
}
