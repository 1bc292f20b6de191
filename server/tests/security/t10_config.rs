//! The security keys: defaults, combinations, and errors that name the key; secret and TLS files
//! are read at start with the same kind of errors; passwords never show in `Debug`.

use server::auth::{AuthMethod, Security};
use server::config::NodeConfig;

use crate::support::{secret_file, Pki};

fn parse(extra: &str) -> Result<NodeConfig, server::config::ConfigError> {
    NodeConfig::parse(&format!(
        r#"{{"RaftEnabled": true, "RaftDataDir": "/tmp/x", "RaftBind": "127.0.0.1:10008",
            "RaftNodes": ["127.0.0.1:10008", "127.0.0.1:10009", "127.0.0.1:10010"],
            "SQLite3DataFile": "/tmp/x/orc.db" {extra}}}"#
    ))
}

fn key_of(extra: &str) -> String {
    parse(extra).expect_err("config must be refused").key
}

#[test]
fn defaults_are_orchestrators() {
    let c = parse("").unwrap().security;
    assert_eq!(c.method, AuthMethod::None);
    assert_eq!(c.auth_user_header, "x-forwarded-user");
    assert_eq!(c.power_auth_users, vec!["*".to_string()]);
    assert!(!c.read_only);
    assert!(
        c.is_open("/api/leader-check")
            && c.is_open("/api/leader-check/503")
            && c.is_open("/api/status")
    );
    assert!(!c.is_open("/api/leader-checks") && !c.is_open("/api/clusters"));
    assert!(c.http_tls.is_none() && c.raft_tls.is_none() && c.raft_secret_file.is_none());
}

#[test]
fn errors_name_the_key() {
    assert_eq!(key_of(r#", "AuthenticationMethod": "kerberos""#), "AuthenticationMethod");
    assert_eq!(key_of(r#", "AuthenticationMethod": "token""#), "AuthenticationMethod");
    assert_eq!(
        key_of(r#", "AuthenticationMethod": "basic", "RaftSecretFile": "/s""#),
        "HTTPAuthUser"
    );
    assert_eq!(
        key_of(r#", "AuthenticationMethod": "basic", "HTTPAuthUser": "a", "RaftSecretFile": "/s""#),
        "HTTPAuthPassword"
    );
    assert_eq!(
        key_of(
            r#", "AuthenticationMethod": "multi", "HTTPAuthUser": "readonly", "HTTPAuthPassword": "p", "RaftSecretFile": "/s""#
        ),
        "HTTPAuthUser"
    );
    // Followers forward to the leader's /internal endpoints: a secret is required with auth.
    assert_eq!(
        key_of(
            r#", "AuthenticationMethod": "basic", "HTTPAuthUser": "a", "HTTPAuthPassword": "p""#
        ),
        "RaftSecretFile"
    );
    assert_eq!(key_of(r#", "AuthUserHeader": "bad header""#), "AuthUserHeader");
    assert_eq!(key_of(r#", "ReadOnly": "yes""#), "ReadOnly");
    assert_eq!(key_of(r#", "UseSSL": true"#), "SSLCertFile");
    assert_eq!(key_of(r#", "UseSSL": true, "SSLCertFile": "/c""#), "SSLPrivateKeyFile");
    assert_eq!(key_of(r#", "UseMutualTLS": true"#), "UseMutualTLS");
    assert_eq!(
        key_of(
            r#", "UseSSL": true, "SSLCertFile": "/c", "SSLPrivateKeyFile": "/k", "UseMutualTLS": true"#
        ),
        "SSLCAFile"
    );
    assert_eq!(key_of(r#", "RaftTLSCertFile": "/c""#), "RaftTLSKeyFile");
    assert_eq!(key_of(r#", "RaftTLSCertFile": "/c", "RaftTLSKeyFile": "/k""#), "RaftTLSCAFile");
    assert_eq!(key_of(r#", "AuthOpenEndpoints": ["/internal/propose"]"#), "AuthOpenEndpoints");
    assert_eq!(key_of(r#", "AuthOpenEndpoints": ["/"]"#), "AuthOpenEndpoints");
    assert_eq!(key_of(r#", "AuthTrustedOrigins": ["evil.example"]"#), "AuthTrustedOrigins");
    assert_eq!(key_of(r#", "HTTPReadHeaderTimeoutSeconds": 0"#), "HTTPReadHeaderTimeoutSeconds");
}

#[test]
fn open_endpoints_are_configurable() {
    let c = parse(r#", "AuthOpenEndpoints": ["/api/health"]"#).unwrap().security;
    assert!(c.is_open("/api/health") && !c.is_open("/api/leader-check"));
    let closed = parse(r#", "AuthOpenEndpoints": [""]"#).unwrap().security;
    assert!(closed.open_endpoints.is_empty() && !closed.is_open("/api/health"));
}

#[test]
fn password_never_shows_in_debug_output() {
    let c = parse(
        r#", "AuthenticationMethod": "basic", "HTTPAuthUser": "a", "HTTPAuthPassword": "hunter2-password", "RaftSecretFile": "/s""#,
    )
    .unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("hunter2-password"), "password leaked into Debug output");
}

#[test]
fn files_are_read_at_start_with_errors_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let missing = parse(&format!(r#", "RaftSecretFile": "{d}/none""#)).unwrap();
    assert_eq!(Security::load(&missing).unwrap_err().key, "RaftSecretFile");
    let short = secret_file(dir.path(), "short", "tooshort");
    let c = parse(&format!(r#", "RaftSecretFile": "{}""#, short.display())).unwrap();
    assert_eq!(Security::load(&c).unwrap_err().key, "RaftSecretFile");

    let pki = Pki::new(dir.path(), "t10");
    let (cert, key) = pki.leaf("node");
    let good = format!(
        r#", "UseSSL": true, "SSLCertFile": "{}", "SSLPrivateKeyFile": "{}", "SSLCAFile": "{}", "UseMutualTLS": true"#,
        cert.display(),
        key.display(),
        pki.ca.display()
    );
    let loaded = Security::load(&parse(&good).unwrap()).unwrap();
    assert!(loaded.http_tls.is_some());
    assert!(
        parse(&good).unwrap().http_uri().starts_with("https://"),
        "UseSSL makes the advertised URI https"
    );
    // A certificate where the key should be, and garbage as the certificate.
    let swapped = good.replace(&key.display().to_string(), &cert.display().to_string());
    assert_eq!(Security::load(&parse(&swapped).unwrap()).unwrap_err().key, "SSLPrivateKeyFile");
    let garbage = secret_file(dir.path(), "garbage.pem", "not a certificate at all");
    let bad_cert = good.replace(&cert.display().to_string(), &garbage.display().to_string());
    assert_eq!(Security::load(&parse(&bad_cert).unwrap()).unwrap_err().key, "SSLCertFile");
}
