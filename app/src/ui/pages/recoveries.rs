//! Recoveries page: recoveries in progress and past ones (steps, successor, lost replicas),
//! each with its acknowledgement or the form to acknowledge it (comment required), and the
//! failure detections.

use leptos::prelude::*;

use crate::api::recovery::{get_recoveries, AckRecovery, AckView, DetectionView, RecoveryView};
use crate::ui::components::ack_form::AckForm;
use crate::ui::components::action_result::ActionResult;
use crate::ui::format::utc;
use crate::ui::live::{refresh_after, use_live};

fn ack_line(ack: &AckView) -> String {
    format!("Acknowledged by {} at {}: {}", ack.owner, utc(ack.at_ms), ack.comment)
}

fn recovery(r: RecoveryView, ack: ServerAction<AckRecovery>) -> impl IntoView {
    let (status, class) = match r.is_successful {
        None => ("in progress", "badge b-problem"),
        Some(true) => ("succeeded", "badge b-rw"),
        Some(false) => ("failed", "badge b-problem"),
    };
    let successor = r.successor.clone().unwrap_or_else(|| "none".into());
    let lost =
        if r.lost_replicas.is_empty() { "none".to_string() } else { r.lost_replicas.join(", ") };
    let ended = r.ended_at_ms.map(utc).unwrap_or_else(|| "-".into());
    let error = r.error.clone().map(|e| view! { <p class="error">{e}</p> });
    let steps = r
        .steps
        .iter()
        .map(|s| view! { <li><time>{utc(s.at_ms)}</time> " " {s.message.clone()}</li> })
        .collect_view();
    let step_count = format!("Steps ({})", r.steps.len());
    let acknowledgement = match &r.ack {
        Some(a) => view! { <p class="note ack">{ack_line(a)}</p> }.into_any(),
        None => view! { <AckForm action=ack uid=r.uid.clone()/> }.into_any(),
    };
    view! {
        <article class="recovery" data-uid=r.uid.clone() data-failed=r.failed.clone()>
            <header>
                <b class="analysis">{r.analysis.clone()}</b> " on " <span class="ikey">{r.failed.clone()}</span>
                " · " {r.cluster_alias.clone()} " " <span class=class>{status}</span>
            </header>
            <dl class="facts-inline">
                <dt>"Operation"</dt><dd>{format!("{}{}", r.operation, if r.is_manual { " (manual)" } else { "" })}</dd>
                <dt>"Started"</dt><dd>{utc(r.started_at_ms)}</dd>
                <dt>"Ended"</dt><dd>{ended}</dd>
                <dt>"Successor"</dt><dd class="successor">{successor}</dd>
                <dt>"Lost replicas"</dt><dd>{lost}</dd>
                <dt>"Run by"</dt><dd title=format!("raft node id {}", r.processing_node)>{r.processing_node_name.clone()}</dd>
                <dt>"Uid"</dt><dd class="uid">{r.uid.clone()}</dd>
            </dl>
            {error}
            <details><summary>{step_count}</summary><ol class="steps">{steps}</ol></details>
            {acknowledgement}
        </article>
    }
}

fn detection(d: DetectionView) -> impl IntoView {
    let ack = d.ack.as_ref().map(ack_line).unwrap_or_else(|| "not acknowledged".into());
    view! {
        <tr data-uid=d.uid.clone()>
            <td>{utc(d.detected_at_ms)}</td>
            <td class="ikey">{d.failed}</td>
            <td>{d.analysis}</td>
            <td>{d.cluster_alias}</td>
            <td>{if d.is_actionable { "yes" } else { "no" }}</td>
            <td>{d.count_replicas.to_string()}</td>
            <td title=format!("raft node id {}", d.processing_node)>{d.processing_node_name.clone()}</td>
            <td>{ack}</td>
        </tr>
    }
}

/// Recoveries and detections.
#[component]
pub fn RecoveriesPage() -> impl IntoView {
    let live = use_live();
    let ack = ServerAction::<AckRecovery>::new();
    refresh_after(ack.version());
    let data = Resource::new(move || live.epoch(), |_| get_recoveries());
    view! {
        <h1>"Recoveries"</h1>
        <ActionResult value=ack.value() pending=ack.pending()/>
        <Transition fallback=|| view! { <p class="muted">"Loading recoveries…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => {
                        let active = if v.active.is_empty() {
                            view! { <p class="empty">"No recovery in progress."</p> }.into_any()
                        } else {
                            v.active.into_iter().map(|r| recovery(r, ack)).collect_view().into_any()
                        };
                        let past = if v.past.is_empty() {
                            view! { <p class="empty" id="no-past-recoveries">"No past recovery."</p> }.into_any()
                        } else {
                            v.past.into_iter().map(|r| recovery(r, ack)).collect_view().into_any()
                        };
                        let detections = if v.detections.is_empty() {
                            view! { <p class="empty">"No failure detected."</p> }.into_any()
                        } else {
                            let rows = v.detections.into_iter().map(detection).collect_view();
                            view! {
                                <table class="list" id="detections">
                                    <thead><tr><th>"Detected"</th><th>"Instance"</th><th>"Analysis"</th><th>"Cluster"</th><th>"Actionable"</th><th>"Replicas"</th><th>"By"</th><th>"Acknowledgement"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }
                            .into_any()
                        };
                        view! {
                            <h2>"In progress"</h2>
                            <section id="active-recoveries">{active}</section>
                            <h2>"Past"</h2>
                            <section id="past-recoveries">{past}</section>
                            <h2>"Failure detections"</h2>
                            {detections}
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
