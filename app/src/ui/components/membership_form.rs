//! Raft membership change: add a node or remove a member, with a confirmation box (so that it
//! also works without JavaScript).

use leptos::prelude::*;

use crate::api::raft::ChangeRaftMembership;

/// Add/remove form; `members` are the raft addresses offered for removal.
#[component]
pub fn MembershipForm(
    /// The page's action.
    action: ServerAction<ChangeRaftMembership>,
    /// Raft addresses of the current members.
    members: Vec<String>,
) -> impl IntoView {
    let options = members
        .into_iter()
        .map(|addr| view! { <option value=addr.clone()></option> })
        .collect_view();
    view! {
        <ActionForm action=action>
            <fieldset class="form inline" id="membership-form">
                <legend>"Change membership"</legend>
                <label>"Change "
                    <select name="change">
                        <option value="add" selected=true>"add a node (learner until caught up, then voter)"</option>
                        <option value="remove">"remove a member (the leader steps down if removed)"</option>
                    </select>
                </label>
                <label>"Raft address "
                    <input type="text" name="addr" list="raft-members" placeholder="host:port" required=true/>
                </label>
                <datalist id="raft-members">{options}</datalist>
                <label class="check"><input type="checkbox" name="confirm" value="yes"/> "Yes, change the raft membership"</label>
                <button type="submit" class="danger">"Change membership"</button>
            </fieldset>
        </ActionForm>
    }
}
