//! Node configuration: orchestrator's JSON config file, its key names and defaults, validated.
//!
//! Every error names the offending key. Keys we do not know (a real orchestrator.conf.json has
//! many) are accepted and reported once, in one warning, by the caller.

pub mod analysis;
pub mod check;
pub mod discovery;
pub mod key_status;
pub mod kv;
pub mod live;
pub mod raft_addr;
pub(crate) mod reader;
pub mod recovery;
pub mod reload;
pub mod resolve;
pub mod security;
pub mod topology_tls;
pub mod url_prefix;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;

pub use discovery::DiscoveryConfig;
pub use raft_addr::RaftAddr;
use reader::{type_name, KeyReader};
pub use recovery::RecoveryConfig;

/// A configuration problem; `key` is the config key at fault (or the file).
#[derive(Debug, Error)]
#[error("config error in {key}: {message}")]
pub struct ConfigError {
    /// The key (e.g. `RaftNodes`) or `config file`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// A key has a bad value.
    pub fn invalid(key: &str, message: impl Into<String>) -> Self {
        ConfigError { key: key.to_string(), message: message.into() }
    }

    /// A key has the wrong JSON type.
    pub fn wrong_type(key: &str, expected: &str, got: &Value) -> Self {
        Self::invalid(key, format!("expected {expected}, got {}", type_name(got)))
    }

    /// A key required in raft mode is missing.
    pub fn missing(key: &str) -> Self {
        Self::invalid(key, "is required when RaftEnabled is true")
    }
}

/// Which backend database holds this node's store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendConfig {
    /// Embedded SQLite file (`SQLite3DataFile`).
    Sqlite {
        /// Path of the database file.
        path: PathBuf,
    },
    /// A MySQL/MariaDB server dedicated to this node.
    MySql {
        /// `MySQLOrchestratorHost`.
        host: String,
        /// `MySQLOrchestratorPort`.
        port: u16,
        /// `MySQLOrchestratorDatabase`.
        database: String,
        /// `MySQLOrchestratorUser`.
        user: String,
        /// `MySQLOrchestratorPassword` (never logged).
        password: String,
    },
}

/// Raft membership, storage and timings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftSettings {
    /// `RaftDataDir`: raft log, vote and snapshots.
    pub data_dir: PathBuf,
    /// `RaftBind`: where the raft RPC listener binds.
    pub bind: RaftAddr,
    /// `RaftAdvertise` (defaults to `RaftBind`): this node's identity in `RaftNodes`.
    pub advertise: RaftAddr,
    /// `RaftNodes`, normalised, in configured order.
    pub nodes: Vec<RaftAddr>,
    /// `RaftHeartbeatMillis`: leader heartbeat interval.
    pub heartbeat: Duration,
    /// `RaftElectionTimeoutMillis`: minimum election timeout (the maximum is 1.5 × this).
    pub election_timeout: Duration,
    /// `RaftSnapshotThreshold`: entries since the last snapshot that trigger a new one.
    pub snapshot_threshold: u64,
    /// `RaftLogsToKeep`: entries kept in the log behind the newest snapshot.
    pub logs_to_keep: u64,
    /// `DefaultRaftPort`: added to a raft address without a port (also in `raft-add-peer`).
    pub default_port: u16,
}

/// The HTTP listener and the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// `ListenAddress`: where the HTTP API and dashboard listen.
    pub listen_address: SocketAddr,
    /// `HTTPAdvertise`: this node's HTTP base URI as others should use it.
    pub advertise: Option<String>,
    /// `LeptosConfigFile`: runtime site settings (default `Leptos.toml` if present).
    pub leptos_config_file: Option<PathBuf>,
    /// `StatusEndpoint` (`/api/status`): an extra path answering as `/api/status`.
    pub status_endpoint: String,
    /// `URLPrefix`: every API and dashboard path starts with it (`""` = served at the root).
    pub url_prefix: String,
}

/// The backend database and how long its failures are tolerated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendSettings {
    /// `BackendDB` and its connection keys.
    pub db: BackendConfig,
    /// `BackendHealthYieldSeconds`: failing backend writes for this long make the leader yield.
    pub yield_after: Duration,
    /// `BackendHealthExitSeconds`: failing backend writes for this long make the node exit.
    pub exit_after: Duration,
}

