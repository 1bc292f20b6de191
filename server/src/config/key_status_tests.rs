//! The key-status table agrees with the readers, and refusals name their key.

use serde_json::{json, Map, Value};

use super::*;
use crate::config::reader::KeyReader;
use crate::config::NodeConfig;

fn minimal() -> Map<String, Value> {
    let Value::Object(map) = json!({"SQLite3DataFile": "/tmp/x.db"}) else { unreachable!() };
    map
}

/// Every key the readers ask for, from a minimal valid config.
fn asked_keys() -> Vec<String> {
    let mut reader = KeyReader::new(minimal());
    NodeConfig::from_reader_for_test(&mut reader).expect("minimal config parses");
    reader.asked().to_vec()
}

#[test]
fn every_key_a_reader_asks_for_is_honoured_in_the_table() {
    let wrong: Vec<String> =
        asked_keys().into_iter().filter(|k| handling(k) != Some(Handling::Honoured)).collect();
    assert!(wrong.is_empty(), "read but not marked honoured: {wrong:?}");
}

#[test]
fn every_honoured_key_is_read() {
    let asked = asked_keys();
    let unread: Vec<&str> = KEYS
        .iter()
        .filter(|(key, h)| *h == Handling::Honoured && !asked.iter().any(|k| k == key))
        .map(|(key, _)| *key)
        .collect();
    assert!(unread.is_empty(), "marked honoured but never read: {unread:?}");
}

#[test]
fn no_key_is_listed_twice() {
    let mut keys: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(before, keys.len());
}

#[test]
fn refused_only_when_set_to_a_behaviour_changing_value() {
    assert_eq!(
        status_of("ListenSocket", &json!("")),
        KeyStatus::IgnoredNeutral(
            "HTTP is served on ListenAddress only, not on a unix socket".into()
        )
    );
    assert!(matches!(status_of("ListenSocket", &json!("/run/orc.sock")), KeyStatus::Refused(_)));
    assert_eq!(status_of("URLPrefix", &json!("/orc")), KeyStatus::Honoured);
    for method in ["default", "none", "cname", "ip"] {
        assert_eq!(status_of("HostnameResolveMethod", &json!(method)), KeyStatus::Honoured);
    }
    assert_eq!(status_of("MySQLHostnameResolveMethod", &json!("@@hostname")), KeyStatus::Honoured);
    assert!(matches!(
        status_of("PseudoGTIDMonotonicHint", &json!("asc:")),
        KeyStatus::IgnoredHarmless(_)
    ));
    assert_eq!(status_of("RaftEnabled", &json!(true)), KeyStatus::Honoured);
    assert_eq!(status_of("NoSuchKey", &json!(1)), KeyStatus::Unknown);
}

#[test]
fn a_node_refuses_to_start_naming_the_refused_key() {
    let e = NodeConfig::parse(r#"{"SQLite3DataFile": "/tmp/x.db", "ListenSocket": "/run/o.sock"}"#)
        .unwrap_err();
    assert_eq!(e.key, "ListenSocket");
    assert!(e.message.contains("not honoured"), "{}", e.message);
    NodeConfig::parse(r#"{"SQLite3DataFile": "/tmp/x.db", "ListenSocket": ""}"#).expect("neutral");
    let c = NodeConfig::parse(r#"{"SQLite3DataFile": "/tmp/x.db", "URLPrefix": "orchestrator/"}"#)
        .expect("a prefix is honoured");
    assert_eq!(c.http.url_prefix, "/orchestrator");
}

#[test]
fn docs_configuration_lists_every_key_with_its_status() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/configuration.md");
    let doc = std::fs::read_to_string(&path).expect("docs/configuration.md");
    let mut wrong = Vec::new();
    for (key, h) in KEYS {
        let want = match h {
            Handling::Honoured => "honoured",
            Handling::Harmless(_) => "ignored-harmless",
            Handling::Refused { .. } => "refused unless",
        };
        let row = doc.lines().find(|l| l.starts_with(&format!("| `{key}` |")));
        if !row.is_some_and(|r| r.split('|').nth(2).is_some_and(|s| s.trim().starts_with(want))) {
            wrong.push(format!("{key}: want {want}, row {row:?}"));
        }
    }
    assert!(wrong.is_empty(), "docs/configuration.md disagrees:\n{}", wrong.join("\n"));
}
