//! Downtimes page: active downtimes with an "end" button each, and the form to add one.

use leptos::prelude::*;

use crate::api::downtime::{get_downtimes, BeginDowntime, EndDowntime};
use crate::ui::components::action_result::ActionResult;
use crate::ui::components::downtime_form::BeginDowntimeForm;
use crate::ui::components::end_downtime_form::EndDowntimeForm;
use crate::ui::format::utc;
use crate::ui::live::{refresh_after, use_live};

/// Active downtimes.
#[component]
pub fn DowntimesPage() -> impl IntoView {
    let live = use_live();
    let begin = ServerAction::<BeginDowntime>::new();
    let end = ServerAction::<EndDowntime>::new();
    refresh_after(begin.version());
    refresh_after(end.version());
    let data = Resource::new(move || live.epoch(), |_| get_downtimes());
    view! {
        <h1>"Downtimes"</h1>
        <p class="muted">"A downtimed instance is still probed and analyzed, but automated recovery skips it."</p>
        <ActionResult value=end.value() pending=end.pending()/>
        <Transition fallback=|| view! { <p class="muted">"Loading downtimes…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty" id="no-downtimes">"No active downtime."</p> }.into_any(),
                    Ok(list) => {
                        let rows = list
                            .into_iter()
                            .map(|d| {
                                let key = format!("{}:{}", d.hostname, d.port);
                                let (row_key, cell_key) = (key.clone(), key.clone());
                                view! {
                                    <tr data-key=row_key>
                                        <td class="ikey">{cell_key}</td>
                                        <td>{d.owner}</td>
                                        <td>{d.reason}</td>
                                        <td>{utc(d.begins_at_ms)}</td>
                                        <td>{utc(d.ends_at_ms)}</td>
                                        <td><EndDowntimeForm action=end instance=key/></td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <table class="list" id="downtimes">
                                <thead><tr><th>"Instance"</th><th>"Owner"</th><th>"Reason"</th><th>"Began"</th><th>"Ends"</th><th></th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <BeginDowntimeForm action=begin/>
        <ActionResult value=begin.value() pending=begin.pending()/>
    }
}
