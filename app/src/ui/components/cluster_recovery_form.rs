//! One cluster's automated-recovery switch (`disable-cluster-recovery`), with its badge.

use leptos::prelude::*;

use crate::api::clusters::SetClusterRecovery;

/// A badge saying whether the cluster's automated recovery is disabled, and the opposite action.
#[component]
pub fn ClusterRecoveryForm(
    /// The page's action.
    action: ServerAction<SetClusterRecovery>,
    /// The cluster (its alias, or its name).
    cluster: String,
    /// Whether an operator disabled its automated recovery.
    disabled: bool,
) -> impl IntoView {
    let (badge, next, label) = if disabled {
        ("cluster recovery disabled", "on", "Enable automated recovery of this cluster")
    } else {
        ("cluster recovery allowed", "off", "Disable automated recovery of this cluster")
    };
    view! {
        <div class="switch-row">
            <ActionForm action=action>
                <span
                    class=if disabled { "badge b-problem" } else { "badge" }
                    id="cluster-recovery-badge"
                >
                    {badge}
                </span>
                " "
                <input type="hidden" name="cluster" value=cluster/>
                <input type="hidden" name="enabled" value=next/>
                <button type="submit" class=if disabled { "" } else { "danger" } id="cluster-recovery-toggle">
                    {label}
                </button>
            </ActionForm>
        </div>
    }
}