/// Everything a node needs, validated.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// `RaftEnabled` ([`NodeConfig::raft_enabled`]).
    raft_enabled: bool,
    /// Raft membership, storage and timings.
    pub raft: RaftSettings,
    /// The HTTP listener and the site.
    pub http: HttpSettings,
    /// The backend database.
    pub backend: BackendSettings,
    /// Topology discovery: credentials, timeouts, poll cadence, seeds, patterns.
    pub discovery: DiscoveryConfig,
    /// Automated and manual recovery settings as read at start
    /// ([`NodeConfig::recovery_at_start`]; [`NodeConfig::recovery`] is the one in force).
    recovery: RecoveryConfig,
    /// Analysis thresholds and the recovery/problem ignore filters.
    pub analysis: analysis::AnalysisSettings,
    /// Authentication, `ReadOnly`, TLS and the raft port's secret (`security`).
    pub security: security::SecurityConfig,
    /// Key-value master discovery: prefix and stores.
    pub kv: kv::KvConfig,
    /// The recovery settings in force (`recovery` as read at start, then as reloaded).
    live_recovery: live::LiveRecovery,
    /// Where the config came from: its file, its keys as read, the keys not used.
    pub origin: ConfigOrigin,
}

/// Where a config came from (for `reload-configuration` and the start-up warning).
#[derive(Debug, Clone, Default)]
pub struct ConfigOrigin {
    /// The file this config was read from (`reload-configuration` reads it again).
    pub source: Option<PathBuf>,
    /// The file's keys as read at start.
    pub raw: reload::RawKeys,
    /// Keys present in the file that this build does not use.
    pub unknown_keys: Vec<String>,
}

impl NodeConfig {
    /// The recovery settings in force (filters, timings, hooks), reloadable at run time.
    pub fn recovery(&self) -> std::sync::Arc<RecoveryConfig> {
        self.live_recovery.get()
    }

    /// The recovery settings as read at start (what is fixed for the process's life:
    /// `CandidateInstanceExpireMinutes`, `AuditPurgeDays`).
    pub fn recovery_at_start(&self) -> &RecoveryConfig {
        &self.recovery
    }

    /// `RaftEnabled`.
    pub fn raft_enabled(&self) -> bool {
        self.raft_enabled
    }

    /// This node's stable raft id.
    pub fn node_id(&self) -> u64 {
        self.raft.advertise.node_id()
    }

