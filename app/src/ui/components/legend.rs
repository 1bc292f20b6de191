//! The colour legend of the topology boxes.

use leptos::prelude::*;

/// Explains every colour and badge of an instance box.
#[component]
pub fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Legend">
            <li><span class="swatch st-ok"></span>"Healthy"</li>
            <li><span class="swatch st-lag"></span>"Replica lagging (> 10 s)"</li>
            <li><span class="swatch st-problem"></span>"Problem: a failure analysis, replication stopped, or no recent check"</li>
            <li><span class="swatch st-unreachable"></span>"Last probe failed (unreachable)"</li>
            <li><span class="badge b-problem">"problem"</span>" / " <span class="badge b-warn">"warning"</span>"A problem (orchestrator's name) / a warning"</li>
            <li><span class="badge b-downtime">"downtime"</span>"Silenced for automated recovery"</li>
            <li><span class="badge b-rule">"rule"</span>"Registered promotion rule"</li>
            <li><span class="badge b-rw">"RW"</span>" / " <span class="badge b-ro">"RO"</span>"Writable / read-only"</li>
        </ul>
    }
}
