//! orchestrator's `ClusterInfo` and `ReplicationAnalysis` JSON (`/api/clusters-info`,
//! `/api/replication-analysis`, and the `AnalysisEntry` of recovery audits), built from this
//! node's latest analysis snapshot.
//!
//! Counts orchestrator's analysis query computes but the core analysis does not keep (logging
//! replicas by binlog format, distinct major versions, semi-sync replicas, replica GTID modes)
//! are recomputed here from the snapshot's topology with orchestrator's definitions. Fields about
//! features this project does not have (binlog servers, Pseudo-GTID, multi-node consensus on
//! detections) are present with their "none" values.

use std::collections::BTreeSet;

use app::core::instance::BinlogFormat;
use app::core::time_fmt::format_utc;
use app::core::{AnalysisCode, ClusterInfo, Instance, InstanceKey, ReplicationAnalysis, Topology};
use serde::Serialize;

use super::instance_json::{empty_key, CoordinatesJson};
use crate::analysis_state::AnalysisSnapshot;
use crate::config::RecoveryConfig;

/// orchestrator's `ClusterInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClusterInfoJson {
    /// `host:port` of the top master.
    pub cluster_name: String,
    /// Alias (override, `ClusterNameToAlias`, detected; else the name).
    pub cluster_alias: String,
    /// Domain (`DetectClusterDomainQuery`; not supported here: always empty).
    pub cluster_domain: String,
    /// Members known to this node.
    pub count_instances: u32,
    /// Largest replication lag (seconds) among the cluster's valid replicas.
    pub heuristic_lag: i64,
    /// `RecoverMasterClusterFilters` matches the cluster.
    pub has_automated_master_recovery: bool,
    /// `RecoverIntermediateMasterClusterFilters` matches the cluster.
    pub has_automated_intermediate_master_recovery: bool,
    /// An operator disabled the cluster's automated recovery (`disable-cluster-recovery`; not
    /// in orchestrator). Both `HasAutomated…` are then false.
    pub cluster_recovery_disabled: bool,
}

/// The `ClusterInfo` of `cluster` in `snapshot`.
pub fn cluster_info_json(
    snapshot: &AnalysisSnapshot,
    cluster: &ClusterInfo,
    recovery: &RecoveryConfig,
) -> ClusterInfoJson {
    let alias = snapshot.alias(&cluster.name);
    let heuristic_lag = cluster
        .members
        .iter()
        .filter_map(|k| snapshot.topology.instance(k))
        .filter(|i| i.is_replica() && i.is_last_check_valid)
        .filter_map(|i| i.replication_lag_seconds)
        .max()
        .unwrap_or(0);
    ClusterInfoJson {
        has_automated_master_recovery: recovery.master_filters.matches(&cluster.name, &alias),
        has_automated_intermediate_master_recovery: recovery
            .intermediate_master_filters
            .matches(&cluster.name, &alias),
        cluster_name: cluster.name.clone(),
        cluster_alias: alias,
        cluster_domain: String::new(),
        count_instances: u32::try_from(cluster.members.len()).unwrap_or(u32::MAX),
        heuristic_lag,
        cluster_recovery_disabled: false,
    }
}

