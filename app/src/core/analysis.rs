//! Failure analysis: classify every instance of a `Topology` with orchestrator's codes, the way
//! its `GetReplicationAnalysis` does, as a pure function of observations, downtimes and `now`.
//!
//! Holistic detection: an unreachable master is declared dead only when the replicas this node
//! *can* reach agree (none of them replicates from it); otherwise it is merely unreachable.
//! The per-instance counts are in `analysis_counts`; the ordered rules (first match wins, in
//! orchestrator's order) are in `analysis_rules`. Downtime never hides an analysis: it marks it
//! skippable. Deciding and running a recovery is not this module's job.

use serde::{Deserialize, Serialize};

use crate::core::analysis_code::AnalysisCode;
use crate::core::analysis_counts::Counts;
use crate::core::analysis_rules::{classify, structure_warnings};
use crate::core::downtime::Downtime;
use crate::core::instance_key::InstanceKey;
use crate::core::topology::Topology;

/// Thresholds and switches of the analysis (orchestrator's config keys, same defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisConfig {
    /// `InstancePollSeconds` (5).
    pub instance_poll_seconds: i64,
    /// `ReasonableInstanceCheckSeconds` (1). A probe started more than poll + this after the
    /// last success makes the instance invalid even before it fails (a hung probe).
    pub reasonable_instance_check_seconds: i64,
    /// `ReasonableReplicationLagSeconds` (10): above it a replica counts as lagging.
    pub reasonable_replication_lag_seconds: i64,
    /// `ReasonableLockedSemiSyncMasterSeconds` (0 = use the replication-lag threshold).
    pub reasonable_locked_semi_sync_master_seconds: i64,
    /// `RecoverNonWriteableMaster` (false): report a read-only master as an actionable analysis.
    pub recover_non_writeable_master: bool,
    /// `EnforceExactSemiSyncReplicas` (false).
    pub enforce_exact_semi_sync_replicas: bool,
    /// `ReduceReplicationAnalysisCount` (true): skip healthy leaves before classifying.
    pub reduce_replication_analysis_count: bool,
    /// Also return `NoProblem` entries (orchestrator's `IncludeNoProblem` hint).
    pub include_no_problem: bool,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            instance_poll_seconds: 5,
            reasonable_instance_check_seconds: 1,
            reasonable_replication_lag_seconds: 10,
            reasonable_locked_semi_sync_master_seconds: 0,
            recover_non_writeable_master: false,
            enforce_exact_semi_sync_replicas: false,
            reduce_replication_analysis_count: true,
            include_no_problem: false,
        }
    }
}

/// Kind of the analyzed instance, as hooks see it (`{instanceType}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalysisInstanceType {
    /// Top master.
    Master,
    /// One of two masters replicating from each other.
    CoMaster,
    /// Anything with a master (replicas included).
    IntermediateMaster,
}

/// The verdict on one instance, with the counts that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationAnalysis {
    /// The analyzed instance.
    pub analyzed_instance_key: InstanceKey,
    /// Its master, if it has one.
    pub analyzed_instance_master_key: Option<InstanceKey>,
    /// Its data center.
    pub analyzed_instance_data_center: String,
    /// Its region.
    pub analyzed_instance_region: String,
    /// Its cluster.
    pub cluster_name: String,
    /// Its cluster's alias.
    pub cluster_alias: String,
    /// The problem found (`NoProblem` when only structure warnings apply).
    pub analysis: AnalysisCode,
    /// orchestrator's human description of the problem.
    pub description: String,
    /// Structure warnings, in orchestrator's order.
    pub structure_analysis: Vec<AnalysisCode>,
    /// No master (a top master).
    pub is_master: bool,
    /// Part of a co-master pair.
    pub is_co_master: bool,
    /// The instance the cluster is named after.
    pub is_cluster_master: bool,
    /// Last check valid, including the hung-probe condition.
    pub last_check_valid: bool,
    /// Last probe got at least its first query through.
    pub last_check_partial_success: bool,
    /// Replication depth (0 for the top master).
    pub replication_depth: u32,
    /// Known instances replicating from it.
    pub count_replicas: u32,
    /// ... of which last check valid.
    pub count_valid_replicas: u32,
    /// ... of which valid with IO and SQL threads running.
    pub count_valid_replicating_replicas: u32,
    /// ... of which valid and failing to connect to it.
    pub count_replicas_failing_to_connect_to_master: u32,
    /// ... of which lagging over `reasonable_replication_lag_seconds`.
    pub count_lagging_replicas: u32,
    /// ... of which with `SQL_Delay` > 0.
    pub count_delayed_replicas: u32,
    /// ... of which downtimed.
    pub count_downtimed_replicas: u32,
    /// ... of which writing binlogs with replica updates.
    pub count_logging_replicas: u32,
    /// The replicas, in key order.
    pub replicas: Vec<InstanceKey>,
    /// Its own IO thread fails to connect to its master.
    pub is_failing_to_connect_to_master: bool,
    /// Under an active downtime.
    pub is_downtimed: bool,
    /// When that downtime ends (unix ms).
    pub downtime_end_ms: Option<i64>,
    /// Every replica is downtimed and the code is about the replicas.
    pub is_replicas_downtimed: bool,
    /// Automated recovery must skip it (an explicit `recover` does not).
    pub skippable_due_to_downtime: bool,
    /// All valid replicas use MySQL GTID auto-positioning.
    pub oracle_gtid_immediate_topology: bool,
    /// All valid replicas use MariaDB GTID.
    pub mariadb_gtid_immediate_topology: bool,
    /// `read_only` on the analyzed instance.
    pub is_read_only: bool,
}

