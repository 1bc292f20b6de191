//! The replication tree: the master at the root, replicas nested under their masters, each
//! subtree collapsible. Native `<details>` elements do the collapsing, so it works with the
//! keyboard and without JavaScript; after hydration the collapsed set is remembered across data
//! refreshes. Boxes flow in normal layout (never absolutely placed), so they cannot overlap;
//! leaf replicas of one master wrap in a grid, which keeps a 500-instance cluster compact.
//! After hydration a box can be dragged onto another to move it there (orchestrator's
//! signature interaction): the tree listens once for the drag events of all its boxes and hands
//! the dropped pair to the page's confirmation (`move_dialog`).

use std::collections::HashSet;

use leptos::prelude::*;

use super::instance_box::InstanceBox;
use super::move_dialog::PendingMove;
use crate::api::topology::TopologyView;
use crate::ui::format::cluster_href;

/// Which subtrees are collapsed (by master key), and a counter that forces a redraw (expand
/// all / collapse all).
#[derive(Clone, Copy)]
pub struct TreeState {
    /// Keys of collapsed masters.
    pub collapsed: RwSignal<HashSet<String>>,
    /// Moves when the whole tree must be redrawn from `collapsed`.
    pub redraw: RwSignal<u64>,
}

impl TreeState {
    /// Everything expanded.
    pub fn new() -> Self {
        TreeState { collapsed: RwSignal::new(HashSet::new()), redraw: RwSignal::new(0) }
    }
}

impl Default for TreeState {
    fn default() -> Self {
        Self::new()
    }
}

struct Ctx<'a> {
    view: &'a TopologyView,
    cluster: &'a str,
    state: TreeState,
    collapsed: &'a HashSet<String>,
}

/// The one style rule that outlines the selected box (instead of a reactive class on each of
/// hundreds of boxes). Keys outside the hostname alphabet get no rule: the URL cannot inject CSS.
pub fn selected_rule(key: Option<&str>) -> String {
    match key {
        Some(k)
            if !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')) =>
        {
            format!("#topology-tree a.ibox[data-key=\"{k}\"] {{ outline: 3px solid #1f5fbf; outline-offset: 1px; }}")
        }
        _ => String::new(),
    }
}

fn node(ctx: &Ctx<'_>, index: u32) -> AnyView {
    let Some(n) = ctx.view.nodes.get(index as usize) else { return ().into_any() };
    let key = n.instance.key.clone();
    let href = cluster_href(ctx.cluster, Some(&key));
    let ibox = view! { <InstanceBox instance=n.instance.clone() href=href/> };
    if n.children.is_empty() {
        return view! { <li class="tnode">{ibox}</li> }.into_any();
    }
    let leaves = n
        .children
        .iter()
        .all(|c| ctx.view.nodes.get(*c as usize).is_some_and(|x| x.children.is_empty()));
    let children = n.children.iter().map(|c| node(ctx, *c)).collect_view();
    let open = !ctx.collapsed.contains(&key);
    let count = n.children.len();
    let label = if count == 1 { "1 replica".to_string() } else { format!("{count} replicas") };
    let state = ctx.state;
    let on_toggle = move |ev: leptos::ev::Event| {
        let open = event_target::<leptos::web_sys::Element>(&ev).has_attribute("open");
        state.collapsed.update(|c| {
            if open {
                c.remove(&key);
            } else {
                c.insert(key.clone());
            }
        });
    };
    view! {
        <li class="tnode">
            {ibox}
            <details open=open on:toggle=on_toggle>
                <summary>{label}</summary>
                <ul class="tchildren" class:leaves=leaves>{children}</ul>
            </details>
        </li>
    }
    .into_any()
}

/// Keys of every instance with replicas (for "collapse all").
pub fn masters(view: &TopologyView) -> HashSet<String> {
    view.nodes.iter().filter(|n| !n.children.is_empty()).map(|n| n.instance.key.clone()).collect()
}

/// The tree of `view`; `selected` is the instance whose panel is open.
#[component]
pub fn TopologyTree(
    /// The cluster's topology.
    view: TopologyView,
    /// The cluster as the page's URL names it (name or alias), for the boxes' links.
    cluster: String,
    /// Collapsed subtrees.
    state: TreeState,
    /// The selected instance key.
    selected: Memo<Option<String>>,
    /// Where a dropped move goes, for confirmation.
    moving: PendingMove,
) -> impl IntoView {
    let collapsed = state.collapsed.get_untracked();
    let ctx = Ctx { view: &view, cluster: &cluster, state, collapsed: &collapsed };
    let roots = view.roots.iter().map(|r| node(&ctx, *r)).collect_view();
    let dragged = RwSignal::new(None::<String>);
    let box_key = |ev: &leptos::ev::DragEvent| {
        event_target::<leptos::web_sys::Element>(ev)
            .closest("a.ibox")
            .ok()
            .flatten()
            .and_then(|a| a.get_attribute("data-key"))
    };
    let on_dragstart = move |ev: leptos::ev::DragEvent| dragged.set(box_key(&ev));
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if dragged.with_untracked(Option::is_some) && box_key(&ev).is_some() {
            ev.prevent_default();
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let (Some(source), Some(target)) = (dragged.get_untracked(), box_key(&ev)) {
            if source != target {
                moving.set(Some((source, target)));
            }
        }
        dragged.set(None);
    };
    view! {
        <style id="selected-box">{move || selected.with(|s| selected_rule(s.as_deref()))}</style>
        <ul class="tree" id="topology-tree" on:dragstart=on_dragstart on:dragover=on_dragover on:drop=on_drop>{roots}</ul>
    }
}

#[cfg(test)]
mod tests {
    use super::selected_rule;

    #[test]
    fn selected_rule_refuses_what_is_not_a_key() {
        assert!(selected_rule(Some("db1.example.com:3306"))
            .contains(r#"[data-key="db1.example.com:3306"]"#));
        assert_eq!(selected_rule(Some(r#"x"] { } body { display: none"#)), "");
        assert_eq!(selected_rule(None), "");
    }
}