/// orchestrator's `ReplicationAnalysis`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)] // Field names and meanings are orchestrator's.
pub struct AnalysisJson {
    pub analyzed_instance_key: InstanceKey,
    pub analyzed_instance_master_key: InstanceKey,
    pub cluster_details: ClusterInfoJson,
    pub analyzed_instance_data_center: String,
    pub analyzed_instance_region: String,
    pub analyzed_instance_physical_environment: String,
    pub analyzed_instance_binlog_coordinates: CoordinatesJson,
    pub is_master: bool,
    pub is_co_master: bool,
    pub last_check_valid: bool,
    pub last_check_partial_success: bool,
    pub count_replicas: u32,
    pub count_valid_replicas: u32,
    pub count_valid_replicating_replicas: u32,
    pub count_replicas_failing_to_connect_to_master: u32,
    pub count_downtimed_replicas: u32,
    pub replication_depth: u32,
    pub replicas: Vec<InstanceKey>,
    pub slave_hosts: Vec<InstanceKey>,
    pub is_failing_to_connect_to_master: bool,
    pub analysis: String,
    pub description: String,
    /// `null` when empty, as Go marshals a nil slice.
    pub structure_analysis: Option<Vec<String>>,
    pub is_downtimed: bool,
    pub is_replicas_downtimed: bool,
    pub downtime_end_timestamp: String,
    pub downtime_remaining_seconds: i64,
    pub is_binlog_server: bool,
    #[serde(rename = "PseudoGTIDImmediateTopology")]
    pub pseudo_gtid_immediate_topology: bool,
    #[serde(rename = "OracleGTIDImmediateTopology")]
    pub oracle_gtid_immediate_topology: bool,
    #[serde(rename = "MariaDBGTIDImmediateTopology")]
    pub mariadb_gtid_immediate_topology: bool,
    pub binlog_server_immediate_topology: bool,
    pub semi_sync_master_enabled: bool,
    pub semi_sync_master_status: bool,
    pub semi_sync_master_wait_for_replica_count: u32,
    pub semi_sync_master_clients: u32,
    pub count_semi_sync_replicas_enabled: u32,
    pub count_logging_replicas: u32,
    pub count_statement_based_logging_replicas: u32,
    pub count_mixed_based_logging_replicas: u32,
    pub count_row_based_logging_replicas: u32,
    pub count_distinct_major_versions_logging_replicas: u32,
    pub count_delayed_replicas: u32,
    pub count_lagging_replicas: u32,
    pub is_actionable_recovery: bool,
    pub processing_node_hostname: String,
    pub processing_node_token: String,
    pub count_additional_agreeing_nodes: u32,
    pub start_active_period: String,
    pub skippable_due_to_downtime: bool,
    #[serde(rename = "GTIDMode")]
    pub gtid_mode: String,
    #[serde(rename = "MinReplicaGTIDMode")]
    pub min_replica_gtid_mode: String,
    #[serde(rename = "MaxReplicaGTIDMode")]
    pub max_replica_gtid_mode: String,
    #[serde(rename = "MaxReplicaGTIDErrant")]
    pub max_replica_gtid_errant: String,
    pub command_hint: String,
    pub is_read_only: bool,
}

impl AnalysisJson {
    /// An entry knowing only the instance, its cluster and the code (recovery audits keep no
    /// more); every count is zero.
    pub fn bare(
        key: InstanceKey,
        cluster_details: ClusterInfoJson,
        code: AnalysisCode,
        count_replicas: u32,
    ) -> Self {
        AnalysisJson {
            analyzed_instance_key: key,
            analyzed_instance_master_key: empty_key(),
            cluster_details,
            analyzed_instance_data_center: String::new(),
            analyzed_instance_region: String::new(),
            analyzed_instance_physical_environment: String::new(),
            analyzed_instance_binlog_coordinates: CoordinatesJson::binlog(None),
            is_master: false,
            is_co_master: false,
            last_check_valid: false,
            last_check_partial_success: false,
            count_replicas,
            count_valid_replicas: 0,
            count_valid_replicating_replicas: 0,
            count_replicas_failing_to_connect_to_master: 0,
            count_downtimed_replicas: 0,
            replication_depth: 0,
            replicas: Vec::new(),
            slave_hosts: Vec::new(),
            is_failing_to_connect_to_master: false,
            analysis: code.as_str().to_string(),
            description: String::new(),
            structure_analysis: None,
            is_downtimed: false,
            is_replicas_downtimed: false,
            downtime_end_timestamp: String::new(),
            downtime_remaining_seconds: 0,
            is_binlog_server: false,
            pseudo_gtid_immediate_topology: false,
            oracle_gtid_immediate_topology: false,
            mariadb_gtid_immediate_topology: false,
            binlog_server_immediate_topology: false,
            semi_sync_master_enabled: false,
            semi_sync_master_status: false,
            semi_sync_master_wait_for_replica_count: 0,
            semi_sync_master_clients: 0,
            count_semi_sync_replicas_enabled: 0,
            count_logging_replicas: 0,
            count_statement_based_logging_replicas: 0,
            count_mixed_based_logging_replicas: 0,
            count_row_based_logging_replicas: 0,
            count_distinct_major_versions_logging_replicas: 0,
            count_delayed_replicas: 0,
            count_lagging_replicas: 0,
            is_actionable_recovery: code.is_actionable(),
            processing_node_hostname: String::new(),
            processing_node_token: String::new(),
            count_additional_agreeing_nodes: 0,
            start_active_period: String::new(),
            skippable_due_to_downtime: false,
            gtid_mode: String::new(),
            min_replica_gtid_mode: String::new(),
            max_replica_gtid_mode: String::new(),
            max_replica_gtid_errant: String::new(),
            command_hint: String::new(),
            is_read_only: false,
        }
    }

