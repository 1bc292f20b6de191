//! The latest analysis of this node's view of the fleet, rebuilt every second and shared with
//! the API and the dashboard (reads never run the analysis themselves).
//!
//! [`cluster_plan`] reads a cluster's promotion plan from it: the core's `promotion_plan` (the
//! choice a master recovery makes) with the rules and constraints the recovery would use —
//! registered or detected promotion rules, `PromotionIgnoreHostnameFilters` as `must_not`, and
//! the `PreventCross*` / `FailMasterPromotion*` keys.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use app::core::promotion_plan::{promotion_plan, PromotionPlan};
use app::core::{Instance, InstanceKey, PromotionRule, ReplicationAnalysis, Topology};

use crate::config::NodeConfig;

/// One pass of the analysis loop.
#[derive(Debug, Default)]
pub struct AnalysisSnapshot {
    /// When it was computed (unix ms).
    pub at_ms: i64,
    /// Topology built from this node's observations.
    pub topology: Topology,
    /// Analyses (problems and structure warnings only).
    pub analyses: Vec<ReplicationAnalysis>,
    /// Cluster name → alias (override > `ClusterNameToAlias` > detected).
    pub aliases: BTreeMap<String, String>,
}

impl AnalysisSnapshot {
    /// The alias of `cluster` (its name when it has none).
    pub fn alias(&self, cluster: &str) -> String {
        self.aliases.get(cluster).cloned().unwrap_or_else(|| cluster.to_string())
    }

    /// A full analysis entry for `key` even when it has no problem (manual operations need one).
    pub fn analysis_of(
        &self,
        key: &app::core::InstanceKey,
    ) -> Option<app::core::ReplicationAnalysis> {
        if let Some(a) = self.analyses.iter().find(|a| &a.analyzed_instance_key == key) {
            return Some(a.clone());
        }
        let config = app::core::AnalysisConfig {
            include_no_problem: true,
            reduce_replication_analysis_count: false,
            ..Default::default()
        };
        let mut a = app::core::analyze(&self.topology, &[], self.at_ms, &config)
            .into_iter()
            .find(|a| &a.analyzed_instance_key == key)?;
        a.cluster_alias = self.alias(&a.cluster_name);
        Some(a)
    }

    /// The failures this node sees now (codes that register a detection), for quorum-agreed
    /// failure detection.
    pub fn seen_failures(&self) -> Vec<app::core::failure_agreement::SeenFailure> {
        self.analyses
            .iter()
            .filter(|a| a.analysis.registers_detection())
            .map(|a| app::core::failure_agreement::SeenFailure {
                key: a.analyzed_instance_key.clone(),
                code: a.analysis,
            })
            .collect()
    }

    /// The master (top of the replication tree) of cluster `name`.
    pub fn master_of_cluster(&self, name: &str) -> Option<app::core::InstanceKey> {
        self.topology.cluster(name).and_then(|c| c.master)
    }

    /// Resolves a cluster hint (name, alias, or `host:port` of a member) to a cluster name.
    pub fn resolve_cluster(&self, hint: &str) -> Option<String> {
        if self.aliases.contains_key(hint) {
            return Some(hint.to_string());
        }
        if let Some((name, _)) = self.aliases.iter().find(|(_, alias)| alias.as_str() == hint) {
            return Some(name.clone());
        }
        let (host, port) = hint.rsplit_once(':')?;
        let key = app::core::InstanceKey::parse(host, port).ok()?;
        self.topology.cluster_of(&key).map(String::from)
    }
}

/// Shared holder of the latest snapshot.
#[derive(Debug, Default)]
pub struct AnalysisState {
    current: RwLock<Arc<AnalysisSnapshot>>,
}

impl AnalysisState {
    /// The latest snapshot (cheap clone of an `Arc`).
    pub fn get(&self) -> Arc<AnalysisSnapshot> {
        self.current.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Replaces the snapshot.
    pub fn set(&self, snapshot: AnalysisSnapshot) {
        if let Ok(mut s) = self.current.write() {
            *s = Arc::new(snapshot);
        }
    }
}

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
