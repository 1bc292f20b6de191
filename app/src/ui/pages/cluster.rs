//! Cluster page: the replication tree with a legend, expand/collapse controls, drag-and-drop
//! relocation with its confirmation, and the panel of the selected instance
//! (`?instance=host:port`, so a box is a plain link that also works without JavaScript).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::clusters::SetClusterRecovery;
use crate::api::operations::RelocateDropped;
use crate::api::topology::get_topology;
use crate::ui::components::action_result::ActionResult;
use crate::ui::components::cluster_recovery_form::ClusterRecoveryForm;
use crate::ui::components::instance_panel::InstancePanel;
use crate::ui::components::legend::Legend;
use crate::ui::components::move_dialog::MoveDialog;
use crate::ui::components::promotion_plan_view::PromotionPlanView;
use crate::ui::components::topology_tree::{masters, TopologyTree, TreeState};
use crate::ui::live::{refresh_after, use_live};

/// One cluster's topology.
#[component]
pub fn ClusterPage() -> impl IntoView {
    let live = use_live();
    let params = use_params_map();
    let query = use_query_map();
    let cluster = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let selected = Memo::new(move |_| query.read().get("instance").filter(|s| !s.is_empty()));
    let state = TreeState::new();
    let moving = RwSignal::new(None::<(String, String)>);
    let relocate = ServerAction::<RelocateDropped>::new();
    refresh_after(relocate.version());
    let switch = ServerAction::<SetClusterRecovery>::new();
    refresh_after(switch.version());
    let data = Resource::new(move || (cluster.get(), live.epoch()), |(name, _)| get_topology(name));
    let expand_all = move |_| {
        state.collapsed.set(Default::default());
        state.redraw.update(|r| *r += 1);
    };
    let collapse_all = move |_| {
        if let Some(Ok(v)) = data.get_untracked() {
            state.collapsed.set(masters(&v));
            state.redraw.update(|r| *r += 1);
        }
    };
    view! {
        <div class="cluster-layout">
            <section class="tree-area" aria-label="Replication tree">
                <MoveDialog pending=moving action=relocate/>
                <div id="move-result"><ActionResult value=relocate.value() pending=relocate.pending()/></div>
                <Transition fallback=|| view! { <p class="muted">"Loading topology…"</p> }>
                    {move || Suspend::new(async move {
                        let _ = state.redraw.get();
                        match data.await {
                            Ok(v) => {
                                let auto = if v.automated_recovery { "on" } else { "off" };
                                let master = v.master.clone().unwrap_or_else(|| "unknown".into());
                                let active = v.active_recovery.clone().map(|uid| view! {
                                    <span class="badge b-problem" id="active-recovery">{format!("recovery {uid} in progress")}</span>
                                });
                                let count = v.nodes.len();
                                view! {
                                    <h1>"Cluster " <span id="cluster-alias">{v.alias.clone()}</span></h1>
                                    <p class="muted" id="cluster-facts">
                                        {v.name.clone()} " · " {count.to_string()} " instances · master "
                                        <b id="cluster-master">{master}</b> " · automated recovery " <b>{auto}</b> " " {active}
                                    </p>
                                    <div class="toolbar">
                                        <button type="button" class="secondary" on:click=expand_all>"Expand all"</button>
                                        <button type="button" class="secondary" on:click=collapse_all>"Collapse all"</button>
                                    </div>
                                    <Legend/>
                                    <p class="muted hint">"Drag an instance onto another to move it below it."</p>
                                    <TopologyTree view=v.clone() cluster=cluster.get_untracked() state=state selected=selected moving=moving/>
                                    // Below the tree, so that its height never moves the boxes.
                                    <ClusterRecoveryForm action=switch cluster=v.alias.clone() disabled=v.recovery_disabled/>
                                    <div id="cluster-recovery-result"><ActionResult value=switch.value() pending=switch.pending()/></div>
                                    <PromotionPlanView plan=v.promotion_plan.clone()/>
                                }
                                .into_any()
                            }
                            Err(e) => view! {
                                <h1>"Cluster " {cluster.get_untracked()}</h1>
                                <p class="error" role="alert">{e.to_string()}</p>
                            }
                            .into_any(),
                        }
                    })}
                </Transition>
            </section>
            <InstancePanel selected=selected/>
        </div>
    }
}
