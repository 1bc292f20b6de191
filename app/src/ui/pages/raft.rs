//! Raft page: membership, roles, term and indexes, read live from the serving node.

use leptos::prelude::*;

use crate::api::dto::RaftStatusView;
use crate::api::raft::get_raft_status;

/// Membership table with a "served by" banner; refreshes every second once hydrated.
#[component]
pub fn RaftPage() -> impl IntoView {
    let (tick, set_tick) = signal(0u64);
    let status = Resource::new(move || tick.get(), |_| get_raft_status());

    // Poll once a second after hydration (a cheap local read on the node).
    #[cfg(feature = "hydrate")]
    {
        use leptos::leptos_dom::helpers::set_interval_with_handle;
        if let Ok(handle) =
            set_interval_with_handle(move || set_tick.update(|t| *t += 1), std::time::Duration::from_millis(1000))
        {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_tick;

    view! {
        <h1>"Raft"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading raft status…"</p> }>
            {move || status.get().map(|result| match result {
                Ok(s) => view! { <RaftStatus status=s/> }.into_any(),
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RaftStatus(status: RaftStatusView) -> impl IntoView {
    let leader = status.leader_id;
    let applied = status.applied_index.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
    let rows = status
        .members
        .into_iter()
        .map(|m| {
            let me = m.id == status.node_id;
            let role_class = format!("role role-{}", m.role.to_lowercase());
            view! {
                <tr data-node-id=m.id.to_string() class:me=me>
                    <td>{m.id.to_string()}</td>
                    <td>{m.raft_addr}</td>
                    <td>{m.http_uri.unwrap_or_else(|| "unknown".into())}</td>
                    <td><span class=role_class>{m.role}</span></td>
                    <td>{m.matched_index.map(|i| i.to_string()).unwrap_or_else(|| "-".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="served-by" id="served-by">
            "Served by node " <b>{status.node_id.to_string()}</b> " (" {status.raft_addr.clone()} "), "
            <span id="node-state">{status.state.clone()}</span>
            ", term " <span id="term">{status.term.to_string()}</span>
            ", applied index " <span id="applied-index">{applied}</span>
        </p>
        {(!status.is_part_of_quorum).then(|| view! {
            <p class="warning" id="no-quorum">"This node is not part of a quorum: what it shows may be stale and actions are refused."</p>
        })}
        <p id="leader">
            "Leader: "
            {match leader { Some(id) => id.to_string(), None => "none".into() }}
        </p>
        <table class="members">
            <thead><tr><th>"Id"</th><th>"Raft address"</th><th>"HTTP"</th><th>"Role"</th><th>"Matched index"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
