//! The status of every orchestrator config key here: honoured, ignored-harmless or refused.
//!
//! This table is the one place that says what each key of orchestrator's `go/config/config.go`
//! does in this project. `Honoured` keys are read by the config readers (a unit test checks
//! both directions against the readers); `Harmless` keys are ignored with the one warning
//! (agents, graphite, pseudo-GTID tuning, pools, logging); `Refused` keys would change
//! behaviour and are not honoured, so a node whose file sets one to anything but its neutral
//! value refuses to start, naming the key. `orchestrator --config F check-config` prints the
//! status of every key of a file.

use std::fmt;

use serde_json::{Map, Value};

/// How this project treats one orchestrator key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Read and acted upon.
    Honoured,
    /// Ignored: changes nothing this project does (the reason says why).
    Harmless(&'static str),
    /// Not honoured and behaviour-changing: refused unless its value is `neutral` (JSON text)
    /// or empty.
    Refused {
        /// The values (JSON texts separated by `|`) that mean "feature off": accepted.
        neutral: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
}

/// The verdict on one key of a given file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// Read and acted upon.
    Honoured,
    /// Ignored, harmless.
    IgnoredHarmless(String),
    /// A refusable key set to its neutral value: nothing to honour.
    IgnoredNeutral(String),
    /// Refused: the node will not start.
    Refused(String),
    /// Not an orchestrator key and not one of this project's: ignored.
    Unknown,
}

impl KeyStatus {
    /// The short label `check-config` prints.
    pub fn label(&self) -> &'static str {
        match self {
            KeyStatus::Honoured => "honoured",
            KeyStatus::IgnoredHarmless(_) | KeyStatus::IgnoredNeutral(_) => "ignored-harmless",
            KeyStatus::Refused(_) => "refused",
            KeyStatus::Unknown => "unknown (ignored)",
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyStatus::Honoured | KeyStatus::Unknown => write!(f, "{}", self.label()),
            KeyStatus::IgnoredHarmless(why) => write!(f, "{}: {why}", self.label()),
            KeyStatus::IgnoredNeutral(why) => {
                write!(f, "{}: set to its neutral value (otherwise refused: {why})", self.label())
            }
            KeyStatus::Refused(why) => write!(f, "{}: {why}", self.label()),
        }
    }
}

const AGENTS: &str = "orchestrator-agent is not supported (seeding, agent API)";
const GRAPHITE: &str = "metrics are not sent to graphite";
const PSEUDO_GTID: &str = "Pseudo-GTID tuning; Pseudo-GTID is not supported";
const POOLS: &str = "instance pools are not served";
const LOGGING: &str = "logging is via RUST_LOG and stderr";
const BACKEND_TUNING: &str = "backend writes are batched and pooled by this project";
const DISCOVERY_TUNING: &str = "discovery queueing is this project's (DiscoveryMaxConcurrency)";
const RESOLVE_CACHE: &str =
    "no hostname unresolve (binlog servers are not managed): resolutions are one-way";
const OAUTH: &str = "only used with AuthenticationMethod oauth, which is refused by name";

use Handling::{Harmless, Honoured, Refused};

