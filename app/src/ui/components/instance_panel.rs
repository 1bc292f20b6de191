//! The instance panel: details of the selected instance and its actions (replica controls,
//! read-only, semi-sync, "move below…", maintenance, begin/end downtime, register candidate,
//! forget, and — for a failed master, on the leader — recover). The actions are created once
//! with the panel, so their results survive the live data refresh.

use leptos::prelude::*;

use super::action_result::ActionResult;
use super::candidate_form::RegisterCandidateForm;
use super::control_buttons::ControlButtons;
use super::downtime_form::BeginDowntimeForm;
use super::end_downtime_form::EndDowntimeForm;
use super::forget_form::ForgetForm;
use super::maintenance_form::MaintenanceForm;
use super::move_form::MoveForm;
use super::recover_form::RecoverForm;
use crate::api::candidate::RegisterCandidate;
use crate::api::downtime::{BeginDowntime, EndDowntime};
use crate::api::instance::{get_instance, ForgetInstance, InstanceDetailView, RecoverInstance};
use crate::api::operations::{BeginMaintenance, ControlInstance, EndMaintenance, RelocateInstance};
use crate::ui::format::{lag, utc};
use crate::ui::live::{refresh_after, use_live};

/// The page's actions, passed to the forms.
#[derive(Clone, Copy)]
struct Actions {
    begin: ServerAction<BeginDowntime>,
    end: ServerAction<EndDowntime>,
    register: ServerAction<RegisterCandidate>,
    forget: ServerAction<ForgetInstance>,
    recover: ServerAction<RecoverInstance>,
    relocate: ServerAction<RelocateInstance>,
    control: ServerAction<ControlInstance>,
    begin_maintenance: ServerAction<BeginMaintenance>,
    end_maintenance: ServerAction<EndMaintenance>,
}

fn row(label: &'static str, value: String) -> impl IntoView {
    view! { <tr><th scope="row">{label}</th><td>{value}</td></tr> }
}

fn details(d: InstanceDetailView, actions: Actions, leader_uri: Option<String>) -> impl IntoView {
    let s = d.summary.clone();
    let key = s.key.clone();
    let downtime = match &s.downtime {
        Some(dt) => view! {
            <p class="note" id="panel-downtime">
                {format!("In downtime by {} ({}) until {}", dt.owner, dt.reason, utc(dt.ends_at_ms))}
            </p>
            <EndDowntimeForm action=actions.end instance=key.clone()/>
        }
        .into_any(),
        None => view! { <BeginDowntimeForm action=actions.begin instance=key.clone()/> }.into_any(),
    };
    let recover = if d.recover_here {
        view! { <RecoverForm action=actions.recover instance=key.clone()/> }.into_any()
    } else if s.actionable {
        let link = leader_uri.map(|u| {
            view! { <a href=crate::ui::url_prefix::on_node(&u, "/")>"the leader's dashboard"</a> }
        });
        view! { <p class="note">"A recoverable failure is detected here; recover it from " {link} "."</p> }.into_any()
    } else {
        ().into_any()
    };
    let problems = if s.problems.is_empty() {
        "none".to_string()
    } else {
        s.problems.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
    };
    let replicas = if d.replicas.is_empty() { "none".to_string() } else { d.replicas.join(", ") };
    view! {
        <h2 id="panel-title">{key.clone()}</h2>
        <table class="facts">
            <tbody>
                {row("Cluster", format!("{} ({})", d.cluster_alias, d.cluster_name))}
                {row("Master", s.master_key.clone().unwrap_or_else(|| "none (top of the tree)".into()))}
                {row("Version", format!("{} {}", s.version, d.version_comment))}
                {row("Server id", d.server_id.to_string())}
                {row("Read-only", if s.read_only { "yes".into() } else { "no".into() })}
                {row("GTID", s.gtid.clone())}
                {row("Replication", if s.is_replica { format!("IO {} · SQL {} · lag {}", s.io_thread, s.sql_thread, lag(s.lag_seconds)) } else { "not a replica".into() })}
                {row("Binary log", d.binlog.clone())}
                {row("Own position", d.self_binlog.clone().unwrap_or_else(|| "-".into()))}
                {row("Executed GTIDs", d.executed_gtid_set.clone())}
                {row("Errant GTIDs", if d.gtid_errant.is_empty() { "none".into() } else { d.gtid_errant.clone() })}
                {row("Problems", problems)}
                {row("Analysis", d.analysis_description.clone())}
                {row("Promotion rule", s.promotion_rule.clone().unwrap_or_else(|| "not registered (neutral)".into()))}
                {row("Data center", format!("{} / region {} / env {}", s.data_center, d.region, d.physical_environment))}
                {row("Replicas", replicas)}
                {row("Tags", if d.tags.is_empty() { "none".into() } else { d.tags.join(", ") })}
                {row("Last seen", utc(d.last_seen_ms))}
                {row("Last check", format!("{} ({})", utc(d.last_checked_ms), if s.last_check_valid { "ok" } else { "failed" }))}
                {(!d.last_io_error.is_empty()).then(|| row("Last IO error", d.last_io_error.clone()))}
                {(!d.last_sql_error.is_empty()).then(|| row("Last SQL error", d.last_sql_error.clone()))}
            </tbody>
        </table>
        <h3>"Actions"</h3>
        <ControlButtons action=actions.control instance=s.clone()/>
        <MoveForm action=actions.relocate instance=key.clone() targets=d.move_targets.clone()/>
        <MaintenanceForm begin=actions.begin_maintenance end=actions.end_maintenance instance=key.clone() held=d.maintenance.clone()/>
        {downtime}
        <RegisterCandidateForm action=actions.register instance=key.clone() current=s.promotion_rule.clone().unwrap_or_default()/>
        {recover}
        <ForgetForm action=actions.forget instance=key/>
    }
}