impl ReplicationAnalysis {
    /// Master / co-master / intermediate master, as orchestrator's `GetAnalysisInstanceType`.
    pub fn instance_type(&self) -> AnalysisInstanceType {
        if self.is_co_master {
            AnalysisInstanceType::CoMaster
        } else if self.is_master {
            AnalysisInstanceType::Master
        } else {
            AnalysisInstanceType::IntermediateMaster
        }
    }

    /// orchestrator's `AnalysisString`: the code (unless `NoProblem`) and the structure warnings.
    pub fn analysis_string(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if self.analysis != AnalysisCode::NoProblem {
            parts.push(self.analysis.as_str());
        }
        parts.extend(self.structure_analysis.iter().map(|c| c.as_str()));
        parts.join(", ")
    }
}

/// Analyzes every instance of `topology` at `now_ms`.
///
/// Returns entries that have a problem or a structure warning (plus `NoProblem` entries when
/// `config.include_no_problem`), ordered masters first, then cluster masters, then by number of
/// replicas (descending), then by key. Downtimed entries are included and marked skippable.
pub fn analyze(
    topology: &Topology,
    downtimes: &[Downtime],
    now_ms: i64,
    config: &AnalysisConfig,
) -> Vec<ReplicationAnalysis> {
    let aliases: std::collections::BTreeMap<String, String> =
        topology.clusters().into_iter().map(|c| (c.name, c.alias)).collect();
    let mut result: Vec<ReplicationAnalysis> = Vec::new();
    for instance in topology.instances() {
        let counts = Counts::gather(topology, instance, downtimes, now_ms, config);
        if config.reduce_replication_analysis_count && !counts.is_interesting() {
            continue;
        }
        let (code, description) = classify(&counts, config);
        let structure = structure_warnings(&counts);
        if code == AnalysisCode::NoProblem && structure.is_empty() && !config.include_no_problem {
            continue;
        }
        let downtime_end_ms = downtimes
            .iter()
            .filter(|d| d.key == instance.key && d.is_active(now_ms))
            .map(|d| d.ends_at_ms)
            .max();
        let is_downtimed = downtime_end_ms.is_some();
        let is_replicas_downtimed =
            counts.replicas == counts.downtimed_replicas && code.is_about_replicas();
        let cluster_name = topology.cluster_of(&instance.key).unwrap_or_default().to_string();
        result.push(ReplicationAnalysis {
            analyzed_instance_key: instance.key.clone(),
            analyzed_instance_master_key: instance.master_key.clone(),
            analyzed_instance_data_center: instance.data_center.clone(),
            analyzed_instance_region: instance.region.clone(),
            cluster_alias: aliases
                .get(&cluster_name)
                .cloned()
                .unwrap_or_else(|| cluster_name.clone()),
            is_cluster_master: instance.key.to_string() == cluster_name,
            cluster_name,
            analysis: code,
            description: description.to_string(),
            structure_analysis: structure,
            is_master: counts.is_master,
            is_co_master: counts.is_co_master,
            last_check_valid: counts.last_check_valid,
            last_check_partial_success: counts.last_check_partial_success,
            replication_depth: topology.depth_of(&instance.key).unwrap_or(0),
            count_replicas: counts.replicas,
            count_valid_replicas: counts.valid_replicas,
            count_valid_replicating_replicas: counts.valid_replicating_replicas,
            count_replicas_failing_to_connect_to_master: counts.replicas_failing_to_connect,
            count_lagging_replicas: counts.lagging_replicas,
            count_delayed_replicas: counts.delayed_replicas,
            count_downtimed_replicas: counts.downtimed_replicas,
            count_logging_replicas: counts.logging_replicas,
            replicas: topology.replicas_of(&instance.key).to_vec(),
            is_failing_to_connect_to_master: counts.is_failing_to_connect_to_master,
            is_downtimed,
            downtime_end_ms,
            is_replicas_downtimed,
            skippable_due_to_downtime: is_downtimed || is_replicas_downtimed,
            oracle_gtid_immediate_topology: counts.oracle_gtid_immediate_topology(),
            mariadb_gtid_immediate_topology: counts.mariadb_gtid_immediate_topology(),
            is_read_only: instance.read_only,
        });
    }
    result.sort_by(|a, b| {
        b.is_master
            .cmp(&a.is_master)
            .then(b.is_cluster_master.cmp(&a.is_cluster_master))
            .then(b.count_replicas.cmp(&a.count_replicas))
            .then_with(|| a.analyzed_instance_key.cmp(&b.analyzed_instance_key))
    });
    result
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
