//! Search page (`/web/search?s=`): instances by host, cluster name or alias, from the form in
//! the top bar (a plain GET form, so it works without JavaScript); and the discover form.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::operations::DiscoverInstance;
use crate::api::search::search_instances;
use crate::ui::components::action_result::ActionResult;
use crate::ui::components::instance_list::InstanceList;
use crate::ui::live::{refresh_after, use_live};

/// Search results and discovery.
#[component]
pub fn SearchPage() -> impl IntoView {
    let live = use_live();
    let query = use_query_map();
    let text = Memo::new(move |_| query.read().get("s").unwrap_or_default());
    let data = Resource::new(move || (text.get(), live.epoch()), |(t, _)| search_instances(t));
    let discover = ServerAction::<DiscoverInstance>::new();
    refresh_after(discover.version());
    view! {
        <h1>"Search"</h1>
        <form method="get" action=crate::ui::url_prefix::web("/web/search") class="form inline" id="search-page-form">
            <label>"Host, cluster or alias " <input name="s" value=move || text.get() autocomplete="off"/></label>
            <button type="submit">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(hits) if hits.is_empty() => view! { <p class="empty" id="no-results">"No instance matches."</p> }.into_any(),
                    Ok(hits) => view! { <InstanceList hits=hits id="search-results"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <ActionForm action=discover>
            <fieldset class="form inline" id="discover-form">
                <legend>"Discover"</legend>
                <label>"Instance (host:port)" <input name="instance" required placeholder="db1.example.com:3306" autocomplete="off"/></label>
                <button type="submit">"Discover"</button>
            </fieldset>
        </ActionForm>
        <ActionResult value=discover.value() pending=discover.pending()/>
    }
}