    /// This node's HTTP base URI: `HTTPAdvertise`, else `http://<RaftAdvertise host>:<ListenAddress port>`.
    pub fn http_uri(&self) -> String {
        match &self.http.advertise {
            Some(uri) => uri.clone(),
            None => {
                let host = self.raft.advertise.host();
                let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
                let scheme = if self.security.http_tls.is_some() { "https" } else { "http" };
                format!("{scheme}://{}:{}", host, self.http.listen_address.port())
            }
        }
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::invalid("config file", format!("cannot read {}: {e}", path.display()))
        })?;
        let mut config = Self::parse(&text)?;
        config.origin.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and validates config text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::invalid("config file", format!("not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(ConfigError::invalid("config file", "top level must be a JSON object"));
        };
        if let Some((key, reason)) = key_status::first_refusal(&map) {
            return Err(ConfigError::invalid(
                &key,
                format!(
                    "is set but not honoured by orchestrator-rs ({reason}); remove it or set it to \
                     its default (`orchestrator --config FILE check-config` lists every key)"
                ),
            ));
        }
        let raw = Value::Object(map.clone());
        let mut config = Self::from_reader(KeyReader::new(map))?;
        config.origin.raw = reload::RawKeys(raw);
        Ok(config)
    }

    /// Runs the readers on `r` (the key-status table is checked against what they ask for).
    #[cfg(test)]
    pub(crate) fn from_reader_for_test(r: &mut KeyReader) -> Result<Self, ConfigError> {
        Self::read_all(r)
    }

    fn from_reader(mut r: KeyReader) -> Result<Self, ConfigError> {
        Self::read_all(&mut r)
    }

    fn read_all(r: &mut KeyReader) -> Result<Self, ConfigError> {
        let raft_enabled = r.bool("RaftEnabled", false)?;
        let default_port = r.uint("DefaultRaftPort", 10008, 65535)? as u16;
        if default_port == 0 {
            return Err(ConfigError::invalid("DefaultRaftPort", "must be between 1 and 65535"));
        }
        let data_dir = r.string("RaftDataDir", "")?;
        let bind_text = r.string("RaftBind", "")?;
        let advertise_text = r.string("RaftAdvertise", "")?;
        let nodes_text = r.strings("RaftNodes")?;
        let http_advertise = r.string("HTTPAdvertise", "")?;
        let listen_text = r.string("ListenAddress", ":3000")?;
        let backend = read_backend(r)?;
        let heartbeat_ms = r.uint("RaftHeartbeatMillis", 100, 60_000)?;
        let election_ms = r.uint("RaftElectionTimeoutMillis", 300, 600_000)?;
        let snapshot_threshold = r.uint("RaftSnapshotThreshold", 10_000, u64::MAX)?;
        let logs_to_keep = r.uint("RaftLogsToKeep", 1_000, u64::MAX)?;
        let yield_s = r.uint("BackendHealthYieldSeconds", 5, 86_400)?;
        let exit_s = r.uint("BackendHealthExitSeconds", 30, 86_400)?;
        let leptos_file = r.string("LeptosConfigFile", "")?;
        let status_endpoint = r.string("StatusEndpoint", "/api/status")?;
        let url_prefix = url_prefix::read(&r.string("URLPrefix", "")?)?;
        let discovery = discovery::read(r)?;
        let recovery = recovery::read(r, discovery.instance_poll)?;
        let analysis = analysis::read(r, discovery.instance_poll.as_secs())?;
        let kv = kv::read(r)?;
        let security = security::read(r)?;

        if raft_enabled && data_dir.is_empty() {
            return Err(ConfigError::missing("RaftDataDir"));
        }
        if raft_enabled && bind_text.is_empty() {
            return Err(ConfigError::missing("RaftBind"));
        }
        let bind_text =
            if bind_text.is_empty() { "127.0.0.1:10008".to_string() } else { bind_text };
        let raft_bind = RaftAddr::parse("RaftBind", &bind_text, default_port)?;
        let (advertise_key, raft_advertise) = if advertise_text.is_empty() {
            ("RaftBind", raft_bind.clone())
        } else {
            ("RaftAdvertise", RaftAddr::parse("RaftAdvertise", &advertise_text, default_port)?)
        };
        let mut raft_nodes = Vec::new();
        for text in &nodes_text {
            let addr = RaftAddr::parse("RaftNodes", text, default_port)?;
            if raft_nodes.contains(&addr) {
                return Err(ConfigError::invalid("RaftNodes", format!("{addr} is listed twice")));
            }
            raft_nodes.push(addr);
        }
        if raft_nodes.is_empty() {
            raft_nodes.push(raft_advertise.clone());
        }
        if raft_enabled && !raft_nodes.contains(&raft_advertise) {
            return Err(ConfigError::invalid(
                advertise_key,
                format!(
                    "{raft_advertise} is not in RaftNodes [{}]",
                    raft_nodes.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let mut ids: Vec<u64> = raft_nodes.iter().map(RaftAddr::node_id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != raft_nodes.len() {
            return Err(ConfigError::invalid(
                "RaftNodes",
                "two entries hash to the same node id; rename one",
            ));
        }
        security.validate_cluster(raft_nodes.len())?;
        if heartbeat_ms == 0 || election_ms < heartbeat_ms * 3 {
            return Err(ConfigError::invalid(
                "RaftElectionTimeoutMillis",
                format!("must be at least 3 × RaftHeartbeatMillis ({heartbeat_ms} ms), got {election_ms}"),
            ));
        }
        if exit_s < yield_s {
            return Err(ConfigError::invalid(
                "BackendHealthExitSeconds",
                "must not be below BackendHealthYieldSeconds",
            ));
        }
        let http_advertise = match http_advertise.trim() {
            "" => None,
            uri => Some(validate_http_advertise(uri)?),
        };
        Ok(NodeConfig {
            raft_enabled,
            raft: RaftSettings {
                data_dir: PathBuf::from(data_dir),
                bind: raft_bind,
                advertise: raft_advertise,
                nodes: raft_nodes,
                heartbeat: Duration::from_millis(heartbeat_ms),
                election_timeout: Duration::from_millis(election_ms),
                snapshot_threshold: snapshot_threshold.max(1),
                logs_to_keep,
                default_port,
            },
            http: HttpSettings {
                listen_address: parse_listen_address(&listen_text)?,
                advertise: http_advertise,
                leptos_config_file: if leptos_file.is_empty() {
                    None
                } else {
                    Some(PathBuf::from(leptos_file))
                },
                status_endpoint: validate_status_endpoint(&status_endpoint)?,
                url_prefix,
            },
            backend: BackendSettings {
                db: backend,
                yield_after: Duration::from_secs(yield_s),
                exit_after: Duration::from_secs(exit_s),
            },
            kv,
            live_recovery: live::LiveRecovery::new(recovery.clone()),
            origin: ConfigOrigin { unknown_keys: r.leftover_keys(), ..ConfigOrigin::default() },
            discovery,
            recovery,
            analysis,
            security,
        })
    }
}

fn read_backend(r: &mut KeyReader) -> Result<BackendConfig, ConfigError> {
    let kind = r.string("BackendDB", "sqlite")?;
    let sqlite_file = r.string("SQLite3DataFile", "")?;
    let host = r.string("MySQLOrchestratorHost", "127.0.0.1")?;
    let port = r.uint("MySQLOrchestratorPort", 3306, 65535)? as u16;
    let database = r.string("MySQLOrchestratorDatabase", "orchestrator")?;
    let user = r.string("MySQLOrchestratorUser", "")?;
    let password = r.string("MySQLOrchestratorPassword", "")?;
    match kind.as_str() {
        "sqlite" | "sqlite3" => {
            if sqlite_file.is_empty() {
                return Err(ConfigError::invalid(
                    "SQLite3DataFile",
                    "is required when BackendDB is \"sqlite\"",
                ));
            }
            Ok(BackendConfig::Sqlite { path: PathBuf::from(sqlite_file) })
        }
        "mysql" => {
            if user.is_empty() {
                return Err(ConfigError::invalid(
                    "MySQLOrchestratorUser",
                    "is required when BackendDB is \"mysql\"",
                ));
            }
            if database.is_empty()
                || !database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(ConfigError::invalid(
                    "MySQLOrchestratorDatabase",
                    "must be a plain name ([A-Za-z0-9_])",
                ));
            }
            if port == 0 {
                return Err(ConfigError::invalid(
                    "MySQLOrchestratorPort",
                    "must be between 1 and 65535",
                ));
            }
            Ok(BackendConfig::MySql { host, port, database, user, password })
        }
        other => Err(ConfigError::invalid(
            "BackendDB",
            format!("expected \"sqlite\" or \"mysql\", got {other:?}"),
        )),
    }
}

/// `:3000` → `0.0.0.0:3000`; `host:port` as given (IP literals only: we bind, not resolve).
fn parse_listen_address(text: &str) -> Result<SocketAddr, ConfigError> {
    let text = text.trim();
    let full = if text.starts_with(':') { format!("0.0.0.0{text}") } else { text.to_string() };
    full.parse::<SocketAddr>().map_err(|_| {
        ConfigError::invalid("ListenAddress", format!("{text:?} is not \":port\" or \"ip:port\""))
    })
}

/// `StatusEndpoint`: an absolute path under `/api/` (the dashboard owns every other path).
fn validate_status_endpoint(path: &str) -> Result<String, ConfigError> {
    let path = path.trim();
    if path.is_empty() {
        return Ok("/api/status".to_string());
    }
    let valid = path.starts_with("/api/")
        && path.len() > "/api/".len()
        && !path.contains('~')
        && url_prefix::is_plain_path(path);
    if !valid {
        return Err(ConfigError::invalid(
            "StatusEndpoint",
            format!("{path:?} must be a plain path under /api/ (e.g. /api/status)"),
        ));
    }
    Ok(path.to_string())
}

fn validate_http_advertise(uri: &str) -> Result<String, ConfigError> {
    let rest =
        uri.strip_prefix("http://").or_else(|| uri.strip_prefix("https://")).ok_or_else(|| {
            ConfigError::invalid(
                "HTTPAdvertise",
                format!("{uri:?} must start with http:// or https://"),
            )
        })?;
    if rest.is_empty() || rest.contains('/') {
        return Err(ConfigError::invalid(
            "HTTPAdvertise",
            format!("{uri:?} must be scheme://host:port with no path"),
        ));
    }
    Ok(uri.to_string())
}

#[cfg(test)]
mod tests;
