//! Recovery settings: orchestrator's keys for automated recovery (cluster filters, anti-flapping,
//! detection de-duplication, hooks, promotion behaviour) with their defaults.

use std::time::Duration;

use app::core::ClusterFilters;
use regex::Regex;

use super::reader::KeyReader;
use super::ConfigError;

/// Hook command lists, by orchestrator's key names.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// `OnFailureDetectionProcesses`.
    pub on_failure_detection: Vec<String>,
    /// `PreFailoverProcesses` (a non-zero exit aborts the recovery).
    pub pre_failover: Vec<String>,
    /// `PostMasterFailoverProcesses`.
    pub post_master_failover: Vec<String>,
    /// `PostIntermediateMasterFailoverProcesses`.
    pub post_intermediate_master_failover: Vec<String>,
    /// `PostFailoverProcesses`.
    pub post_failover: Vec<String>,
    /// `PostUnsuccessfulFailoverProcesses`.
    pub post_unsuccessful_failover: Vec<String>,
    /// `PreGracefulTakeoverProcesses`.
    pub pre_graceful_takeover: Vec<String>,
    /// `PostGracefulTakeoverProcesses`.
    pub post_graceful_takeover: Vec<String>,
    /// `PostTakeMasterProcesses`: after a successful `take-master`.
    pub post_take_master: Vec<String>,
}

/// Everything the recovery loop needs from the config.
#[derive(Debug, Clone)]
pub struct RecoveryConfig {
    /// `RecoverMasterClusterFilters`.
    pub master_filters: ClusterFilters,
    /// `RecoverIntermediateMasterClusterFilters`.
    pub intermediate_master_filters: ClusterFilters,
    /// `RecoveryPeriodBlockSeconds` (3600): anti-flapping per cluster.
    pub recovery_period_block: Duration,
    /// `FailureDetectionPeriodBlockMinutes` (60): one detection per instance and code in this window.
    pub failure_detection_period_block: Duration,
    /// `AuditPurgeDays` (7): recovery and detection history kept in the replicated store.
    pub audit_purge: Duration,
    /// `RecoveryStartupGraceSeconds` (2 × InstancePollSeconds): no automated recovery until this
    /// long after the node became leader, so that every instance has been probed.
    pub startup_grace: Duration,
    /// `ApplyMySQLPromotionAfterMasterFailover` (true): `RESET SLAVE ALL` and `read_only=0` on the promoted replica.
    pub apply_mysql_promotion: bool,
    /// `FailedMasterDowntimeMinutes` (525600): downtime put on a failed master after failover.
    pub failed_master_downtime: Duration,
    /// `PromotionIgnoreHostnameFilters`: hosts never promoted.
    pub promotion_ignore_hostname_filters: Vec<Regex>,
    /// `ProcessesShellCommand` (`sh`) runs each hook as `<shell> -c <command>`.
    pub shell: String,
    /// `HookTimeoutSeconds` (60): a hook running longer is killed and counts as failed.
    pub hook_timeout: Duration,
    /// The hooks.
    pub hooks: Hooks,
    /// `MySQLReplicaUser` / `MySQLReplicaPassword`: replication credentials for a demoted master
    /// (graceful takeover) that has none.
    pub replica_credentials: ReplicaCredentials,
    /// `ReasonableMaintenanceReplicationLagSeconds` (20): how long a graceful takeover waits for
    /// the designated replica to catch up.
    pub maintenance_lag: Duration,
    /// `CandidateInstanceExpireMinutes` (60): lifetime of a `register-candidate`.
    pub candidate_expire: Duration,
    /// `DetachLostReplicasAfterMasterFailover` (synonym `DetachLostSlavesAfterMasterFailover`,
    /// true): replicas lost in a master failover get `detach-replica-master-host`, so they never
    /// resume from the old master.
    pub detach_lost_replicas: bool,
    /// `MasterFailoverDetachReplicaMasterHost` (synonym `MasterFailoverDetachSlaveMasterHost`,
    /// false): the promoted replica gets `detach-replica-master-host` (meaningful when
    /// `ApplyMySQLPromotionAfterMasterFailover` is false and replication is not reset).
    pub detach_promoted_master_host: bool,
    /// `MasterFailoverLostInstancesDowntimeMinutes` (0): when set, the failed master and the
    /// lost replicas are downtimed this long (instead of `FailedMasterDowntimeMinutes`).
    pub lost_instances_downtime: Option<Duration>,
    /// Constraints on the replica a master failover promotes.
    pub promotion: PromotionKeys,
    /// `RecoverLockedSemiSyncMaster` (false): enable semi-sync on replicas of a locked master.
    pub recover_locked_semi_sync: bool,
    /// `CoMasterRecoveryMustPromoteOtherCoMaster` (true): a dead co-master's recovery promotes
    /// the other co-master or fails; false lets it promote any replica.
    pub co_master_must_promote_other: bool,
    /// `ReplicationCredentialsQuery`: run on the server a demoted master (graceful takeover) or a
    /// new co-master will replicate from; its first two columns are the replication user and
    /// password (the SSL columns are not used). Falls back to `MySQLReplicaUser`/`Password`.
    pub replication_credentials_query: String,
    /// `ExpectFailureAnalysisConcensus` (false; orchestrator's spelling): a recovery starts only
    /// when a majority of the voting nodes see the failure in their own analysis.
    pub expect_failure_analysis_consensus: bool,
}

