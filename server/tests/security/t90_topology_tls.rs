//! TLS to topology servers (`MySQLTopologyUseMutualTLS`, `MySQLTopologySSL*`): real MariaDB
//! servers with run-time certificates; the node's `Prober` (config parsed from JSON, as a node
//! would) and the connection recovery statements use (`probe::connect::connect`).
//!
//! - A `require_secure_transport=ON` server: a probe without TLS keys fails; with the CA it
//!   reads the instance over TLS (forced, and mixed: plain refused → TLS, remembered); trusting
//!   another CA fails unless verification is skipped.
//! - A `REQUIRE X509` user: reachable only with the client certificate (mutual TLS).
//! - A server certificate naming another host: refused by the default hostname check, accepted
//!   with `MySQLTopologySSLVerifyHostname: false` (CA only).
//!
//! Skipped, with the reason printed, when MariaDB is not installed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use app::core::{Instance, InstanceKey};
use server::clock::SystemClock;
use server::config::topology_tls::TlsUse;
use server::config::{BackendConfig, DiscoveryConfig, NodeConfig};
use server::probe::{connect, ProbeError, Prober};
use server::store::Store;
use server::testkit::mariadb::{Sandbox, Server, ORC_PASSWORD, ORC_USER};
use sqlx::Row;

use crate::support::Pki;

/// The node's discovery config from JSON keys (user, short timeouts, `extra`).
fn discovery(user: &str, password: &str, extra: &str) -> DiscoveryConfig {
    let json = format!(
        r#"{{"BackendDB": "sqlite", "SQLite3DataFile": "/tmp/unused-t90.db",
            "MySQLTopologyUser": "{user}", "MySQLTopologyPassword": "{password}",
            "MySQLConnectTimeoutSeconds": 5, "MySQLDiscoveryReadTimeoutSeconds": 10 {extra}}}"#
    );
    NodeConfig::parse(&json).unwrap_or_else(|e| panic!("config {extra}: {e}")).discovery
}

