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
    "CREATE TABLE IF NOT EXISTS discovered_instance (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        discovered_at_ms BIGINT NOT NULL,
        PRIMARY KEY (hostname, port)
    )",
    "CREATE TABLE IF NOT EXISTS cluster_alias_override (
        cluster_name {TEXT_KEY} NOT NULL PRIMARY KEY,
        alias VARCHAR(255) NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS topology_failure_detection (
        uid {TEXT_KEY} NOT NULL PRIMARY KEY,
        detection_json TEXT NOT NULL,
        cluster_name VARCHAR(255) NOT NULL,
        cluster_alias VARCHAR(255) NOT NULL,
        hostname VARCHAR(255) NOT NULL,
        port INT NOT NULL,
        detected_at_ms BIGINT NOT NULL,
        acknowledged INT NOT NULL,
        ack_json TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS topology_recovery (
        uid {TEXT_KEY} NOT NULL PRIMARY KEY,
        recovery_json TEXT NOT NULL,
        cluster_name VARCHAR(255) NOT NULL,
        cluster_alias VARCHAR(255) NOT NULL,
        hostname VARCHAR(255) NOT NULL,
        port INT NOT NULL,
        started_at_ms BIGINT NOT NULL,
        ended_at_ms BIGINT NOT NULL,
        resolution_json TEXT NOT NULL,
        successor_key VARCHAR(255) NOT NULL,
        acknowledged INT NOT NULL,
        ack_json TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS topology_recovery_steps (
        uid {TEXT_KEY} NOT NULL,
        step_no INT NOT NULL,
        at_ms BIGINT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (uid, step_no)
    )",
    // Replicated: maintenance locks (`ended_at_ms` 0 while not ended) and the audit log.
    "CREATE TABLE IF NOT EXISTS database_instance_maintenance (
        maintenance_id BIGINT NOT NULL PRIMARY KEY,
        hostname VARCHAR(255) NOT NULL,
        port INT NOT NULL,
        owner VARCHAR(256) NOT NULL,
        reason TEXT NOT NULL,
        begins_at_ms BIGINT NOT NULL,
        ends_at_ms BIGINT NOT NULL,
        ended_at_ms BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS audit (
        audit_id BIGINT NOT NULL PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        audit_type VARCHAR(128) NOT NULL,
        hostname VARCHAR(255) NOT NULL,
        port INT NOT NULL,
        message TEXT NOT NULL
    )",
    // Replicated: key-value master discovery pairs (`put-key-value`).
    "CREATE TABLE IF NOT EXISTS kv_pair (
        kv_key {TEXT_KEY} NOT NULL PRIMARY KEY,
        kv_value TEXT NOT NULL
    )",
    // Replicated: instance tags (`put-instance-tag`, `delete-instance-tag`).
    "CREATE TABLE IF NOT EXISTS database_instance_tags (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        tag_name {TEXT_KEY} NOT NULL,
        tag_value TEXT NOT NULL,
        PRIMARY KEY (hostname, port, tag_name)
    )",
    // Replicated: hostname unresolve registrations (`register-hostname-unresolve`).
    "CREATE TABLE IF NOT EXISTS hostname_unresolve (
        hostname {TEXT_KEY} NOT NULL PRIMARY KEY,
        unresolved_hostname VARCHAR(128) NOT NULL,
        last_registered_ms BIGINT NOT NULL
    )",
    // Node-local: what this node last published to each of its KV stores (its outbox is the
    // difference with kv_pair).
    "CREATE TABLE IF NOT EXISTS kv_published (
        store_name VARCHAR(32) NOT NULL,
        kv_key {TEXT_KEY} NOT NULL,
        kv_value TEXT NOT NULL,
        PRIMARY KEY (store_name, kv_key)
    )",
    // Node-local history (store::history_tables): topology snapshots, and each instance's last
    // analysis code with the changes of it.
    "CREATE TABLE IF NOT EXISTS database_instance_topology_history (
        snapshot_unix_timestamp BIGINT NOT NULL,
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        master_host VARCHAR(255) NOT NULL,
        master_port INT NOT NULL,
        cluster_name VARCHAR(512) NOT NULL,
        version VARCHAR(128) NOT NULL,
        PRIMARY KEY (snapshot_unix_timestamp, hostname, port)
    )",
    "CREATE TABLE IF NOT EXISTS database_instance_last_analysis (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        analysis VARCHAR(128) NOT NULL,
        analysis_timestamp_ms BIGINT NOT NULL,
        PRIMARY KEY (hostname, port)
    )",
    "CREATE TABLE IF NOT EXISTS database_instance_analysis_changelog (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        analysis_timestamp_ms BIGINT NOT NULL,
        analysis VARCHAR(128) NOT NULL,
        PRIMARY KEY (hostname, port, analysis_timestamp_ms)
    )",
    // Node-local (never replicated).
    "CREATE TABLE IF NOT EXISTS node_health (
        node_id BIGINT NOT NULL PRIMARY KEY,
        last_seen_ms BIGINT NOT NULL
    )",
    // Node-local, written only by this node's prober (store::observed): the last observation of
    // each instance as JSON, with the columns that are filtered or sorted on beside it.
    "CREATE TABLE IF NOT EXISTS database_instance (
        hostname {TEXT_KEY} NOT NULL,
        port INT NOT NULL,
        cluster_name VARCHAR(512) NOT NULL,
        last_checked_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL,
        last_attempted_check_ms BIGINT NOT NULL,
        is_last_check_valid INT NOT NULL,
        last_check_partial_success INT NOT NULL,
        first_seen_ms BIGINT NOT NULL,
        instance_json TEXT NOT NULL,
        PRIMARY KEY (hostname, port)
    )",
    // Replicated: clusters whose automated recovery an operator disabled.
    "CREATE TABLE IF NOT EXISTS cluster_recovery_disable (
        cluster {TEXT_KEY} NOT NULL PRIMARY KEY,
        set_at_ms BIGINT NOT NULL
    )",
    // Replicated: the probe-sharing node set.
    "CREATE TABLE IF NOT EXISTS probe_share_node (
        node_id BIGINT NOT NULL PRIMARY KEY,
        data_center VARCHAR(255) NOT NULL
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
