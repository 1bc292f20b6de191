//! Leadership transfer to a chosen member.

use leptos::prelude::*;

use crate::api::raft::TransferLeadership;

/// A select of the members (id and raft address) other than the leader, and a button.
#[component]
pub fn TransferForm(
    /// The page's action.
    action: ServerAction<TransferLeadership>,
    /// `(id, raft address, leads now)` of every member.
    targets: Vec<(u64, String, bool)>,
) -> impl IntoView {
    let first_other = targets.iter().find(|t| !t.2).map(|t| t.0);
    let options = targets
        .into_iter()
        .map(|(id, addr, leads)| {
            let label = if leads {
                format!("node {id} ({addr}), the leader when the page was loaded")
            } else {
                format!("node {id} ({addr})")
            };
            view! { <option value=id.to_string() selected=Some(id) == first_other>{label}</option> }
        })
        .collect_view();
    view! {
        <ActionForm action=action>
            <fieldset class="form inline" id="transfer-form">
                <legend>"Transfer leadership"</legend>
                <label>"To" <select name="target">{options}</select></label>
                <button type="submit">"Transfer leadership"</button>
            </fieldset>
        </ActionForm>
    }
}
