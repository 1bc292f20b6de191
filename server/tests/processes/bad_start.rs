//! The binary refuses to start, non-zero and naming the problem, on: bad config (wrong type,
//! missing key, RaftBind not in RaftNodes), CLI mode in raft mode, a raft port in use,
//! unreadable raft data, and an unreachable backend.

use std::fs;
use std::net::TcpListener;

use server::testkit::cluster::run_once;
use server::testkit::ports::free_port;

fn write_config(dir: &std::path::Path, body: &str) -> String {
    let path = dir.join("orchestrator.conf.json");
    fs::write(&path, body).expect("write config");
    path.to_string_lossy().into_owned()
}

fn valid(dir: &std::path::Path, raft_port: u16, http_port: u16, extra: &str) -> String {
    format!(
        r#"{{ "RaftEnabled": true, "RaftDataDir": "{d}/raft", "RaftBind": "127.0.0.1:{raft_port}",
             "RaftNodes": ["127.0.0.1:{raft_port}"], "ListenAddress": "127.0.0.1:{http_port}",
             "BackendDB": "sqlite", "SQLite3DataFile": "{d}/orc.db" {extra} }}"#,
        d = dir.display()
    )
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (r#"{"RaftEnabled": "yes"}"#, "RaftEnabled"),
        (
            r#"{"RaftEnabled": true, "RaftBind": "127.0.0.1:1", "SQLite3DataFile": "x"}"#,
            "RaftDataDir",
        ),
        (
            r#"{"RaftEnabled": true, "RaftDataDir": "d", "RaftBind": "10.0.0.9", "RaftNodes": ["10.0.0.1"], "SQLite3DataFile": "x"}"#,
            "RaftBind",
        ),
        (
            r#"{"RaftEnabled": true, "RaftDataDir": "d", "RaftBind": "a", "SQLite3DataFile": "x", "ListenAddress": 80}"#,
            "ListenAddress",
        ),
        ("not json", "config file"),
    ];
    for (body, key) in cases {
        let path = write_config(dir.path(), body);
        let (status, out) = run_once(dir.path(), &["--config", &path, "http"]);
        assert!(!status.success(), "{body} should fail");
        assert!(out.contains(key), "{body}: error should name {key}: {out}");
    }
}

#[test]
fn unknown_keys_warned_and_busy_raft_port_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let body = valid(
        dir.path(),
        busy_port,
        free_port(),
        r#", "Debug": true, "PseudoGTIDMonotonicHint": "x""#,
    );
    let path = write_config(dir.path(), &body);
    let (status, out) = run_once(dir.path(), &["-config", &path, "http"]);
    assert!(!status.success(), "raft port in use must be fatal");
    assert!(
        out.contains("Debug") && out.contains("PseudoGTIDMonotonicHint"),
        "one warning listing unknown keys: {out}"
    );
    assert!(out.contains("RaftBind"), "bind failure names RaftBind: {out}");
    drop(busy);
}

#[test]
fn a_refused_key_is_fatal_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let body = valid(dir.path(), free_port(), free_port(), r#", "PseudoGTIDPattern": "x""#);
    let path = write_config(dir.path(), &body);
    let (status, out) = run_once(dir.path(), &["-config", &path, "http"]);
    assert!(!status.success(), "a refused key must be fatal");
    assert!(out.contains("PseudoGTIDPattern") && out.contains("not honoured"), "{out}");
}

#[test]
fn cli_mode_refused_in_raft_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &valid(dir.path(), free_port(), free_port(), ""));
    let (status, out) =
        run_once(dir.path(), &["--config", &path, "-c", "begin-downtime", "-i", "db:3306"]);
    assert!(!status.success());
    assert!(out.contains("orchestrator-client") && out.contains("HTTP API"), "{out}");
}

#[test]
fn unreadable_raft_data_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let raft = dir.path().join("raft");
    fs::create_dir_all(&raft).unwrap();
    // Two framed records, the first one corrupt: not a torn tail, so it must not be "repaired".
    let mut bytes = Vec::new();
    for _ in 0..2 {
        bytes.extend_from_slice(&5u32.to_le_bytes());
        bytes.extend_from_slice(&0xdead_beefu32.to_le_bytes());
        bytes.extend_from_slice(&[1, b'{', b'}', b'{', b'}']);
    }
    fs::write(raft.join("raft-log.bin"), bytes).unwrap();
    let path = write_config(dir.path(), &valid(dir.path(), free_port(), free_port(), ""));
    let (status, out) = run_once(dir.path(), &["--config", &path, "http"]);
    assert!(!status.success());
    assert!(out.contains("unreadable raft data"), "{out}");
}

#[test]
fn unreachable_mysql_backend_is_fatal_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let dead_port = free_port();
    let extra = format!(
        r#", "BackendDB": "mysql", "MySQLOrchestratorPort": {dead_port}, "MySQLOrchestratorUser": "u",
            "MySQLOrchestratorPassword": "secret-pw""#
    );
    let body = valid(dir.path(), free_port(), free_port(), &extra)
        .replace(r#""BackendDB": "sqlite","#, "");
    let path = write_config(dir.path(), &body);
    let (status, out) = run_once(dir.path(), &["--config", &path, "http"]);
    assert!(!status.success());
    assert!(out.contains("cannot reach backend DB"), "{out}");
    assert!(!out.contains("secret-pw"), "password must never be printed: {out}");
}