/// orchestrator's keys constraining which replica a master failover promotes.
#[derive(Debug, Clone, Default)]
pub struct PromotionKeys {
    /// `PreventCrossDataCenterMasterFailover` (false).
    pub prevent_cross_data_center: bool,
    /// `PreventCrossRegionMasterFailover` (false).
    pub prevent_cross_region: bool,
    /// `FailMasterPromotionOnLagMinutes` (0 = off).
    pub fail_on_lag_minutes: u64,
    /// `FailMasterPromotionIfSQLThreadNotUpToDate` (false).
    pub fail_if_sql_thread_not_up_to_date: bool,
    /// `DelayMasterPromotionIfSQLThreadNotUpToDate` (false): wait for the chosen replica's SQL
    /// thread to apply its relay logs before promoting it.
    pub delay_if_sql_thread_not_up_to_date: bool,
}

impl PromotionKeys {
    /// The core's constraints for a failed master at `data_center` / `region`.
    pub fn constraints(
        &self,
        data_center: &str,
        region: &str,
        forced: bool,
    ) -> app::core::candidate::PromotionConstraints {
        app::core::candidate::PromotionConstraints {
            failed_data_center: data_center.to_string(),
            failed_region: region.to_string(),
            prevent_cross_data_center: self.prevent_cross_data_center,
            prevent_cross_region: self.prevent_cross_region,
            fail_on_lag_seconds: i64::try_from(self.fail_on_lag_minutes * 60).unwrap_or(i64::MAX),
            fail_if_sql_thread_not_up_to_date: self.fail_if_sql_thread_not_up_to_date,
            allow_errant_gtid: forced,
        }
    }
}