/// Every key of orchestrator's `Configuration` (and its synonyms), plus this project's own
/// keys, with how it is handled. Sorted by name within groups; `status_of` searches linearly.
pub const KEYS: &[(&str, Handling)] = &[
    // --- orchestrator keys ---
    ("AccessTokenExpiryMinutes", Harmless("token authentication is not offered")),
    ("AccessTokenUseExpirySeconds", Harmless("token authentication is not offered")),
    ("AgentPollMinutes", Harmless(AGENTS)),
    ("AgentSSLCAFile", Harmless(AGENTS)),
    ("AgentSSLCertFile", Harmless(AGENTS)),
    ("AgentSSLPrivateKeyFile", Harmless(AGENTS)),
    ("AgentSSLSkipVerify", Harmless(AGENTS)),
    ("AgentSSLValidOUs", Harmless(AGENTS)),
    ("AgentsServerPort", Harmless(AGENTS)),
    ("AgentsUseMutualTLS", Harmless(AGENTS)),
    ("AgentsUseSSL", Harmless(AGENTS)),
    ("ApplyMySQLPromotionAfterMasterFailover", Honoured),
    ("AuditLogFile", Refused { neutral: "\"\"", reason: "audit goes to the replicated audit log (/api/audit) and stderr, not to a file" }),
    ("AuditPurgeDays", Honoured),
    ("AuditToBackendDB", Harmless("audit always goes to the replicated backend")),
    ("AuditToSyslog", Harmless(LOGGING)),
    ("AuthUserHeader", Honoured),
    ("AuthenticationMethod", Honoured),
    ("AutoPseudoGTID", Harmless(PSEUDO_GTID)),
    ("BackendDB", Honoured),
    ("BinlogEventsChunkSize", Harmless(PSEUDO_GTID)),
    ("BufferInstanceWrites", Harmless(BACKEND_TUNING)),
    ("CandidateInstanceExpireMinutes", Honoured),
    ("ClusterNameToAlias", Honoured),
    ("CoMasterRecoveryMustPromoteOtherCoMaster", Honoured),
    ("ConsulAclToken", Honoured),
    ("ConsulAddress", Honoured),
    ("ConsulCrossDataCenterDistribution", Honoured),
    ("ConsulKVStoreProvider", Honoured),
    ("ConsulMaxKVsPerTransaction", Honoured),
    ("ConsulScheme", Honoured),
    ("DataCenterPattern", Honoured),
    ("Debug", Harmless(LOGGING)),
    ("DefaultInstancePort", Honoured),
    ("DefaultRaftPort", Honoured),
    ("DelayMasterPromotionIfSQLThreadNotUpToDate", Honoured),
    ("DetachLostReplicasAfterMasterFailover", Honoured),
    ("DetachLostSlavesAfterMasterFailover", Honoured),
    ("DetectClusterAliasQuery", Honoured),
    ("DetectClusterDomainQuery", Refused { neutral: "\"\"", reason: "cluster domains are not detected ({failureClusterDomain} would stay empty in hooks)" }),
    ("DetectDataCenterQuery", Honoured),
    ("DetectInstanceAliasQuery", Honoured),
    ("DetectPhysicalEnvironmentQuery", Honoured),
    ("DetectPromotionRuleQuery", Honoured),
    ("DetectPseudoGTIDQuery", Harmless(PSEUDO_GTID)),
    ("DetectRegionQuery", Honoured),
    ("DetectSemiSyncEnforcedQuery", Honoured),
    ("DiscoverByShowSlaveHosts", Harmless("replicas are found through SHOW SLAVE HOSTS and the binlog dump threads, always")),
    ("DiscoveryCollectionRetentionSeconds", Honoured),
    ("DiscoveryIgnoreHostnameFilters", Honoured),
    ("DiscoveryIgnoreMasterHostnameFilters", Honoured),
    ("DiscoveryIgnoreReplicaHostnameFilters", Honoured),
    ("DiscoveryMaxConcurrency", Honoured),
    ("DiscoveryQueueCapacity", Harmless(DISCOVERY_TUNING)),
    ("DiscoveryQueueMaxStatisticsSize", Honoured),
    ("DiscoverySeeds", Honoured),
    ("EnableSyslog", Harmless(LOGGING)),
    ("EnforceExactSemiSyncReplicas", Honoured),
    ("ExpectFailureAnalysisConcensus", Honoured),
    ("ExpiryHostnameResolvesMinutes", Honoured),
    ("FailMasterPromotionIfSQLThreadNotUpToDate", Honoured),
    ("FailMasterPromotionOnLagMinutes", Honoured),
    ("FailureDetectionPeriodBlockMinutes", Honoured),
    ("GraphiteAddr", Harmless(GRAPHITE)),
    ("GraphiteConvertHostnameDotsToUnderscores", Harmless(GRAPHITE)),
    ("GraphitePath", Harmless(GRAPHITE)),
    ("GraphitePollSeconds", Harmless(GRAPHITE)),
    ("HTTPAdvertise", Honoured),
    ("HTTPAuthPassword", Honoured),
    ("HTTPAuthUser", Honoured),
    ("HostnameResolveMethod", Honoured),
    ("InstanceBulkOperationsWaitTimeoutSeconds", Harmless("bulk operations wait per instance with this project's timeouts")),
    ("InstanceFlushIntervalMilliseconds", Harmless(BACKEND_TUNING)),
    ("InstancePollSeconds", Honoured),
    ("InstancePoolExpiryMinutes", Harmless(POOLS)),
    ("InstanceWriteBufferSize", Harmless(BACKEND_TUNING)),
    ("KVClusterMasterPrefix", Honoured),
    ("ListenAddress", Honoured),
    ("ListenSocket", Refused { neutral: "\"\"", reason: "HTTP is served on ListenAddress only, not on a unix socket" }),
    ("MasterFailoverDetachReplicaMasterHost", Honoured),
    ("MasterFailoverDetachSlaveMasterHost", Honoured),
    ("MasterFailoverLostInstancesDowntimeMinutes", Honoured),
    ("MaxConcurrentReplicaOperations", Harmless("replica operations run with this project's concurrency")),
    ("MySQLConnectTimeoutSeconds", Honoured),
    ("MySQLConnectionLifetimeSeconds", Harmless(BACKEND_TUNING)),
    ("MySQLDiscoveryReadTimeoutSeconds", Honoured),
    ("MySQLHostnameResolveMethod", Honoured),
    ("MySQLOrchestratorCredentialsConfigFile", Refused { neutral: "\"\"", reason: "backend credentials come from MySQLOrchestratorUser/Password only" }),
    ("MySQLOrchestratorDatabase", Honoured),
    ("MySQLOrchestratorHost", Honoured),
    ("MySQLOrchestratorMaxPoolConnections", Harmless(BACKEND_TUNING)),
    ("MySQLOrchestratorPassword", Honoured),
    ("MySQLOrchestratorPort", Honoured),
    ("MySQLOrchestratorReadTimeoutSeconds", Harmless(BACKEND_TUNING)),
    ("MySQLOrchestratorRejectReadOnly", Harmless(BACKEND_TUNING)),
    ("MySQLOrchestratorSSLCAFile", Refused { neutral: "\"\"", reason: "TLS to a MySQL backend is not supported" }),
    ("MySQLOrchestratorSSLCertFile", Refused { neutral: "\"\"", reason: "TLS to a MySQL backend is not supported" }),
    ("MySQLOrchestratorSSLPrivateKeyFile", Refused { neutral: "\"\"", reason: "TLS to a MySQL backend is not supported" }),
    ("MySQLOrchestratorSSLSkipVerify", Harmless("only used with MySQLOrchestratorUseMutualTLS, which is refused")),
    ("MySQLOrchestratorUseMutualTLS", Refused { neutral: "false", reason: "TLS to a MySQL backend is not supported" }),
    ("MySQLOrchestratorUser", Honoured),
    ("MySQLTopologyCredentialsConfigFile", Honoured),
    ("MySQLTopologyPassword", Honoured),
    ("MySQLTopologyReadTimeoutSeconds", Harmless("operations use their own statement timeouts")),
    ("MySQLTopologySSLCAFile", Honoured),
    ("MySQLTopologySSLCertFile", Honoured),
    ("MySQLTopologySSLPrivateKeyFile", Honoured),
    ("MySQLTopologySSLSkipVerify", Honoured),
    ("MySQLTopologyUseMixedTLS", Honoured),
    ("MySQLTopologyUseMutualTLS", Honoured),
    ("MySQLTopologyUser", Honoured),
    ("OAuthClientId", Harmless(OAUTH)),
    ("OAuthClientSecret", Harmless(OAUTH)),
    ("OAuthScopes", Harmless(OAUTH)),
    ("OSCIgnoreHostnameFilters", Honoured),
    ("OnFailureDetectionProcesses", Honoured),
    ("PanicIfDifferentDatabaseDeploy", Harmless("the backend schema is migrated by this project")),
    ("PhysicalEnvironmentPattern", Honoured),
    ("PostFailoverProcesses", Honoured),
    ("PostGracefulTakeoverProcesses", Honoured),
    ("PostIntermediateMasterFailoverProcesses", Honoured),
    ("PostMasterFailoverProcesses", Honoured),
    ("PostTakeMasterProcesses", Honoured),
    ("PostUnsuccessfulFailoverProcesses", Honoured),
    ("PostponeReplicaRecoveryOnLagMinutes", Refused { neutral: "0", reason: "lagging replicas are not postponed in a recovery" }),
    ("PostponeSlaveRecoveryOnLagMinutes", Refused { neutral: "0", reason: "lagging replicas are not postponed in a recovery" }),
    ("PowerAuthGroups", Refused { neutral: "[]", reason: "unix group membership is not checked; use PowerAuthUsers" }),
    ("PowerAuthUsers", Honoured),
    ("PreFailoverProcesses", Honoured),
    ("PreGracefulTakeoverProcesses", Honoured),
    ("PreventCrossDataCenterMasterFailover", Honoured),
    ("PreventCrossRegionMasterFailover", Honoured),
    ("ProbeSharing", Honoured),
    ("ProblemIgnoreHostnameFilters", Honoured),
    ("ProcessesShellCommand", Honoured),
    ("PromotionIgnoreHostnameFilters", Honoured),
    ("PseudoGTIDMonotonicHint", Harmless(PSEUDO_GTID)),
    ("PseudoGTIDPattern", Refused { neutral: "\"\"", reason: "Pseudo-GTID is not supported: without GTID a failover would not relocate replicas as orchestrator does" }),
    ("PseudoGTIDPatternIsFixedSubstring", Harmless(PSEUDO_GTID)),
    ("RaftAdvertise", Honoured),
    ("RaftBind", Honoured),
    ("RaftDataDir", Honoured),
    ("RaftEnabled", Honoured),
    ("RaftNodes", Honoured),
    ("ReadOnly", Honoured),
    ("RegionPattern", Honoured),
    ("ReasonableInstanceCheckSeconds", Honoured),
    ("ReasonableLockedSemiSyncMasterSeconds", Honoured),
    ("ReasonableMaintenanceReplicationLagSeconds", Honoured),
    ("ReasonableReplicationLagSeconds", Honoured),
    ("RecoverIntermediateMasterClusterFilters", Honoured),
    ("RecoverLockedSemiSyncMaster", Honoured),
    ("RecoverMasterClusterFilters", Honoured),
    ("RecoverNonWriteableMaster", Honoured),
    ("RecoveryIgnoreHostnameFilters", Honoured),
    ("RecoveryPeriodBlockMinutes", Honoured),
    ("RecoveryPeriodBlockSeconds", Honoured),
    ("ReduceReplicationAnalysisCount", Honoured),
    ("RejectHostnameResolvePattern", Honoured),
    ("RemoveTextFromHostnameDisplay", Harmless("cosmetic: host names are shown in full")),
    ("ReplicationCredentialsQuery", Honoured),
    ("ReplicationLagQuery", Honoured),
    ("SQLite3DataFile", Honoured),
    ("SSLCAFile", Honoured),
    ("SSLCertFile", Honoured),
    ("SSLPrivateKeyFile", Honoured),
    ("SSLSkipVerify", Harmless("the HTTP server does not verify its own certificate")),
    ("SSLValidOUs", Refused { neutral: "[]", reason: "client certificate OUs are not checked" }),
    ("SeedAcceptableBytesDiff", Harmless(AGENTS)),
    ("SeedWaitSecondsBeforeSend", Harmless(AGENTS)),
    ("ServeAgentsHttp", Harmless(AGENTS)),
    ("SkipBinlogEventsContaining", Harmless(PSEUDO_GTID)),
    ("SkipBinlogServerUnresolveCheck", Harmless(RESOLVE_CACHE)),
    ("SkipMaxScaleCheck", Harmless("MaxScale binlog servers are not probed")),
    ("SkipUnresolve", Honoured),
    ("SkipUnresolveCheck", Honoured),
    ("SkipOrchestratorDatabaseUpdate", Harmless("the backend schema is migrated by this project")),
    ("SlaveLagQuery", Honoured),
    ("SnapshotTopologiesIntervalHours", Harmless("no periodic snapshot: /api/snapshot-topologies takes one on demand, on the node asked")),
    ("StaleSeedFailMinutes", Harmless(AGENTS)),
    ("StatusEndpoint", Honoured),
    ("StatusOUVerify", Harmless("client certificate OUs are not checked (see SSLValidOUs)")),
    ("StatusSimpleHealth", Harmless("the status endpoint always answers the node's health")),
    ("SupportFuzzyPoolHostnames", Harmless(POOLS)),
    ("TLSCacheTTLFactor", Honoured),
    ("URLPrefix", Honoured),
    ("UnseenAgentForgetHours", Harmless(AGENTS)),
    ("UnseenInstanceForgetHours", Honoured),
    ("UseMutualTLS", Honoured),
    ("UseSSL", Honoured),
    ("UseSuperReadOnly", Honoured),
    ("VerifyReplicationFilters", Refused { neutral: "false", reason: "replication filters are not compared before refactoring" }),
    ("WebMessage", Harmless("cosmetic: no banner message")),
    ("ZkAddress", Honoured),
    // --- this project's own keys ---
    ("AuthOpenEndpoints", Honoured),
    ("AuthTrustedOrigins", Honoured),
    ("BackendHealthExitSeconds", Honoured),
    ("BackendHealthYieldSeconds", Honoured),
    ("FailedMasterDowntimeMinutes", Honoured),
    ("HTTPReadHeaderTimeoutSeconds", Honoured),
    ("HookTimeoutSeconds", Honoured),
    ("LeptosConfigFile", Honoured),
    ("MetricsRequireAuth", Honoured),
    ("MySQLReplicaPassword", Honoured),
    ("MySQLReplicaUser", Honoured),
    ("MySQLTopologySSLVerifyHostname", Honoured),
    ("RaftElectionTimeoutMillis", Honoured),
    ("RaftHeartbeatMillis", Honoured),
    ("RaftLogsToKeep", Honoured),
    ("RaftSecretFile", Honoured),
    ("RaftSnapshotThreshold", Honoured),
    ("RaftTLSCAFile", Honoured),
    ("RaftTLSCertFile", Honoured),
    ("RaftTLSKeyFile", Honoured),
    ("RecoveryStartupGraceSeconds", Honoured),
];

