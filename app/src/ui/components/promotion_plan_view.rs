//! "If the master died now": the promotion plan of a cluster (the choice a master recovery
//! would make, from the same core function).

use leptos::prelude::*;

use crate::core::promotion_plan::PromotionPlan;

/// The plan, in words: promoted, moved, lost and passed over, each with its reason.
#[component]
pub fn PromotionPlanView(
    /// The plan (`None`: the master is not known).
    plan: Option<PromotionPlan>,
) -> impl IntoView {
    let Some(plan) = plan else {
        return view! { <section id="promotion-plan"><p class="muted">"No promotion plan: the master is not known."</p></section> }.into_any();
    };
    let headline = match (&plan.promoted, &plan.refusal) {
        (Some(k), _) => format!("If {} died now, {k} would be promoted.", plan.master),
        (None, Some(why)) => {
            format!("If {} died now, nothing would be promoted: {why}", plan.master)
        }
        (None, None) => format!("If {} died now, nothing would be promoted.", plan.master),
    };
    let moved = plan.moved.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ");
    let rows = |entries: &[crate::core::promotion_plan::PlanEntry], what: &'static str| {
        entries
            .iter()
            .map(|e| view! { <li><b>{e.key.to_string()}</b> " " {what} ": " {e.reason.clone()}</li> })
            .collect_view()
    };
    view! {
        <section id="promotion-plan" aria-label="Promotion plan">
            <h2>"Promotion plan"</h2>
            <p id="promotion-plan-headline">{headline}</p>
            <ul>
                {(!moved.is_empty()).then(|| view! { <li>"would move under it: " {moved}</li> })}
                {rows(&plan.passed_over, "passed over")}
                {rows(&plan.lost, "would be lost")}
            </ul>
        </section>
    }
    .into_any()
}
