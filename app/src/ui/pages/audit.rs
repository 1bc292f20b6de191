//! Audit page (`/web/audit?page=`): the replicated audit log of topology operations, newest
//! first, 20 per page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::audit::get_audit;
use crate::ui::format::utc;
use crate::ui::live::use_live;

/// The audit log.
#[component]
pub fn AuditPage() -> impl IntoView {
    let live = use_live();
    let query = use_query_map();
    let page = Memo::new(move |_| {
        query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(0)
    });
    let data = Resource::new(move || (page.get(), live.epoch()), |(p, _)| get_audit(p));
    view! {
        <h1>"Audit"</h1>
        <p class="muted">"Every topology operation and its outcome, as replicated to every node."</p>
        <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="empty" id="no-audit">"No audit entry."</p> }.into_any(),
                    Ok(rows) => {
                        let full = rows.len() >= 20;
                        let body = rows
                            .into_iter()
                            .map(|a| {
                                let failed = a.audit_type.ends_with("-failed");
                                view! {
                                <tr data-audit-id=a.id.to_string() class:failed=failed>
                                    <td>{a.id.to_string()}</td>
                                    <td>{utc(a.at_ms)}</td>
                                    <td class="audit-type">{a.audit_type}</td>
                                    <td class="ikey">{a.instance}</td>
                                    <td>{a.message}</td>
                                </tr>
                                }
                            })
                            .collect_view();
                        let p = page.get_untracked();
                        view! {
                            <table class="list" id="audit">
                                <thead><tr><th>"Id"</th><th>"When"</th><th>"Operation"</th><th>"Instance"</th><th>"Message"</th></tr></thead>
                                <tbody>{body}</tbody>
                            </table>
                            <p class="toolbar">
                                {(p > 0).then(|| view! { <a href=crate::ui::url_prefix::web(&format!("/web/audit?page={}", p - 1))>"Newer"</a> })}
                                {full.then(|| view! { <a href=crate::ui::url_prefix::web(&format!("/web/audit?page={}", p + 1))>"Older"</a> })}
                            </p>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
