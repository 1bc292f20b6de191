//! Problems page: every instance with a problem, across clusters (orchestrator's problems view),
//! as `/api/problems` lists them (downtimed instances are not listed).

use leptos::prelude::*;

use crate::api::search::get_problems;
use crate::ui::components::instance_list::InstanceList;
use crate::ui::live::use_live;

/// Instances with problems.
#[component]
pub fn ProblemsPage() -> impl IntoView {
    let live = use_live();
    let data = Resource::new(move || live.epoch(), |_| get_problems());
    view! {
        <h1>"Problems"</h1>
        <p class="muted">"Every instance with a problem, in every cluster (downtimed ones are left out)."</p>
        <Transition fallback=|| view! { <p class="muted">"Loading problems…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(hits) if hits.is_empty() => view! { <p class="empty" id="no-problems">"No instance has a problem."</p> }.into_any(),
                    Ok(hits) => view! { <InstanceList hits=hits id="problems"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