/// One probe of `server` by a prober over a fresh SQLite store, as `/api/discover` runs it.
async fn probe(config: DiscoveryConfig, server: &Server) -> Result<Instance, ProbeError> {
    let dir = tempfile::tempdir().unwrap();
    let backend = BackendConfig::Sqlite { path: dir.path().join("orc.db") };
    let store = Store::open(&backend, Duration::from_secs(5)).await.unwrap();
    let prober = Prober::new(config, store, Arc::new(SystemClock));
    let (shutdown, rx) = tokio::sync::watch::channel(false);
    let task = prober.start(rx);
    let result = prober.probe_now(key(server)).await;
    shutdown.send_replace(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    result
}

fn key(server: &Server) -> InstanceKey {
    InstanceKey::new("127.0.0.1", server.port()).unwrap()
}

/// The TLS cipher of a connection opened as recovery statements open theirs ("" when plain).
async fn cipher(config: &DiscoveryConfig, server: &Server) -> Result<String, ProbeError> {
    let mut conn = connect::connect(&key(server), config).await?;
    let row =
        sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").fetch_one(&mut conn).await.unwrap();
    let value: String =
        row.try_get(1).unwrap_or_else(|_| String::from_utf8(row.get::<Vec<u8>, _>(1)).unwrap());
    connect::close(conn).await;
    Ok(value)
}

fn tls_cnf(ca: &Path, cert: &Path, key: &Path, extra: &str) -> String {
    format!(
        "ssl_ca = {}\nssl_cert = {}\nssl_key = {}\n{extra}",
        ca.display(),
        cert.display(),
        key.display()
    )
}

fn expect_failure(what: &str, result: Result<Instance, ProbeError>) -> String {
    match result {
        Ok(i) => panic!("{what}: the probe should have failed, but read {}", i.key),
        Err(e) => {
            eprintln!("{what}: refused as expected: {e}");
            e.to_string()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_statements_use_tls_when_configured() {
    if let Err(why) = Sandbox::available() {
        eprintln!("skipped: {why}");
        return;
    }
    let files = tempfile::tempdir().unwrap();
    let pki = Pki::new(files.path(), "topology");
    let rogue = Pki::new(files.path(), "rogue");
    let (server_cert, server_key) = pki.leaf("mariadb"); // names 127.0.0.1 and localhost
    let (client_cert, client_key) = pki.leaf("orchestrator");
    let (other_cert, other_key) = pki.leaf_for("elsewhere", &["db.elsewhere.invalid"]);

    let sb = Sandbox::new().unwrap();
    let secure = sb
        .start_with_cnf(
            1,
            &tls_cnf(&pki.ca, &server_cert, &server_key, "require_secure_transport = ON"),
        )
        .unwrap()
        .pop()
        .unwrap();
    let misnamed = sb
        .start_with_cnf(1, &tls_cnf(&pki.ca, &other_cert, &other_key, ""))
        .unwrap()
        .pop()
        .unwrap();
    for s in [&secure, &misnamed] {
        assert_eq!(
            s.sql("SELECT @@have_ssl").unwrap(),
            "YES",
            "{s}: TLS must be enabled on the server"
        );
    }
    secure
        .sql(
            "CREATE USER 'orcx'@'127.0.0.1' IDENTIFIED BY 'orcxpass' REQUIRE X509; \
             GRANT ALL PRIVILEGES ON *.* TO 'orcx'@'127.0.0.1'",
        )
        .unwrap();
    let ca = pki.ca.display();
    let (ccert, ckey) = (client_cert.display(), client_key.display());

    // Without TLS keys the probe stays plain, and the server refuses it.
    let plain = discovery(ORC_USER, ORC_PASSWORD, "");
    assert!(plain.tls.is_none());
    expect_failure("no TLS keys", probe(plain.clone(), &secure).await);

    // Forced TLS, verified against the CA (and the host name 127.0.0.1).
    let forced = discovery(
        ORC_USER,
        ORC_PASSWORD,
        &format!(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCAFile": "{ca}""#),
    );
    let instance = probe(forced.clone(), &secure).await.expect("probe over TLS");
    assert_eq!(instance.key, key(&secure));
    assert!(instance.server_id > 0 && instance.version.contains("MariaDB"), "{instance:?}");
    let suite = cipher(&forced, &secure).await.expect("statement connection over TLS");
    assert!(!suite.is_empty(), "the connection must be encrypted");
    eprintln!("probe and statements over TLS ({suite})");

    // Mixed (orchestrator's default): only a CA file; plain is refused, TLS follows, remembered.
    let mixed =
        discovery(ORC_USER, ORC_PASSWORD, &format!(r#", "MySQLTopologySSLCAFile": "{ca}""#));
    let tls = mixed.tls.clone().expect("tls");
    assert_eq!(tls.usage, TlsUse::Mixed);
    assert!(!tls.required.requires(&key(&secure)));
    probe(mixed.clone(), &secure).await.expect("mixed: plain refused, then TLS");
    assert!(tls.required.requires(&key(&secure)), "the instance is remembered as needing TLS");
    assert!(!cipher(&mixed, &secure).await.unwrap().is_empty());
    // A server that accepts plain connections stays plain in mixed mode.
    assert_eq!(
        cipher(&mixed, &misnamed).await.unwrap(),
        "",
        "mixed TLS must not encrypt where not required"
    );

    // Trusting another CA: the handshake fails; skipping verification still encrypts.
    let wrong = format!(
        r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCAFile": "{}""#,
        rogue.ca.display()
    );
    let err =
        expect_failure("wrong CA", probe(discovery(ORC_USER, ORC_PASSWORD, &wrong), &secure).await);
    assert!(err.to_lowercase().contains("certificate") || err.contains("UnknownIssuer"), "{err}");
    let skip = format!("{wrong}, \"MySQLTopologySSLSkipVerify\": true");
    probe(discovery(ORC_USER, ORC_PASSWORD, &skip), &secure)
        .await
        .expect("skip-verify: encrypted, unverified");

    // Mutual TLS: a REQUIRE X509 user needs the client certificate.
    let no_cert =
        format!(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCAFile": "{ca}""#);
    expect_failure(
        "X509 user without a client certificate",
        probe(discovery("orcx", "orcxpass", &no_cert), &secure).await,
    );
    let mutual = format!(
        r#"{no_cert}, "MySQLTopologySSLCertFile": "{ccert}", "MySQLTopologySSLPrivateKeyFile": "{ckey}""#
    );
    let config = discovery("orcx", "orcxpass", &mutual);
    probe(config.clone(), &secure).await.expect("X509 user with the client certificate");
    assert!(!cipher(&config, &secure).await.unwrap().is_empty());

    // Host name check: the certificate of `misnamed` does not name 127.0.0.1.
    let err = expect_failure(
        "certificate for another host",
        probe(discovery(ORC_USER, ORC_PASSWORD, &no_cert), &misnamed).await,
    );
    assert!(err.to_lowercase().contains("certificate") || err.contains("NotValidForName"), "{err}");
    let ca_only = format!("{no_cert}, \"MySQLTopologySSLVerifyHostname\": false");
    let config = discovery(ORC_USER, ORC_PASSWORD, &ca_only);
    probe(config.clone(), &misnamed).await.expect("CA-only verification ignores the host name");
    assert!(!cipher(&config, &misnamed).await.unwrap().is_empty());
    // ... but still not another CA's certificate.
    let rogue_only = format!(
        r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCAFile": "{}", "MySQLTopologySSLVerifyHostname": false"#,
        rogue.ca.display()
    );
    expect_failure(
        "CA-only with the wrong CA",
        probe(discovery(ORC_USER, ORC_PASSWORD, &rogue_only), &misnamed).await,
    );
}
