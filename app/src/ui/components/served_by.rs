//! The banner on every page: which node served it, its raft role, its applied index, the
//! leader it follows, and whether actions can be committed. It follows the live pulse every
//! second after hydration, updating text and attributes in place (no re-render, so focus stays
//! and nothing moves), in a fixed-height bar.

use leptos::prelude::*;

use crate::api::authz::get_caller;
use crate::api::pulse::PulseView;
use crate::ui::live::{use_live, Live};

/// The leader as people read it: its raft address (its id only when the address is unknown).
fn leader_name(p: &PulseView) -> String {
    match (&p.leader_raft_addr, p.leader_id) {
        (Some(addr), _) => addr.clone(),
        (None, Some(id)) => format!("node {id}"),
        (None, None) => String::new(),
    }
}

/// The fields, fine-grained.
#[component]
fn LiveBanner(live: Live) -> impl IntoView {
    let pulse = Memo::new(move |_| live.current().and_then(Result::ok));
    let text = move |f: fn(&PulseView) -> String| {
        move || pulse.with(|p| p.as_ref().map(f).unwrap_or_default())
    };
    let leads = move || pulse.with(|p| p.as_ref().is_some_and(|p| p.leader_id == Some(p.node_id)));
    let leader_href = move || {
        pulse.with(|p| {
            let uri = p.as_ref().and_then(|p| p.leader_uri.as_deref());
            uri.map(|u| crate::ui::url_prefix::on_node(u, "/")).unwrap_or_default()
        })
    };
    let quorum = move || {
        let unreachable = live.unreachable.get();
        let ok = pulse.with(|p| p.as_ref().is_some_and(|p| p.has_quorum));
        if unreachable {
            ("quorum quorum-bad", "This node is not answering: the page shows its last answer")
        } else if ok {
            ("quorum quorum-ok", "Quorum OK: actions are committed through raft")
        } else {
            ("quorum quorum-bad", "No quorum: this node knows no leader holding a quorum. Data may be stale; actions are refused.")
        }
    };
    view! {
        <div class="pulse-line">
            <span>"Served by " <b id="pulse-node" title=text(|p| format!("raft node id {}", p.node_id))>{text(|p| p.raft_addr.clone())}</b></span>
            <span class=text(|p| format!("role role-{}", p.state.to_lowercase())) id="pulse-role">{text(|p| p.state.clone())}</span>
            <span>"applied index " <b id="pulse-applied">{text(|p| p.applied_index.map(|i| i.to_string()).unwrap_or_else(|| "-".into()))}</b></span>
            <span>"term " {text(|p| p.term.to_string())}</span>
            <span id="pulse-leader">
                <span class:hidden=move || !leads()>"this node leads"</span>
                <span class:hidden=move || leads() || leader_href().is_empty()>
                    "leader: " <a href=leader_href>{text(leader_name)}</a>
                </span>
                <span class:hidden=move || leads() || !leader_href().is_empty()>
                    {text(|p| if p.leader_id.is_some() { format!("leader: {}", leader_name(p)) } else { "no leader known".into() })}
                </span>
            </span>
            <span class="stale-note" title="Reads come from this node's own store, which may trail the leader by a few entries">
                "read locally, possibly stale"
            </span>
        </div>
        <span class=move || quorum().0 id="pulse-quorum" role="status">{move || quorum().1}</span>
    }
}

/// The served-by banner, and who the caller is when the node authenticates (a read-only
/// caller is told so here; the node refuses their actions with the same reason).
#[component]
pub fn ServedBy() -> impl IntoView {
    let live = use_live();
    let caller = Resource::new(|| (), |_| get_caller());
    view! {
        <div class="pulse" id="pulse">
            <Suspense fallback=|| view! { <div class="pulse-line">"…"</div> }>
                {move || live.initial.get().map(|first| match first {
                    Ok(_) => view! { <LiveBanner live=live/> }.into_any(),
                    Err(e) => view! { <span class="quorum quorum-bad">{format!("Node status unavailable: {e}")}</span> }.into_any(),
                })}
                {move || caller.get().and_then(Result::ok).map(|c| {
                    let user = c.user.map(|u| view! { <span id="caller">"signed in as " <b>{u}</b></span> });
                    let read_only = (!c.can_write).then(|| {
                        let why = c.read_only_reason.unwrap_or_else(|| "writes are not allowed".into());
                        view! { <span class="read-only" id="read-only">{format!("Read-only: {why}")}</span> }
                    });
                    view! { <div class="caller-line">{user}{read_only}</div> }
                })}
            </Suspense>
        </div>
    }
}
