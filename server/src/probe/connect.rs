//! One short-lived connection per probe, with the topology credentials and a bounded connect.
//!
//! Each probe opens its own `MySqlConnection` and closes it when done (no pool: a pool would
//! keep sockets to dead hosts and hide hangs). `MySQLConnectTimeoutSeconds` bounds TCP connect
//! *and* the MySQL handshake, so a SIGSTOPped server (whose kernel still accepts the TCP
//! connection) fails after that long. No session set-up statements are sent (no `SET NAMES`,
//! no `time_zone`), and no prepared statements are cached: every probe is cheap for the server.
//!
//! TLS is not negotiated. TCP_NODELAY cannot be set: sqlx 0.9 opens the socket itself and does
//! not expose it. It does not matter here: every request is a single packet written at once and
//! then answered, so Nagle's algorithm never holds anything back.

use std::time::Duration;

use app::core::InstanceKey;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection};

use super::ProbeError;
use crate::config::DiscoveryConfig;

/// Connection options for probing `key` with the configured credentials.
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

/// Opens a connection to `key`, giving up after `MySQLConnectTimeoutSeconds`.
pub async fn connect(key: &InstanceKey, config: &DiscoveryConfig) -> Result<MySqlConnection, ProbeError> {
    let options = options(key, config);
    match tokio::time::timeout(config.connect_timeout, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(source)) => Err(ProbeError::Connect { source }),
        Err(_) => Err(ProbeError::ConnectTimeout { after: config.connect_timeout }),
    }
}

/// Closes politely (COM_QUIT, so the server logs no aborted connection), without waiting long.
pub async fn close(conn: MySqlConnection) {
    let _ = tokio::time::timeout(Duration::from_millis(500), conn.close()).await;
}