/// Keys that are this project's, not orchestrator's (the tail of [`KEYS`]).
pub const OWN_KEYS_FROM: &str = "AuthOpenEndpoints";

/// How `key` is handled, if it is known.
pub fn handling(key: &str) -> Option<Handling> {
    KEYS.iter().find(|(k, _)| *k == key).map(|(_, h)| *h)
}

/// Whether `value` is a "feature off" value for a refusable key: null, empty, or `neutral`.
fn is_neutral(value: &Value, neutral: &str) -> bool {
    let empty = match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    empty || neutral.split('|').any(|n| serde_json::from_str::<Value>(n).is_ok_and(|n| &n == value))
}

/// The status of `key` set to `value` in a file.
pub fn status_of(key: &str, value: &Value) -> KeyStatus {
    match handling(key) {
        None => KeyStatus::Unknown,
        Some(Honoured) => KeyStatus::Honoured,
        Some(Harmless(why)) => KeyStatus::IgnoredHarmless(why.to_string()),
        Some(Refused { neutral, reason }) if is_neutral(value, neutral) => {
            KeyStatus::IgnoredNeutral(reason.to_string())
        }
        Some(Refused { reason, .. }) => KeyStatus::Refused(reason.to_string()),
    }
}

/// Every key of a config file with its status, in the file's key order (sorted).
pub fn statuses(map: &Map<String, Value>) -> Vec<(String, KeyStatus)> {
    map.iter().map(|(k, v)| (k.clone(), status_of(k, v))).collect()
}

/// The first refused key of a file with the reason, if any.
pub fn first_refusal(map: &Map<String, Value>) -> Option<(String, String)> {
    statuses(map).into_iter().find_map(|(k, s)| match s {
        KeyStatus::Refused(why) => Some((k, why)),
        _ => None,
    })
}

#[cfg(test)]
#[path = "key_status_tests.rs"]
mod tests;