/// Reads the recovery keys. `poll` is `InstancePollSeconds` (for the startup grace default).
pub fn read(r: &mut KeyReader, poll: Duration) -> Result<RecoveryConfig, ConfigError> {
    let filters = |r: &mut KeyReader, key: &str| -> Result<ClusterFilters, ConfigError> {
        let entries = r.strings(key)?;
        ClusterFilters::parse(&entries).map_err(|e| ConfigError::invalid(key, e.to_string()))
    };
    let master_filters = filters(r, "RecoverMasterClusterFilters")?;
    let intermediate_master_filters = filters(r, "RecoverIntermediateMasterClusterFilters")?;
    // `RecoveryPeriodBlockSeconds` overrides the older `RecoveryPeriodBlockMinutes`.
    let block_minutes = r.uint("RecoveryPeriodBlockMinutes", 60, 525_600)?;
    // `u64::MAX` (above the allowed maximum) is the "absent" sentinel.
    let block = r.uint("RecoveryPeriodBlockSeconds", u64::MAX, 365 * 86_400)?;
    let block = if block == u64::MAX { block_minutes * 60 } else { block };
    let detection_block = r.uint("FailureDetectionPeriodBlockMinutes", 60, 525_600)?;
    let purge_days = r.uint("AuditPurgeDays", 7, 3650)?;
    let grace = r.uint("RecoveryStartupGraceSeconds", 2 * poll.as_secs(), 86_400)?;
    let apply_mysql_promotion = r.bool("ApplyMySQLPromotionAfterMasterFailover", true)?;
    let failed_master_downtime = r.uint("FailedMasterDowntimeMinutes", 525_600, 10 * 525_600)?;
    let ignore = r.strings("PromotionIgnoreHostnameFilters")?;
    let promotion_ignore_hostname_filters = ignore
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| {
                ConfigError::invalid("PromotionIgnoreHostnameFilters", format!("{p:?}: {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shell = r.string("ProcessesShellCommand", "sh")?;
    let hook_timeout = r.uint("HookTimeoutSeconds", 60, 86_400)?;
    let replica_credentials = ReplicaCredentials {
        user: r.string("MySQLReplicaUser", "")?,
        password: r.string("MySQLReplicaPassword", "")?,
    };
    let candidate_minutes = r.uint("CandidateInstanceExpireMinutes", 60, 525_600)?;
    let maintenance_lag =
        Duration::from_secs(r.uint("ReasonableMaintenanceReplicationLagSeconds", 20, 86_400)?);
    let detach_new = r.bool("DetachLostReplicasAfterMasterFailover", true)?;
    let detach_old = r.bool("DetachLostSlavesAfterMasterFailover", true)?;
    let detach_host_new = r.bool("MasterFailoverDetachReplicaMasterHost", false)?;
    let detach_host_old = r.bool("MasterFailoverDetachSlaveMasterHost", false)?;
    let lost_minutes = r.uint("MasterFailoverLostInstancesDowntimeMinutes", 0, 10 * 525_600)?;
    let promotion = PromotionKeys {
        prevent_cross_data_center: r.bool("PreventCrossDataCenterMasterFailover", false)?,
        prevent_cross_region: r.bool("PreventCrossRegionMasterFailover", false)?,
        fail_on_lag_minutes: r.uint("FailMasterPromotionOnLagMinutes", 0, 525_600)?,
        fail_if_sql_thread_not_up_to_date: r
            .bool("FailMasterPromotionIfSQLThreadNotUpToDate", false)?,
        delay_if_sql_thread_not_up_to_date: r
            .bool("DelayMasterPromotionIfSQLThreadNotUpToDate", false)?,
    };
    let recover_locked_semi_sync = r.bool("RecoverLockedSemiSyncMaster", false)?;
    let co_master_must_promote_other = r.bool("CoMasterRecoveryMustPromoteOtherCoMaster", true)?;
    let replication_credentials_query = r.string("ReplicationCredentialsQuery", "")?;
    let expect_failure_analysis_consensus = r.bool("ExpectFailureAnalysisConcensus", false)?;
    let hooks = Hooks {
        on_failure_detection: r.strings("OnFailureDetectionProcesses")?,
        pre_failover: r.strings("PreFailoverProcesses")?,
        post_master_failover: r.strings("PostMasterFailoverProcesses")?,
        post_intermediate_master_failover: r.strings("PostIntermediateMasterFailoverProcesses")?,
        post_failover: r.strings("PostFailoverProcesses")?,
        post_unsuccessful_failover: r.strings("PostUnsuccessfulFailoverProcesses")?,
        pre_graceful_takeover: r.strings("PreGracefulTakeoverProcesses")?,
        post_graceful_takeover: r.strings("PostGracefulTakeoverProcesses")?,
        post_take_master: r.strings("PostTakeMasterProcesses")?,
    };
    Ok(RecoveryConfig {
        master_filters,
        intermediate_master_filters,
        recovery_period_block: Duration::from_secs(block),
        failure_detection_period_block: Duration::from_secs(detection_block * 60),
        audit_purge: Duration::from_secs(purge_days * 86_400),
        startup_grace: Duration::from_secs(grace),
        apply_mysql_promotion,
        failed_master_downtime: Duration::from_secs(failed_master_downtime * 60),
        promotion_ignore_hostname_filters,
        shell,
        hook_timeout: Duration::from_secs(hook_timeout),
        hooks,
        replica_credentials,
        maintenance_lag,
        candidate_expire: Duration::from_secs(candidate_minutes * 60),
        detach_lost_replicas: detach_new && detach_old,
        detach_promoted_master_host: detach_host_new || detach_host_old,
        lost_instances_downtime: (lost_minutes > 0).then(|| Duration::from_secs(lost_minutes * 60)),
        promotion,
        recover_locked_semi_sync,
        co_master_must_promote_other,
        replication_credentials_query,
        expect_failure_analysis_consensus,
    })
}

/// Replication credentials for servers that have none configured yet (`MySQLReplicaUser`/`Password`).
#[derive(Debug, Clone, Default)]
pub struct ReplicaCredentials {
    /// `MySQLReplicaUser`.
    pub user: String,
    /// `MySQLReplicaPassword`.
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<RecoveryConfig, ConfigError> {
        let serde_json::Value::Object(map) = serde_json::from_str(json).unwrap() else { panic!() };
        read(&mut KeyReader::new(map), Duration::from_secs(5))
    }

    #[test]
    fn defaults_follow_orchestrator() {
        let c = parse("{}").unwrap();
        assert!(c.master_filters.is_empty());
        assert_eq!(c.recovery_period_block.as_secs(), 3600);
        assert_eq!(c.failure_detection_period_block.as_secs(), 3600);
        assert_eq!(c.startup_grace.as_secs(), 10);
        assert!(c.apply_mysql_promotion);
    }

    #[test]
    fn bad_values_name_the_key() {
        assert_eq!(
            parse(r#"{"RecoverMasterClusterFilters": "*"}"#).unwrap_err().key,
            "RecoverMasterClusterFilters"
        );
        assert_eq!(
            parse(r#"{"PromotionIgnoreHostnameFilters": ["("]}"#).unwrap_err().key,
            "PromotionIgnoreHostnameFilters"
        );
        assert_eq!(
            parse(r#"{"PreFailoverProcesses": [1]}"#).unwrap_err().key,
            "PreFailoverProcesses"
        );
        let c = parse(r#"{"RecoverMasterClusterFilters": ["alias~=^shop"], "PostFailoverProcesses": ["echo {failedHost}"]}"#).unwrap();
        assert!(c.master_filters.matches("x:1", "shop-1"));
        assert_eq!(c.hooks.post_failover.len(), 1);
    }
}
