//! Unit tests of config parsing and validation.

use super::*;

fn raft_json(extra: &str) -> String {
    format!(
        r#"{{"RaftEnabled": true, "RaftDataDir": "/tmp/x", "RaftBind": "10.0.0.1",
            "RaftNodes": ["10.0.0.1", "10.0.0.2", "10.0.0.3:10008"],
            "BackendDB": "sqlite", "SQLite3DataFile": "/tmp/x/orc.db" {extra}}}"#
    )
}

#[test]
fn reads_orchestrator_keys_and_defaults() {
    let c = NodeConfig::parse(&raft_json("")).unwrap();
    assert_eq!(c.raft.bind.to_string(), "10.0.0.1:10008");
    assert_eq!(c.raft.nodes.len(), 3);
    assert_eq!(c.http.listen_address.port(), 3000);
    assert_eq!(c.http_uri(), "http://10.0.0.1:3000");
    assert_eq!(c.recovery.candidate_expire.as_secs(), 3600);
    assert!(c.origin.unknown_keys.is_empty());
}

#[test]
fn unknown_keys_are_collected_not_fatal() {
    let c = NodeConfig::parse(&raft_json(r#", "PseudoGTIDMonotonicHint": "x", "Debug": true"#))
        .unwrap();
    assert_eq!(
        c.origin.unknown_keys,
        vec!["Debug".to_string(), "PseudoGTIDMonotonicHint".to_string()]
    );
}

#[test]
fn wrong_type_names_the_key() {
    let e = NodeConfig::parse(&raft_json(r#", "ListenAddress": 3000"#)).unwrap_err();
    assert_eq!(e.key, "ListenAddress");
    let e = NodeConfig::parse(r#"{"RaftEnabled": "yes"}"#).unwrap_err();
    assert_eq!(e.key, "RaftEnabled");
}

#[test]
fn missing_required_keys_in_raft_mode() {
    let e = NodeConfig::parse(r#"{"RaftEnabled": true, "RaftBind": "a", "SQLite3DataFile": "x"}"#)
        .unwrap_err();
    assert_eq!(e.key, "RaftDataDir");
    let e =
        NodeConfig::parse(r#"{"RaftEnabled": true, "RaftDataDir": "d", "SQLite3DataFile": "x"}"#)
            .unwrap_err();
    assert_eq!(e.key, "RaftBind");
    let e = NodeConfig::parse(r#"{"RaftEnabled": true, "RaftDataDir": "d", "RaftBind": "a"}"#)
        .unwrap_err();
    assert_eq!(e.key, "SQLite3DataFile");
}

#[test]
fn bind_must_be_a_member() {
    let json = raft_json("").replace(r#""RaftBind": "10.0.0.1""#, r#""RaftBind": "10.0.0.9""#);
    let e = NodeConfig::parse(&json).unwrap_err();
    assert_eq!(e.key, "RaftBind");
    assert!(e.message.contains("not in RaftNodes"), "{}", e.message);
}

#[test]
fn advertise_is_the_identity_when_set() {
    let json = raft_json(r#", "RaftAdvertise": "10.0.0.2""#)
        .replace(r#""RaftBind": "10.0.0.1""#, r#""RaftBind": "0.0.0.0""#);
    let c = NodeConfig::parse(&json).unwrap();
    assert_eq!(c.raft.advertise.to_string(), "10.0.0.2:10008");
    assert_eq!(c.node_id(), RaftAddr::parse("k", "10.0.0.2:10008", 1).unwrap().node_id());
}

#[test]
fn mysql_backend_keys() {
    let json = raft_json(r#", "BackendDB": "mysql", "MySQLOrchestratorUser": "orc", "MySQLOrchestratorPassword": "p""#)
        .replace(r#""BackendDB": "sqlite", "#, "");
    let c = NodeConfig::parse(&json).unwrap();
    assert!(matches!(c.backend.db, BackendConfig::MySql { port: 3306, .. }));
    let e = NodeConfig::parse(&raft_json("").replace("sqlite", "postgres")).unwrap_err();
    assert_eq!(e.key, "BackendDB");
}

#[test]
fn timing_sanity() {
    let e = NodeConfig::parse(&raft_json(
        r#", "RaftHeartbeatMillis": 500, "RaftElectionTimeoutMillis": 600"#,
    ))
    .unwrap_err();
    assert_eq!(e.key, "RaftElectionTimeoutMillis");
}

#[test]
fn http_advertise_needs_scheme_and_no_path() {
    assert_eq!(
        NodeConfig::parse(&raft_json(r#", "HTTPAdvertise": "node1:3000""#)).unwrap_err().key,
        "HTTPAdvertise"
    );
    assert_eq!(
        NodeConfig::parse(&raft_json(r#", "HTTPAdvertise": "http://n:3000/x""#)).unwrap_err().key,
        "HTTPAdvertise"
    );
    let c = NodeConfig::parse(&raft_json(r#", "HTTPAdvertise": "http://n:3000""#)).unwrap();
    assert_eq!(c.http_uri(), "http://n:3000");
}

#[test]
fn metrics_are_open_unless_metrics_require_auth() {
    let c = NodeConfig::parse(&raft_json("")).unwrap();
    assert!(c.security.is_open("/metrics"));
    let c = NodeConfig::parse(&raft_json(r#", "MetricsRequireAuth": true"#)).unwrap();
    assert!(!c.security.is_open("/metrics"));
    assert!(c.security.is_open("/api/leader-check"));
}
