//! Candidates page: registered promotion rules with a "remove" button each, and the form to
//! register one.

use leptos::prelude::*;

use crate::api::candidate::{get_candidates, DeregisterCandidate, RegisterCandidate};
use crate::ui::components::action_result::ActionResult;
use crate::ui::components::candidate_form::RegisterCandidateForm;
use crate::ui::format::utc;
use crate::ui::live::{refresh_after, use_live};

/// Registered promotion rules.
#[component]
pub fn CandidatesPage() -> impl IntoView {
    let live = use_live();
    let register = ServerAction::<RegisterCandidate>::new();
    let remove = ServerAction::<DeregisterCandidate>::new();
    refresh_after(register.version());
    refresh_after(remove.version());
    let data = Resource::new(move || live.epoch(), |_| get_candidates());
    view! {
        <h1>"Candidates"</h1>
        <p class="muted">
            "Promotion rules steer which replica a failover promotes: prefer > neutral > prefer_not; must_not is never promoted. "
            "Registrations expire (CandidateInstanceExpireMinutes); removing one makes the instance neutral again."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading candidates…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty" id="no-candidates">"No registered promotion rule."</p> }.into_any(),
                    Ok(list) => {
                        let rows = list
                            .into_iter()
                            .map(|c| {
                                let key = format!("{}:{}", c.hostname, c.port);
                                let target = key.clone();
                                let reset = view! {
                                    <ActionForm action=remove>
                                        <input type="hidden" name="instance" value=target.clone()/>
                                        <button type="submit" class="secondary" aria-label=format!("Remove the rule of {target}")>"Remove"</button>
                                    </ActionForm>
                                };
                                let (row_key, cell_key) = (key.clone(), key);
                                view! {
                                    <tr data-key=row_key>
                                        <td class="ikey">{cell_key}</td>
                                        <td><span class="badge b-rule">{c.promotion_rule}</span></td>
                                        <td>{utc(c.last_suggested_ms)}</td>
                                        <td>{utc(c.expires_at_ms)}</td>
                                        <td>{reset}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <table class="list" id="candidates">
                                <thead><tr><th>"Instance"</th><th>"Rule"</th><th>"Registered"</th><th>"Expires"</th><th></th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <RegisterCandidateForm action=register/>
        <ActionResult value=register.value() pending=register.pending()/>
        <ActionResult value=remove.value() pending=remove.pending()/>
    }
}
