//! The banner on every page: which node served it, its raft role, its applied index, the
//! leader it follows, and whether actions can be committed. It reads the live pulse, so it
//! updates every second after hydration without a reload, in a fixed-height bar.

use leptos::prelude::*;

use crate::api::pulse::PulseView;
use crate::ui::live::use_live;

fn role_class(state: &str) -> String {
    format!("role role-{}", state.to_lowercase())
}

fn banner(p: PulseView, unreachable: bool) -> impl IntoView {
    let applied = p.applied_index.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
    let leader = match (p.leader_id, &p.leader_uri) {
        (Some(id), _) if id == p.node_id => view! { <span id="pulse-leader">"this node leads"</span> }.into_any(),
        (Some(id), Some(uri)) => {
            view! { <span id="pulse-leader">"leader: " <a href=uri.clone()>{format!("node {id}")}</a></span> }.into_any()
        }
        (Some(id), None) => view! { <span id="pulse-leader">{format!("leader: node {id}")}</span> }.into_any(),
        (None, _) => view! { <span id="pulse-leader">"no leader known"</span> }.into_any(),
    };
    let quorum = if unreachable {
        view! { <span class="quorum quorum-bad" id="pulse-quorum">"This node is not answering: the page shows its last answer"</span> }.into_any()
    } else if p.has_quorum {
        view! { <span class="quorum quorum-ok" id="pulse-quorum">"Quorum OK: actions are committed through raft"</span> }.into_any()
    } else {
        view! {
            <span class="quorum quorum-bad" id="pulse-quorum" role="alert">
                "No quorum: this node knows no leader holding a quorum. Data may be stale; actions are refused."
            </span>
        }
        .into_any()
    };
    let role = role_class(&p.state);
    view! {
        <div class="pulse-line">
            <span>"Served by node " <b id="pulse-node">{p.node_id.to_string()}</b> " (" {p.raft_addr} ")"</span>
            <span class=role id="pulse-role">{p.state}</span>
            <span>"applied index " <b id="pulse-applied">{applied}</b></span>
            <span>"term " {p.term.to_string()}</span>
            {leader}
            <span class="stale-note" title="Reads come from this node's own store, which may trail the leader by a few entries">
                "read locally, possibly stale"
            </span>
        </div>
        {quorum}
    }
}

/// The served-by banner.
#[component]
pub fn ServedBy() -> impl IntoView {
    let live = use_live();
    view! {
        <div class="pulse" id="pulse">
            <Suspense fallback=|| view! { <div class="pulse-line">"…"</div> }>
                {move || {
                    let unreachable = live.unreachable.get();
                    live.current().map(|r| match r {
                        Ok(p) => banner(p, unreachable).into_any(),
                        Err(e) => view! { <span class="quorum quorum-bad">{format!("Node status unavailable: {e}")}</span> }.into_any(),
                    })
                }}
            </Suspense>
        </div>
    }
}
