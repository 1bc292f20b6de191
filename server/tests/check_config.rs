//! `orchestrator --config FILE check-config`, run as a user would: over a config holding every
//! key orchestrator's own sample config (`conf/orchestrator-sample.conf.json`) sets, and over
//! files with refused keys.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![recursion_limit = "512"]

use std::process::{Command, Output};

use serde_json::{json, Value};

/// Every key orchestrator's sample config sets, with values of this test's own (orchestrator's
/// defaults where the sample uses them), plus the raft keys a node needs.
fn every_sample_key(dir: &std::path::Path) -> Value {
    json!({
        "RaftEnabled": true,
        "RaftDataDir": dir.join("raft"),
        "RaftBind": "127.0.0.1:10008",
        "RaftNodes": ["127.0.0.1:10008"],
        "BackendDB": "sqlite",
        "SQLite3DataFile": dir.join("orc.db"),
        "Debug": false,
        "EnableSyslog": false,
        "ListenAddress": ":3000",
        "MySQLTopologyUser": "orc_topology",
        "MySQLTopologyPassword": "topology-secret",
        "MySQLTopologyCredentialsConfigFile": "",
        "MySQLTopologySSLPrivateKeyFile": "",
        "MySQLTopologySSLCertFile": "",
        "MySQLTopologySSLCAFile": "",
        "MySQLTopologySSLSkipVerify": true,
        "MySQLTopologyUseMutualTLS": false,
        "MySQLOrchestratorHost": "127.0.0.1",
        "MySQLOrchestratorPort": 3306,
        "MySQLOrchestratorDatabase": "orchestrator",
        "MySQLOrchestratorUser": "orc_backend",
        "MySQLOrchestratorPassword": "backend-secret",
        "MySQLOrchestratorCredentialsConfigFile": "",
        "MySQLOrchestratorSSLPrivateKeyFile": "",
        "MySQLOrchestratorSSLCertFile": "",
        "MySQLOrchestratorSSLCAFile": "",
        "MySQLOrchestratorSSLSkipVerify": true,
        "MySQLOrchestratorUseMutualTLS": false,
        "MySQLConnectTimeoutSeconds": 1,
        "DefaultInstancePort": 3306,
        "DiscoverByShowSlaveHosts": true,
        "InstancePollSeconds": 5,
        "DiscoveryIgnoreReplicaHostnameFilters": ["^backup-[0-9]+[.]db[.]internal", ":3307$"],
        "UnseenInstanceForgetHours": 240,
        "SnapshotTopologiesIntervalHours": 0,
        "InstanceBulkOperationsWaitTimeoutSeconds": 10,
        "HostnameResolveMethod": "default",
        "MySQLHostnameResolveMethod": "@@hostname",
        "SkipBinlogServerUnresolveCheck": true,
        "ExpiryHostnameResolvesMinutes": 60,
        "RejectHostnameResolvePattern": "",
        "ReasonableReplicationLagSeconds": 10,
        "ProblemIgnoreHostnameFilters": [],
        "VerifyReplicationFilters": false,
        "ReasonableMaintenanceReplicationLagSeconds": 20,
        "CandidateInstanceExpireMinutes": 60,
        "AuditLogFile": "",
        "AuditToSyslog": false,
        "RemoveTextFromHostnameDisplay": ".db.internal:3306",
        "ReadOnly": false,
        "AuthenticationMethod": "",
        "HTTPAuthUser": "",
        "HTTPAuthPassword": "",
        "AuthUserHeader": "",
        "PowerAuthUsers": ["*"],
        "ClusterNameToAlias": {"^10[.]1[.]": "payments"},
        "ReplicationLagQuery": "",
        "DetectClusterAliasQuery": "SELECT SUBSTRING_INDEX(@@hostname, '-', 1)",
        "DetectClusterDomainQuery": "",
        "DetectInstanceAliasQuery": "",
        "DetectPromotionRuleQuery": "",
        "DataCenterPattern": "^[^.]+[.]([a-z0-9]+)[.]db[.]internal",
        "PhysicalEnvironmentPattern": "^[^.]+[.]([a-z0-9]+[.]db)[.]internal",
        "PromotionIgnoreHostnameFilters": [],
        "DetectSemiSyncEnforcedQuery": "",
        "ServeAgentsHttp": false,
        "AgentsServerPort": ":3001",
        "AgentsUseSSL": false,
        "AgentsUseMutualTLS": false,
        "AgentSSLSkipVerify": false,
        "AgentSSLPrivateKeyFile": "",
        "AgentSSLCertFile": "",
        "AgentSSLCAFile": "",
        "AgentSSLValidOUs": [],
        "UseSSL": false,
        "UseMutualTLS": false,
        "SSLSkipVerify": false,
        "SSLPrivateKeyFile": "",
        "SSLCertFile": "",
        "SSLCAFile": "",
        "SSLValidOUs": [],
        "URLPrefix": "",
        "StatusEndpoint": "/api/status",
        "StatusSimpleHealth": true,
        "StatusOUVerify": false,
        "AgentPollMinutes": 60,
        "UnseenAgentForgetHours": 6,
        "StaleSeedFailMinutes": 60,
        "SeedAcceptableBytesDiff": 8192,
        "PseudoGTIDPattern": "",
        "PseudoGTIDPatternIsFixedSubstring": false,
        "PseudoGTIDMonotonicHint": "asc:",
        "DetectPseudoGTIDQuery": "",
        "BinlogEventsChunkSize": 10000,
        "SkipBinlogEventsContaining": [],
        "ReduceReplicationAnalysisCount": true,
        "FailureDetectionPeriodBlockMinutes": 60,
        "FailMasterPromotionOnLagMinutes": 0,
        "RecoveryPeriodBlockSeconds": 3600,
        "RecoveryIgnoreHostnameFilters": [],
        "RecoverMasterClusterFilters": ["payments"],
        "RecoverIntermediateMasterClusterFilters": ["*"],
        "OnFailureDetectionProcesses": ["logger -t orc 'detected {failureType} on {failureCluster}'"],
        "PreGracefulTakeoverProcesses": ["logger -t orc 'takeover of {failureCluster} starts'"],
        "PreFailoverProcesses": ["logger -t orc 'recovering {failureType}'"],
        "PostFailoverProcesses": ["logger -t orc 'recovered {failedHost}:{failedPort}'"],
        "PostUnsuccessfulFailoverProcesses": [],
        "PostMasterFailoverProcesses": ["logger -t orc 'promoted {successorHost}:{successorPort}'"],
        "PostIntermediateMasterFailoverProcesses": ["logger -t orc 'moved up replicas of {failedHost}'"],
        "PostGracefulTakeoverProcesses": ["logger -t orc 'takeover done'"],
        "CoMasterRecoveryMustPromoteOtherCoMaster": true,
        "DetachLostSlavesAfterMasterFailover": true,
        "ApplyMySQLPromotionAfterMasterFailover": true,
        "PreventCrossDataCenterMasterFailover": false,
        "PreventCrossRegionMasterFailover": false,
        "MasterFailoverDetachReplicaMasterHost": false,
        "MasterFailoverLostInstancesDowntimeMinutes": 0,
        "PostponeReplicaRecoveryOnLagMinutes": 0,
        "OSCIgnoreHostnameFilters": [],
        "GraphiteAddr": "",
        "GraphitePath": "",
        "GraphiteConvertHostnameDotsToUnderscores": true,
        "ConsulAddress": "",
        "ConsulAclToken": "",
        "ConsulKVStoreProvider": "consul"
    })
}

