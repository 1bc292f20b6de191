//! Clusters page: one card per cluster (alias, name, instance count, master, worst analysis,
//! automated recovery, active recovery), and the global recoveries switch.

use leptos::prelude::*;

use crate::api::clusters::{get_clusters, ClusterCardView, SetGlobalRecoveries};
use crate::ui::components::action_result::ActionResult;
use crate::ui::components::global_recoveries_form::GlobalRecoveriesForm;
use crate::ui::format::{cluster_href, lag};
use crate::ui::live::{refresh_after, use_live};

fn card(c: ClusterCardView) -> impl IntoView {
    let severity = match (&c.worst_analysis, c.worst_is_actionable) {
        (None, _) => "sev-ok",
        (Some(_), true) => "sev-bad",
        (Some(_), false) => "sev-warn",
    };
    let analysis = c.worst_analysis.clone().unwrap_or_else(|| "no problem".into());
    let recovering = c.active_recovery.as_ref().map(|uid| {
        view! { <span class="badge b-problem" title=uid.clone()>"recovery in progress"</span> }
    });
    let unacked = (c.unacknowledged_recoveries > 0).then(|| {
        view! { <span class="badge b-downtime">{format!("{} unacknowledged recover{}", c.unacknowledged_recoveries, if c.unacknowledged_recoveries == 1 { "y" } else { "ies" })}</span> }
    });
    let auto = if c.automated_recovery {
        view! { <span class="badge b-rw" title="RecoverMasterClusterFilters match this cluster">"auto-recovery on"</span> }.into_any()
    } else {
        view! { <span class="badge b-off" title="RecoverMasterClusterFilters do not match this cluster">"auto-recovery off"</span> }.into_any()
    };
    let downtimed = (c.downtimed_count > 0).then(|| view! { <span class="badge b-downtime">{format!("{} downtimed", c.downtimed_count)}</span> });
    view! {
        <a class=format!("card {severity}") href=cluster_href(&c.name, None) data-cluster=c.name.clone()>
            <h2>{c.alias.clone()}</h2>
            <div class="cname">{c.name.clone()}</div>
            <dl>
                <dt>"Instances"</dt><dd class="count">{c.instance_count.to_string()}</dd>
                <dt>"Master"</dt><dd class="master">{c.master.clone().unwrap_or_else(|| "unknown".into())}</dd>
                <dt>"Analysis"</dt><dd class="analysis">{analysis}</dd>
                <dt>"Max lag"</dt><dd>{lag(c.max_lag_seconds)}</dd>
            </dl>
            <div class="ibadges">{auto}{recovering}{unacked}{downtimed}</div>
        </a>
    }
}

/// The clusters overview.
#[component]
pub fn ClustersPage() -> impl IntoView {
    let live = use_live();
    let switch = ServerAction::<SetGlobalRecoveries>::new();
    refresh_after(switch.version());
    let data = Resource::new(move || live.epoch(), |_| get_clusters());
    view! {
        <h1>"Clusters"</h1>
        <ActionResult value=switch.value() pending=switch.pending()/>
        <Transition fallback=|| view! { <p class="muted">"Loading clusters…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => {
                        let summary = format!("{} clusters, {} instances", v.clusters.len(), v.instance_count);
                        let empty = v.clusters.is_empty().then(|| view! {
                            <p class="muted">"No instance discovered yet. Seed discovery with DiscoverySeeds or /api/discover/:host/:port."</p>
                        });
                        let cards = v.clusters.into_iter().map(card).collect_view();
                        view! {
                            <GlobalRecoveriesForm action=switch enabled=v.global_recoveries_enabled/>
                            <p class="muted" id="clusters-summary">{summary}</p>
                            {empty}
                            <div class="cards" id="clusters">{cards}</div>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
