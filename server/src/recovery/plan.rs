//! The promotion plan of a cluster from this node's latest analysis snapshot: the core's
//! `promotion_plan` (the choice a master recovery makes) with the rules and constraints the
//! recovery would use — registered or detected promotion rules, `PromotionIgnoreHostnameFilters`
//! as `must_not`, and the `PreventCross*` / `FailMasterPromotion*` keys.

use app::core::promotion_plan::{promotion_plan, PromotionPlan};
use app::core::{Instance, InstanceKey, PromotionRule};

use crate::analysis_state::AnalysisSnapshot;
use crate::config::NodeConfig;

/// The plan for the death of cluster `name`'s master; `None` when its master is unknown.
pub fn cluster_plan(
    snapshot: &AnalysisSnapshot,
    config: &NodeConfig,
    name: &str,
) -> Option<PromotionPlan> {
    let master_key = snapshot.master_of_cluster(name)?;
    let master = snapshot.topology.instance(&master_key)?;
    let replicas: Vec<Instance> = snapshot
        .topology
        .replicas_of(&master_key)
        .iter()
        .filter_map(|k| snapshot.topology.instance(k))
        .cloned()
        .collect();
    let recovery = config.recovery();
    let ignore = &recovery.promotion_ignore_hostname_filters;
    // Snapshot instances carry their registered rule, else the detected one.
    let rules = |k: &InstanceKey| {
        if ignore.iter().any(|re| re.is_match(&k.hostname)) {
            PromotionRule::MustNot
        } else {
            replicas
                .iter()
                .find(|i| &i.key == k)
                .map_or(PromotionRule::Neutral, |i| i.promotion_rule)
        }
    };
    let constraints = recovery.promotion.constraints(&master.data_center, &master.region, false);
    Some(promotion_plan(&master_key, &replicas, &rules, &constraints))
}
