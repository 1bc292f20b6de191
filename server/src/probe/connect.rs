//! One short-lived connection per probe, with the topology credentials and a bounded connect.
//!
//! Each probe opens its own `MySqlConnection` and closes it when done (no pool: a pool would
//! keep sockets to dead hosts and hide hangs). `MySQLConnectTimeoutSeconds` bounds TCP connect
//! *and* the MySQL handshake, so a SIGSTOPped server (whose kernel still accepts the TCP
//! connection) fails after that long. No session set-up statements are sent (no `SET NAMES`,
//! no `time_zone`), and no prepared statements are cached: every probe is cheap for the server.
//!
//! TLS follows `DiscoveryConfig::tls` (`config::topology_tls`): none without TLS keys; on every
//! connection with `MySQLTopologyUseMutualTLS`; else (mixed) only after a plain connection was
//! refused with 3159/1045, remembered per instance. The whole sequence, a mixed fallback
//! included, stays within `MySQLConnectTimeoutSeconds`. TCP_NODELAY cannot be set: sqlx 0.9 opens the socket itself and does
//! not expose it. It does not matter here: every request is a single packet written at once and
//! then answered, so Nagle's algorithm never holds anything back.

use std::time::Duration;

use app::core::InstanceKey;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlSslMode};
use sqlx::{ConnectOptions, Connection};

use super::ProbeError;
use crate::config::topology_tls::{
    TlsUse, TopologyTls, Verify, ER_ACCESS_DENIED, ER_SECURE_TRANSPORT_REQUIRED,
};
use crate::config::DiscoveryConfig;

/// Plain (no TLS) connection options for probing `key` with the configured credentials.
pub fn options(key: &InstanceKey, config: &DiscoveryConfig) -> MySqlConnectOptions {
    MySqlConnectOptions::new()
        .host(&key.hostname)
        .port(key.port)
        .username(&config.user)
        .password(&config.password)
        .ssl_mode(MySqlSslMode::Disabled)
        .statement_cache_capacity(0)
        .pipes_as_concat(false)
        .no_engine_substitution(false)
        .timezone(None)
        .set_names(false)
}

/// [`options`] with TLS as `tls` says: its verification mode, CA and client certificate.
pub fn tls_options(
    key: &InstanceKey,
    config: &DiscoveryConfig,
    tls: &TopologyTls,
) -> MySqlConnectOptions {
    let mut options = options(key, config).ssl_mode(ssl_mode(tls.verify));
    if let Some(ca) = &tls.ca_pem {
        options = options.ssl_ca_from_pem(ca.to_vec());
    }
    if let Some(client) = &tls.client {
        options = options
            .ssl_client_cert_from_pem(client.cert_pem.as_slice())
            .ssl_client_key_from_pem(client.key_pem.bytes());
    }
    options
}

/// The sqlx mode for a verification setting.
pub fn ssl_mode(verify: Verify) -> MySqlSslMode {
    match verify {
        Verify::Skip => MySqlSslMode::Required,
        Verify::Ca => MySqlSslMode::VerifyCa,
        Verify::Identity => MySqlSslMode::VerifyIdentity,
    }
}

/// Whether a failed plain connection means "use TLS" in mixed mode (orchestrator's test):
/// insecure transport prohibited (3159) or access denied (1045, e.g. a `REQUIRE SSL` user).
pub fn refuses_plain(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<MySqlDatabaseError>())
        .is_some_and(|e| matches!(e.number(), ER_SECURE_TRANSPORT_REQUIRED | ER_ACCESS_DENIED))
}

/// Opens a connection to `key`, giving up after `MySQLConnectTimeoutSeconds`.
pub async fn connect(
    key: &InstanceKey,
    config: &DiscoveryConfig,
) -> Result<MySqlConnection, ProbeError> {
    match tokio::time::timeout(config.connect_timeout, open(key, config)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(source)) => Err(ProbeError::Connect { source }),
        Err(_) => Err(ProbeError::ConnectTimeout { after: config.connect_timeout }),
    }
}