    /// The full entry of a live analysis, as this node computed it at `now_ms`.
    pub fn from_analysis(
        a: &ReplicationAnalysis,
        topology: &Topology,
        cluster_details: ClusterInfoJson,
        processing_node_hostname: &str,
        now_ms: i64,
    ) -> Self {
        let instance = topology.instance(&a.analyzed_instance_key);
        let replicas: Vec<&Instance> =
            a.replicas.iter().filter_map(|k| topology.instance(k)).collect();
        let valid: Vec<&Instance> =
            replicas.iter().copied().filter(|r| r.is_last_check_valid).collect();
        let logging: Vec<&Instance> =
            valid.iter().copied().filter(|r| r.is_logging_replica_updates()).collect();
        let count = |f: &dyn Fn(&Instance) -> bool| {
            u32::try_from(logging.iter().filter(|r| f(r)).count()).unwrap_or(u32::MAX)
        };
        let versions: BTreeSet<(u32, u32)> = logging.iter().map(|r| r.major_version()).collect();
        let gtid_modes: BTreeSet<&str> = valid.iter().map(|r| r.gtid_mode.as_str()).collect();
        let semi_sync_replicas = valid.iter().filter(|r| r.semi_sync.replica_enabled).count();
        let semi = instance.map(|i| i.semi_sync.clone()).unwrap_or_default();
        let structure: Vec<String> =
            a.structure_analysis.iter().map(|c| c.as_str().to_string()).collect();
        AnalysisJson {
            analyzed_instance_master_key: a
                .analyzed_instance_master_key
                .clone()
                .unwrap_or_else(empty_key),
            analyzed_instance_data_center: a.analyzed_instance_data_center.clone(),
            analyzed_instance_region: a.analyzed_instance_region.clone(),
            analyzed_instance_physical_environment: instance
                .map(|i| i.physical_environment.clone())
                .unwrap_or_default(),
            analyzed_instance_binlog_coordinates: CoordinatesJson::binlog(
                instance.and_then(|i| i.self_binlog_coordinates.as_ref()),
            ),
            is_master: a.is_master,
            is_co_master: a.is_co_master,
            last_check_valid: a.last_check_valid,
            last_check_partial_success: a.last_check_partial_success,
            count_valid_replicas: a.count_valid_replicas,
            count_valid_replicating_replicas: a.count_valid_replicating_replicas,
            count_replicas_failing_to_connect_to_master: a
                .count_replicas_failing_to_connect_to_master,
            count_downtimed_replicas: a.count_downtimed_replicas,
            replication_depth: a.replication_depth,
            replicas: a.replicas.clone(),
            slave_hosts: a.replicas.clone(),
            is_failing_to_connect_to_master: a.is_failing_to_connect_to_master,
            description: a.description.clone(),
            structure_analysis: (!structure.is_empty()).then_some(structure),
            is_downtimed: a.is_downtimed,
            is_replicas_downtimed: a.is_replicas_downtimed,
            downtime_end_timestamp: a.downtime_end_ms.map(format_utc).unwrap_or_default(),
            downtime_remaining_seconds: a
                .downtime_end_ms
                .map_or(0, |end| (end - now_ms).max(0) / 1000),
            oracle_gtid_immediate_topology: a.oracle_gtid_immediate_topology,
            mariadb_gtid_immediate_topology: a.mariadb_gtid_immediate_topology,
            semi_sync_master_enabled: semi.master_enabled,
            semi_sync_master_status: semi.master_status,
            semi_sync_master_wait_for_replica_count: semi.master_wait_for_replica_count,
            semi_sync_master_clients: semi.master_clients,
            count_semi_sync_replicas_enabled: u32::try_from(semi_sync_replicas).unwrap_or(u32::MAX),
            count_logging_replicas: a.count_logging_replicas,
            count_statement_based_logging_replicas: count(&|r| {
                r.binlog_format == BinlogFormat::Statement
            }),
            count_mixed_based_logging_replicas: count(&|r| r.binlog_format == BinlogFormat::Mixed),
            count_row_based_logging_replicas: count(&|r| r.binlog_format == BinlogFormat::Row),
            count_distinct_major_versions_logging_replicas: u32::try_from(versions.len())
                .unwrap_or(u32::MAX),
            count_delayed_replicas: a.count_delayed_replicas,
            count_lagging_replicas: a.count_lagging_replicas,
            processing_node_hostname: processing_node_hostname.to_string(),
            skippable_due_to_downtime: a.skippable_due_to_downtime,
            gtid_mode: instance.map(|i| i.gtid_mode.clone()).unwrap_or_default(),
            min_replica_gtid_mode: gtid_modes.first().map(|m| m.to_string()).unwrap_or_default(),
            max_replica_gtid_mode: gtid_modes.last().map(|m| m.to_string()).unwrap_or_default(),
            max_replica_gtid_errant: valid
                .iter()
                .map(|r| r.gtid_errant.as_str())
                .max()
                .unwrap_or_default()
                .to_string(),
            is_read_only: a.is_read_only,
            ..AnalysisJson::bare(
                a.analyzed_instance_key.clone(),
                cluster_details,
                a.analysis,
                a.count_replicas,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::core::instance::ThreadState;
    use app::core::{analyze, AnalysisConfig};

    #[test]
    fn dead_master_entry_has_orchestrator_shape() {
        let now = 1_700_000_000_000;
        let key = |p| InstanceKey::new("h", p).unwrap();
        let mut master = Instance::new(key(1));
        master.last_checked_ms = now;
        let replicas = [2, 3].map(|p| {
            let mut r = Instance::new(key(p));
            r.master_key = Some(key(1));
            r.is_last_check_valid = true;
            r.last_checked_ms = now;
            r.last_seen_ms = now;
            r.last_attempted_check_ms = now;
            r.log_bin = true;
            r.log_slave_updates = true;
            r.slave_sql_running = ThreadState::Yes;
            r.slave_io_running = ThreadState::Connecting;
            r.last_io_error = "error reconnecting to master 'repl@h:1'".into();
            r
        });
        let topology = Topology::build(std::iter::once(master).chain(replicas));
        let analyses = analyze(&topology, &[], now, &AnalysisConfig::default());
        let a = analyses.iter().find(|a| a.analyzed_instance_key == key(1)).unwrap();
        let details = ClusterInfoJson { cluster_name: "h:1".into(), ..ClusterInfoJson::default() };
        let v =
            serde_json::to_value(AnalysisJson::from_analysis(a, &topology, details, "orc1", now))
                .unwrap();
        assert_eq!(v["Analysis"], "DeadMaster");
        assert_eq!(v["AnalyzedInstanceMasterKey"], serde_json::json!({"Hostname": "", "Port": 0}));
        assert_eq!(v["ClusterDetails"]["ClusterName"], "h:1");
        assert_eq!(v["CountReplicas"], 2);
        assert_eq!(v["CountValidReplicas"], 2);
        assert_eq!(v["CountValidReplicatingReplicas"], 0);
        assert_eq!(v["CountRowBasedLoggingReplicas"], 2);
        assert_eq!(v["CountDistinctMajorVersionsLoggingReplicas"], 1);
        assert_eq!(v["IsActionableRecovery"], true);
        assert_eq!(v["ProcessingNodeHostname"], "orc1");
        assert!(v["StructureAnalysis"].is_null() || v["StructureAnalysis"].is_array());
    }
}