/// The panel of the instance `selected` (`host:port`), or a hint when none is selected.
#[component]
pub fn InstancePanel(
    /// The selected instance.
    selected: Memo<Option<String>>,
) -> impl IntoView {
    let live = use_live();
    let actions = Actions {
        begin: ServerAction::new(),
        end: ServerAction::new(),
        register: ServerAction::new(),
        forget: ServerAction::new(),
        recover: ServerAction::new(),
        relocate: ServerAction::new(),
        control: ServerAction::new(),
        begin_maintenance: ServerAction::new(),
        end_maintenance: ServerAction::new(),
    };
    refresh_after(actions.begin.version());
    refresh_after(actions.end.version());
    refresh_after(actions.register.version());
    refresh_after(actions.forget.version());
    refresh_after(actions.recover.version());
    refresh_after(actions.relocate.version());
    refresh_after(actions.control.version());
    refresh_after(actions.begin_maintenance.version());
    refresh_after(actions.end_maintenance.version());
    let data = Resource::new(
        move || (selected.get(), live.epoch()),
        |(key, _)| async move {
            match key {
                Some(k) => Some(get_instance(k).await),
                None => None,
            }
        },
    );
    let leader_uri =
        move || untrack(|| live.current()).and_then(|p| p.ok()).and_then(|p| p.leader_uri);
    view! {
        <aside class="panel" id="instance-panel" aria-label="Instance details">
            <div class="panel-results">
                <ActionResult value=actions.begin.value() pending=actions.begin.pending()/>
                <ActionResult value=actions.end.value() pending=actions.end.pending()/>
                <ActionResult value=actions.register.value() pending=actions.register.pending()/>
                <ActionResult value=actions.forget.value() pending=actions.forget.pending()/>
                <ActionResult value=actions.recover.value() pending=actions.recover.pending()/>
                <ActionResult value=actions.relocate.value() pending=actions.relocate.pending()/>
                <ActionResult value=actions.control.value() pending=actions.control.pending()/>
                <ActionResult value=actions.begin_maintenance.value() pending=actions.begin_maintenance.pending()/>
                <ActionResult value=actions.end_maintenance.value() pending=actions.end_maintenance.pending()/>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading instance…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        None => view! { <p class="muted hint">"Select an instance box to see its details and actions."</p> }.into_any(),
                        Some(Ok(d)) => details(d, actions, leader_uri()).into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}