async fn open(key: &InstanceKey, config: &DiscoveryConfig) -> Result<MySqlConnection, sqlx::Error> {
    let Some(tls) = &config.tls else {
        return options(key, config).connect().await;
    };
    if tls.usage == TlsUse::Always || tls.required.requires(key) {
        return tls_options(key, config, tls).connect().await;
    }
    match options(key, config).connect().await {
        Err(e) if refuses_plain(&e) => {
            tracing::debug!(instance = %key, error = %e, "plain connection refused; retrying with TLS (MySQLTopologyUseMixedTLS)");
            tls.required.remember(key);
            tls_options(key, config, tls).connect().await
        }
        other => other,
    }
}

/// Closes politely (COM_QUIT, so the server logs no aborted connection), without waiting long.
pub async fn close(conn: MySqlConnection) {
    let _ = tokio::time::timeout(Duration::from_millis(500), conn.close()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;

    fn config(extra: &str) -> DiscoveryConfig {
        let json = format!(
            r#"{{"BackendDB": "sqlite", "SQLite3DataFile": "/tmp/x.db", "MySQLTopologyUser": "orc",
                "MySQLTopologyPassword": "pw" {extra}}}"#
        );
        NodeConfig::parse(&json).expect("parse").discovery
    }

    fn pem_files(dir: &std::path::Path) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["db1".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let (c, k) = (dir.join("c.pem"), dir.join("k.pem"));
        std::fs::write(&c, cert.pem()).expect("write");
        std::fs::write(&k, key.serialize_pem()).expect("write");
        (c.display().to_string(), k.display().to_string())
    }

    #[test]
    fn plain_without_tls_keys() {
        let key = InstanceKey::new("db1", 3306).expect("key");
        let c = config("");
        assert!(c.tls.is_none());
        assert!(matches!(options(&key, &c).get_ssl_mode(), MySqlSslMode::Disabled));
    }

    #[test]
    fn tls_options_follow_the_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cert, private) = pem_files(dir.path());
        let key = InstanceKey::new("db1", 3306).expect("key");
        let cases = [
            (
                format!(r#", "MySQLTopologySSLCAFile": "{cert}""#),
                MySqlSslMode::VerifyIdentity,
                true,
                false,
            ),
            (
                format!(
                    r#", "MySQLTopologySSLCAFile": "{cert}", "MySQLTopologySSLVerifyHostname": false"#
                ),
                MySqlSslMode::VerifyCa,
                true,
                false,
            ),
            (
                r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLSkipVerify": true"#
                    .to_string(),
                MySqlSslMode::Required,
                false,
                false,
            ),
            (
                format!(
                    r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCAFile": "{cert}",
                       "MySQLTopologySSLCertFile": "{cert}", "MySQLTopologySSLPrivateKeyFile": "{private}""#
                ),
                MySqlSslMode::VerifyIdentity,
                true,
                true,
            ),
        ];
        for (extra, mode, has_ca, has_client) in cases {
            let c = config(&extra);
            let tls = c.tls.as_ref().expect("tls configured");
            let o = tls_options(&key, &c, tls);
            assert_eq!(format!("{:?}", o.get_ssl_mode()), format!("{mode:?}"), "{extra}");
            assert_eq!((o.get_host(), o.get_port(), o.get_username()), ("db1", 3306, "orc"));
            let url = o.to_url_lossy();
            let query: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
            assert_eq!(query.iter().any(|k| k == "ssl-ca"), has_ca, "{extra}");
            assert_eq!(query.iter().any(|k| k == "ssl-cert"), has_client, "{extra}");
            assert_eq!(query.iter().any(|k| k == "ssl-key"), has_client, "{extra}");
            // The plain options stay plain (mixed mode's first attempt).
            assert!(matches!(options(&key, &c).get_ssl_mode(), MySqlSslMode::Disabled));
        }
    }
}
