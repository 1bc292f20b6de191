//! Property-based fuzzing (proptest) of everything that parses untrusted text: the raft command
//! decoder (`CommandEnvelope` JSON, what `/internal/propose` and the log accept), the config
//! parser, the API parameter parsers, and the auth/CSRF header parsers. None may panic, and what
//! they accept must satisfy the validation rules.
//!
//! The kept corpus (`corpus/<target>/*`) replays hostile and edge inputs on every run; proptest
//! stores shrunk failures in `proptest-regressions/t70_fuzz.txt` next to this file — commit them.

use std::str::FromStr;

use app::core::duration::{parse_duration_ms, MAX_DURATION_MS};
use app::core::instance_key::validate_hostname;
use app::core::{CommandEnvelope, InstanceKey, PromotionRule};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use server::config::NodeConfig;

fn decode_command(bytes: &[u8]) {
    if let Ok(env) = serde_json::from_slice::<CommandEnvelope>(bytes) {
        // What decodes re-encodes to the same command: nothing is read as something else.
        let again: CommandEnvelope =
            serde_json::from_slice(&serde_json::to_vec(&env).unwrap()).unwrap();
        assert_eq!(again, env);
    }
}

fn parse_config(text: &str) {
    if let Err(e) = NodeConfig::parse(text) {
        assert!(!e.key.is_empty(), "a config error names a key: {e}");
    }
}

fn parse_params(host: &str, port: &str, text: &str) {
    if let Ok(key) = InstanceKey::parse(host, port) {
        assert!(validate_hostname(&key.hostname).is_ok() && key.port > 0);
        assert!(!key.hostname.contains(['$', '`', ';', ' ', '/', '\'', '"']));
    }
    if let Ok(Some(ms)) = parse_duration_ms(text) {
        assert!(ms > 0 && ms <= MAX_DURATION_MS);
    }
    if let Ok(rule) = PromotionRule::from_str(text) {
        assert_eq!(rule.to_string(), text);
    }
    let _ = InstanceKey::parse_joined(text, 3306);
}

fn parse_headers(text: &str) {
    if let Ok(value) = axum::http::HeaderValue::from_str(text) {
        let _ = server::auth::secret::basic_credentials(Some(&value));
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("origin", value.clone());
        headers.insert("referer", value.clone());
        headers.insert("host", value);
        let config = NodeConfig::parse(r#"{"SQLite3DataFile": "x"}"#).unwrap();
        let _ = server::auth::csrf::check(&headers, &config.security);
    }
}

/// Where proptest records shrunk failures (relative to the package root, cargo test's cwd).
const REGRESSIONS: &str = "tests/security/proptest-regressions/t70_fuzz.txt";

const OPS: &[&str] = &[
    "begin-downtime",
    "end-downtime",
    "register-candidate",
    "forget",
    "disable-global-recoveries",
    "enable-global-recoveries",
    "leader-uri",
    "heartbeat",
    "discover",
    "forget-cluster",
    "set-cluster-alias",
    "batch",
    "no-such-op",
];

const CONFIG_KEYS: &[&str] = &[
    "RaftEnabled",
    "RaftDataDir",
    "RaftBind",
    "RaftNodes",
    "ListenAddress",
    "BackendDB",
    "SQLite3DataFile",
    "AuthenticationMethod",
    "HTTPAuthUser",
    "HTTPAuthPassword",
    "PowerAuthUsers",
    "ReadOnly",
    "UseSSL",
    "SSLCertFile",
    "RaftSecretFile",
    "RaftTLSCAFile",
    "AuthOpenEndpoints",
    "AuthTrustedOrigins",
    "HTTPReadHeaderTimeoutSeconds",
    "RaftHeartbeatMillis",
    "InstancePollSeconds",
    "DiscoverySeeds",
];

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[ -~]{0,24}".prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "basic",
            "multi",
            "proxy",
            "",
            "127.0.0.1:10008",
            ":3000",
            "sqlite",
            "mysql"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(serde_json::Value::from)
    })
}

fn envelope_json() -> impl Strategy<Value = String> {
    (prop::sample::select(OPS), json_value(), any::<u16>(), any::<i64>()).prop_map(|(op, value, v, at)| {
        serde_json::json!({"v": v, "issued_at_ms": at, "proposer": 1, "command": {"op": op, "value": value}}).to_string()
    })
}

fn config_json() -> impl Strategy<Value = String> {
    prop::collection::btree_map(prop::sample::select(CONFIG_KEYS), json_value(), 0..8)
        .prop_map(|m| serde_json::to_string(&m).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Shrunk failures are kept in the repository and replayed first on every run.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn command_decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_command(&bytes);
    }

    #[test]
    fn command_decoder_on_envelope_shapes(text in envelope_json()) {
        decode_command(text.as_bytes());
    }

    #[test]
    fn config_parser_never_panics(text in "\\PC{0,200}") {
        parse_config(&text);
    }

    #[test]
    fn config_parser_on_config_shapes(text in config_json()) {
        parse_config(&text);
    }

    #[test]
    fn parameter_parsers_validate(host in "\\PC{0,40}", port in "[-+0-9a-z]{0,8}", text in "\\PC{0,24}") {
        parse_params(&host, &port, &text);
    }

    #[test]
    fn header_parsers_never_panic(text in "[ -~]{0,80}") {
        parse_headers(&text);
    }
}

/// The kept corpus: every file of `corpus/<target>/` goes through its target.
#[test]
fn corpus_replays() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/security/corpus");
    let mut seen = 0;
    for (target, run) in [
        ("command", (|b: &[u8]| decode_command(b)) as fn(&[u8])),
        ("config", |b: &[u8]| parse_config(&String::from_utf8_lossy(b))),
        ("params", |b: &[u8]| {
            let text = String::from_utf8_lossy(b);
            for line in text.lines() {
                let (host, port) = line.rsplit_once(' ').unwrap_or((line, "3306"));
                parse_params(host, port, line);
                parse_headers(line);
            }
        }),
    ] {
        for entry in std::fs::read_dir(root.join(target)).unwrap() {
            run(&std::fs::read(entry.unwrap().path()).unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 6, "the corpus is missing");
}
