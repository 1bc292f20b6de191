//! The "register candidate" form: a promotion rule for one instance or any.

use leptos::prelude::*;

use crate::api::candidate::RegisterCandidate;
use crate::core::PromotionRule;

/// Registers a promotion rule. With `instance` the instance is fixed; `current` preselects
/// the instance's registered rule.
#[component]
pub fn RegisterCandidateForm(
    /// The page's action.
    action: ServerAction<RegisterCandidate>,
    /// The instance, when fixed.
    #[prop(optional, into)]
    instance: Option<String>,
    /// The rule registered now, if any.
    #[prop(optional, into)]
    current: Option<String>,
) -> impl IntoView {
    let target = match instance {
        Some(key) => view! { <input type="hidden" name="instance" value=key/> }.into_any(),
        None => view! {
            <label>"Instance (host:port)"
                <input name="instance" required placeholder="db1.example.com:3306" autocomplete="off"/>
            </label>
        }
        .into_any(),
    };
    let selected = current.unwrap_or_else(|| "prefer".into());
    let options = PromotionRule::ALL
        .into_iter()
        .map(|rule| {
            let name = rule.as_str();
            view! { <option value=name selected=name == selected>{name}</option> }
        })
        .collect_view();
    view! {
        <ActionForm action=action>
            <fieldset class="form" id="register-candidate-form">
                <legend>"Register candidate (promotion rule)"</legend>
                {target}
                <label>"Rule" <select name="rule">{options}</select></label>
                <button type="submit">"Register"</button>
            </fieldset>
        </ActionForm>
    }
}
