//! A table of instances with their cluster, each linking to its box on the cluster page (the
//! search results and the problems view).

use leptos::prelude::*;

use super::instance_box::state_class;
use crate::api::search::InstanceHitView;
use crate::ui::format::{cluster_href, lag};

/// The table of `hits` (`id` names it for the page).
#[component]
pub fn InstanceList(
    /// The instances.
    hits: Vec<InstanceHitView>,
    /// The table's id.
    id: &'static str,
) -> impl IntoView {
    let rows = hits
        .into_iter()
        .map(|h| {
            let i = h.instance;
            let href = cluster_href(&h.cluster_name, Some(&i.key));
            let problems = i.problems.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
            let replication = if i.is_replica {
                format!("IO {} · SQL {} · lag {}", i.io_thread, i.sql_thread, lag(i.lag_seconds))
            } else {
                "not a replica".into()
            };
            view! {
                <tr data-key=i.key.clone() class=state_class(&i)>
                    <td class="ikey"><a href=href>{i.key.clone()}</a></td>
                    <td>{format!("{} ({})", h.cluster_alias, h.cluster_name)}</td>
                    <td>{i.master_key.clone().unwrap_or_else(|| "-".into())}</td>
                    <td>{replication}</td>
                    <td>{if problems.is_empty() { "none".to_string() } else { problems }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list" id=id>
            <thead><tr><th>"Instance"</th><th>"Cluster"</th><th>"Master"</th><th>"Replication"</th><th>"Problems"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
