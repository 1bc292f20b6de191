//! Analysis settings: orchestrator's thresholds and switches of the failure analysis, and the
//! hostname filters that hide instances from recovery analysis and from the problem list.

use app::core::host_filter::HostnameFilters;
use app::core::AnalysisConfig;

use super::reader::KeyReader;
use super::ConfigError;

/// Everything the analysis loop and the problem list need from the config.
#[derive(Debug, Clone, Default)]
pub struct AnalysisSettings {
    /// Thresholds and switches (`instance_poll_seconds` is set from `InstancePollSeconds`).
    pub config: AnalysisConfig,
    /// `RecoveryIgnoreHostnameFilters`: analyses of matching instances are dropped entirely
    /// (no detection, no recovery), as orchestrator's `GetReplicationAnalysis` does.
    pub recovery_ignore: HostnameFilters,
    /// `ProblemIgnoreHostnameFilters`: matching instances are left out of `/api/problems`.
    pub problem_ignore: HostnameFilters,
    /// `OSCIgnoreHostnameFilters`: instances left out of `/api/cluster-osc-replicas`.
    pub osc_ignore: HostnameFilters,
}

/// A hostname filter list, its key named on a bad regex.
pub(super) fn filters(r: &mut KeyReader, key: &str) -> Result<HostnameFilters, ConfigError> {
    let entries = r.strings(key)?;
    HostnameFilters::parse(&entries).map_err(|e| ConfigError::invalid(key, e))
}

/// Reads the analysis keys; `poll_seconds` is `InstancePollSeconds`.
pub(super) fn read(r: &mut KeyReader, poll_seconds: u64) -> Result<AnalysisSettings, ConfigError> {
    let d = AnalysisConfig::default();
    let lag = r.uint(
        "ReasonableReplicationLagSeconds",
        d.reasonable_replication_lag_seconds as u64,
        86_400 * 365,
    )?;
    let check = r.uint(
        "ReasonableInstanceCheckSeconds",
        d.reasonable_instance_check_seconds as u64,
        86_400,
    )?;
    let semi_sync = r.uint("ReasonableLockedSemiSyncMasterSeconds", 0, 86_400 * 365)?;
    let config = AnalysisConfig {
        instance_poll_seconds: poll_seconds.max(1) as i64,
        reasonable_instance_check_seconds: check as i64,
        reasonable_replication_lag_seconds: lag as i64,
        reasonable_locked_semi_sync_master_seconds: semi_sync as i64,
        recover_non_writeable_master: r.bool("RecoverNonWriteableMaster", false)?,
        enforce_exact_semi_sync_replicas: r.bool("EnforceExactSemiSyncReplicas", false)?,
        reduce_replication_analysis_count: r.bool("ReduceReplicationAnalysisCount", true)?,
        include_no_problem: false,
    };
    Ok(AnalysisSettings {
        config,
        recovery_ignore: filters(r, "RecoveryIgnoreHostnameFilters")?,
        problem_ignore: filters(r, "ProblemIgnoreHostnameFilters")?,
        osc_ignore: filters(r, "OSCIgnoreHostnameFilters")?,
    })
}
