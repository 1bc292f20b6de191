//! Raft page: every member with its own report (id, raft and HTTP addresses, role, health,
//! term, last log and applied index; voters and learners), the serving node's view, leadership
//! transfer and membership changes.
//! Refreshes every second once hydrated.

use leptos::prelude::*;

use crate::api::raft::{get_raft_page, ChangeRaftMembership, RaftPageView, TransferLeadership};
use crate::ui::components::action_result::ActionResult;
use crate::ui::components::membership_form::MembershipForm;
use crate::ui::components::transfer_form::TransferForm;
use crate::ui::format::num;
use crate::ui::live::{refresh_after, use_live};

/// Membership table with a "served by" line and the transfer form.
#[component]
pub fn RaftPage() -> impl IntoView {
    let live = use_live();
    let transfer = ServerAction::<TransferLeadership>::new();
    refresh_after(transfer.version());
    let membership = ServerAction::<ChangeRaftMembership>::new();
    refresh_after(membership.version());
    let page = Resource::new(move || (live.tick.get(), live.epoch()), |_| get_raft_page());
    view! {
        <h1>"Raft"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading raft status…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <RaftStatus page=p/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <RaftTransfer action=transfer/>
        <ActionResult value=transfer.value() pending=transfer.pending()/>
        <RaftMembership action=membership/>
        <ActionResult value=membership.value() pending=membership.pending()/>
    }
}

/// The transfer form, outside the refreshing table so that neither its selection nor its
/// result is redrawn by the poll; the members are read when the page loads.
#[component]
fn RaftTransfer(action: ServerAction<TransferLeadership>) -> impl IntoView {
    let members = Resource::new(|| (), |_| get_raft_page());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                members.await.ok().map(|p| {
                    let leader = p.status.leader_id;
                    let targets: Vec<(u64, String, bool)> =
                        p.status.members.iter().map(|m| (m.id, m.raft_addr.clone(), Some(m.id) == leader)).collect();
                    view! { <TransferForm action=action targets=targets/> }
                })
            })}
        </Suspense>
    }
}

/// The membership form (members read once, like the transfer form's).
#[component]
fn RaftMembership(action: ServerAction<ChangeRaftMembership>) -> impl IntoView {
    let members = Resource::new(|| (), |_| get_raft_page());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                members.await.ok().map(|p| {
                    let addrs: Vec<String> = p.status.members.iter().map(|m| m.raft_addr.clone()).collect();
                    view! { <MembershipForm action=action members=addrs/> }
                })
            })}
        </Suspense>
    }
}

#[component]
fn RaftStatus(page: RaftPageView) -> impl IntoView {
    let status = page.status;
    let leader = status.leader_id;
    let applied = num(status.applied_index);
    let rows = page
        .members
        .into_iter()
        .map(|m| {
            let me = m.id == status.node_id;
            let role_class = format!("role role-{}", m.role.to_lowercase());
            let health = if m.healthy { "healthy" } else { "unhealthy" };
            view! {
                <tr data-node-id=m.id.to_string() class:me=me>
                    <td title=format!("raft node id {}", m.id)><b>{m.raft_addr}</b> {me.then_some(" (this node)")}</td>
                    <td class="muted">{m.id.to_string()}</td>
                    <td>{match m.http_uri { Some(u) => view! { <a href=crate::ui::url_prefix::on_node(&u, "/web/raft")>{u.clone()}</a> }.into_any(), None => "unknown".into_any() }}</td>
                    <td><span class=role_class>{m.role}</span></td>
                    <td class=format!("health-{health}")>{health}</td>
                    <td>{num(m.term)}</td>
                    <td>{num(m.last_log_index)}</td>
                    <td>{num(m.applied_index)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="served-by" id="served-by">
            "Served by " <b title=format!("raft node id {}", status.node_id)>{status.raft_addr.clone()}</b> ", "
            <span id="node-state">{status.state.clone()}</span>
            ", term " <span id="term">{status.term.to_string()}</span>
            ", applied index " <span id="applied-index">{applied}</span>
        </p>
        {(!status.is_part_of_quorum).then(|| view! {
            <p class="warning" id="no-quorum">"This node is not part of a quorum: what it shows may be stale and actions are refused."</p>
        })}
        <p id="leader" data-leader-id=leader.map(|id| id.to_string()).unwrap_or_default()>
            "Leader: "
            {match (status.leader_raft_addr.clone(), leader) { (Some(addr), _) => addr, (None, Some(id)) => format!("node {id}"), (None, None) => "none".into() }}
        </p>
        <table class="members">
            <thead>
                <tr>
                    <th>"Member"</th><th>"Node id"</th><th>"HTTP"</th><th>"Role"</th><th>"Health"</th>
                    <th>"Term"</th><th>"Last log index"</th><th>"Applied index"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="muted">"Each row is the member's own report, asked by this node just now; a member that does not answer within 0.8 s shows as Unreachable. A learner replicates the log but does not vote yet."</p>
    }
}
