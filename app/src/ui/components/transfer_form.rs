//! Leadership transfer to a chosen member.

use leptos::prelude::*;

use crate::api::raft::TransferLeadership;

/// A select of the members (id and raft address) other than the leader, and a button.
#[component]
pub fn TransferForm(
    /// The page's action.
    action: ServerAction<TransferLeadership>,
    /// `(id, raft address)` of the members that could take over.
    targets: Vec<(u64, String)>,
) -> impl IntoView {
    let options = targets
        .into_iter()
        .map(|(id, addr)| view! { <option value=id.to_string()>{format!("node {id} ({addr})")}</option> })
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