fn check(config: &Value) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orchestrator.conf.json");
    std::fs::write(&path, serde_json::to_string_pretty(config).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .arg("--config")
        .arg(&path)
        .arg("check-config")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    (out, text)
}

fn line_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no line for {key} in:\n{text}"))
}

#[test]
fn every_key_of_orchestrators_sample_config_passes() {
    let dir = tempfile::tempdir().unwrap();
    let config = every_sample_key(dir.path());
    let (out, text) = check(&config);
    assert!(
        out.status.success(),
        "check-config failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every key is listed with a status.
    for key in config.as_object().unwrap().keys() {
        let line = line_of(&text, key);
        assert!(line.contains("honoured") || line.contains("ignored-harmless"), "{key}: {line}");
    }
    assert!(line_of(&text, "PreventCrossDataCenterMasterFailover").contains("honoured"), "{text}");
    assert!(line_of(&text, "GraphiteAddr").contains("ignored-harmless"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("OK:"), "{text}");
}

#[test]
fn a_refused_key_fails_check_config_and_the_node_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = every_sample_key(dir.path());
    config["ListenSocket"] = json!("/run/orchestrator.sock");
    config["AuditLogFile"] = json!("/var/log/orchestrator-audit.log");
    let (out, text) = check(&config);
    assert!(!out.status.success(), "{text}");
    assert!(line_of(&text, "ListenSocket").contains("refused"), "{text}");
    assert!(line_of(&text, "AuditLogFile").contains("refused"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("REFUSED:"), "{text}");

    // The node itself refuses to start, naming the key.
    let path = dir.path().join("node.conf.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .arg("--config")
        .arg(&path)
        .arg("http")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("AuditLogFile") || stderr.contains("ListenSocket"), "{stderr}");
}

#[test]
fn hostname_resolution_is_honoured_and_a_bad_method_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = every_sample_key(dir.path());
    for (key, value) in [
        ("MySQLHostnameResolveMethod", "@@report_host"),
        ("HostnameResolveMethod", "cname"),
        ("HostnameResolveMethod", "ip"),
    ] {
        config[key] = json!(value);
        let (out, text) = check(&config);
        assert!(out.status.success(), "{key}={value}: {text}");
        assert!(line_of(&text, key).contains("honoured"), "{key}={value}: {text}");
    }
    for key in ["MySQLHostnameResolveMethod", "HostnameResolveMethod"] {
        let mut config = every_sample_key(dir.path());
        config[key] = json!("@@nonsense");
        let (out, text) = check(&config);
        assert!(!out.status.success(), "{text}");
        assert!(text.contains(key) && text.contains("@@nonsense"), "{text}");
    }
}

#[test]
fn a_value_error_is_reported_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = every_sample_key(dir.path());
    config["RecoveryIgnoreHostnameFilters"] = json!(["("]);
    let (out, text) = check(&config);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("error: config error in RecoveryIgnoreHostnameFilters"), "{text}");
}
