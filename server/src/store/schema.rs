//! Schema of the backend database, created idempotently at start for either dialect.

use super::{Dialect, Store, StoreError};

/// Tables, in creation order. `{TEXT_KEY}` becomes a key-able text type per dialect.
const TABLES: &[&str] = &[
    // State-machine bookkeeping: last applied log id and membership, written in the same
    // transaction as the entries they describe.
    "CREATE TABLE IF NOT EXISTS raft_sm_meta (
        meta_key {TEXT_KEY} NOT NULL PRIMARY KEY,
        meta_value TEXT NOT NULL
    )",
    // Replicated (written only by the state machine).
    "CREATE TABLE IF NOT EXISTS database_instance_downtime (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        owner VARCHAR(256) NOT NULL,
        reason TEXT NOT NULL,
        begins_at_ms BIGINT NOT NULL,
        ends_at_ms BIGINT NOT NULL,
        PRIMARY KEY (hostname, port)
    )",
    "CREATE TABLE IF NOT EXISTS candidate_database_instance (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        promotion_rule VARCHAR(32) NOT NULL,
        last_suggested_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        PRIMARY KEY (hostname, port)
    )",
    "CREATE TABLE IF NOT EXISTS global_recovery_disable (
        disable_recovery INT NOT NULL PRIMARY KEY,
        set_at_ms BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS raft_leader_uri (
        node_id BIGINT NOT NULL PRIMARY KEY,
        uri VARCHAR(512) NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS forgotten_instance (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        forgotten_at_ms BIGINT NOT NULL,
        PRIMARY KEY (hostname, port)
    )",
    // Node-local (never replicated).
    "CREATE TABLE IF NOT EXISTS node_health (
        node_id BIGINT NOT NULL PRIMARY KEY,
        last_seen_ms BIGINT NOT NULL
    )",
];

/// Creates every table that does not exist yet.
pub async fn create(store: &Store) -> Result<(), StoreError> {
    let key_type = match store.dialect() {
        Dialect::Sqlite => "TEXT",
        Dialect::MySql => "VARCHAR(255)",
    };
    for ddl in TABLES {
        let sql = ddl.replace("{TEXT_KEY}", key_type);
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(store.pool()).await?;
    }
    Ok(())
}
