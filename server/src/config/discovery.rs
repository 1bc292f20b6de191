//! Discovery settings: orchestrator's topology credentials, probe timeouts, poll cadence, seeds
//! and the hostname patterns / detection queries, read from the JSON config with its key names
//! and defaults.
//!
//! `MySQLTopologyCredentialsConfigFile` is read here, at config load, as orchestrator does: an
//! INI file whose `[client]` section has `user=` and `password=`, which replace
//! `MySQLTopologyUser` / `MySQLTopologyPassword`. Regexes are compiled here so that a typo fails
//! the start naming its key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::core::host_filter::HostnameFilters;
use app::core::InstanceKey;
use regex::Regex;
use serde_json::Value;

use super::reader::KeyReader;
use super::resolve::ResolveConfig;
use super::topology_tls::{self, TopologyTls};
use super::ConfigError;

/// Port assumed for a `DiscoverySeeds` entry that has none.
pub const DEFAULT_MYSQL_PORT: u16 = 3306;

/// Everything the prober needs from the config.
#[derive(Clone)]
pub struct DiscoveryConfig {
    /// `MySQLTopologyUser` (or `user` from the credentials file).
    pub user: String,
    /// `MySQLTopologyPassword` (or `password` from the credentials file). Never printed.
    pub password: String,
    /// `MySQLTopologyCredentialsConfigFile`, when set (already applied to `user`/`password`).
    pub credentials_file: Option<PathBuf>,
    /// `MySQLConnectTimeoutSeconds` (2): TCP connect plus the MySQL handshake.
    pub connect_timeout: Duration,
    /// `MySQLDiscoveryReadTimeoutSeconds` (10): every query of one probe together.
    pub read_timeout: Duration,
    /// `InstancePollSeconds` (5): how often every known instance is probed.
    pub instance_poll: Duration,
    /// `DiscoveryMaxConcurrency` (300): probes running at once.
    pub max_concurrency: usize,
    /// `DiscoverySeeds`: instances queued at start.
    pub seeds: Vec<InstanceKey>,
    /// `ProbeSharing` (false): the healthy nodes share the probing (masters by every node, each
    /// replica by one) and send each other what they saw (`probe_share`).
    pub probe_sharing: bool,
    /// `DataCenterPattern`: first capture group of this regex on the hostname.
    pub data_center_pattern: Option<Regex>,
    /// `RegionPattern`.
    pub region_pattern: Option<Regex>,
    /// `PhysicalEnvironmentPattern`.
    pub physical_environment_pattern: Option<Regex>,
    /// `DetectDataCenterQuery`: run on the instance; wins over the pattern.
    pub detect_data_center_query: String,
    /// `DetectRegionQuery`.
    pub detect_region_query: String,
    /// `DetectPhysicalEnvironmentQuery`.
    pub detect_physical_environment_query: String,
    /// `DetectClusterAliasQuery`: run on the instance; its value becomes the suggested alias.
    pub detect_cluster_alias_query: String,
    /// `DetectInstanceAliasQuery`.
    pub detect_instance_alias_query: String,
    /// `ClusterNameToAlias`: regex on the cluster name → alias, tried in key order (orchestrator
    /// iterates a Go map, i.e. in no defined order; sorting makes it deterministic).
    pub cluster_name_to_alias: Vec<(Regex, String)>,
    /// `UnseenInstanceForgetHours` (240): instances not seen for this long are forgotten.
    pub unseen_instance_forget: Duration,
    /// TLS to topology servers (`MySQLTopologyUseMutualTLS`, `MySQLTopologySSL*`); `None`: plain.
    pub tls: Option<TopologyTls>,
    /// `DefaultInstancePort` (3306): port of a seed or cluster hint given without one.
    pub default_port: u16,
    /// `ReplicationLagQuery` (or its synonym `SlaveLagQuery`): run on every replica; its single
    /// numeric value replaces `Seconds_Behind_Master` as the replication lag.
    pub replication_lag_query: String,
    /// `DetectPromotionRuleQuery`: run on every instance; a valid rule becomes its promotion
    /// rule (an active `register-candidate` wins over it).
    pub detect_promotion_rule_query: String,
    /// `DetectSemiSyncEnforcedQuery`: run on every instance; its number is the replica's
    /// semi-sync priority (0 = always asynchronous) for the semi-sync recoveries.
    pub detect_semi_sync_enforced_query: String,
    /// Discovery ignore filters (`DiscoveryIgnore*HostnameFilters`).
    pub ignore: DiscoveryIgnore,
    /// `UseSuperReadOnly` (false): on MySQL, setting `read_only` also sets `super_read_only`
    /// (MariaDB has no such variable: only `read_only` is set there).
    pub use_super_read_only: bool,
    /// Hostname resolution (`HostnameResolveMethod`, `MySQLHostnameResolveMethod`, ...).
    pub resolve: ResolveConfig,
    /// `DiscoveryCollectionRetentionSeconds` (120): how long the discovery, backend-query and
    /// write-buffer metrics are kept in memory (`/api/*-metrics-*`).
    pub metrics_retention: Duration,
    /// `DiscoveryQueueMaxStatisticsSize` (120): per-second discovery queue samples kept.
    pub queue_statistics: usize,
}

/// orchestrator's `DiscoveryIgnoreHostnameFilters`, `DiscoveryIgnoreReplicaHostnameFilters` and
/// `DiscoveryIgnoreMasterHostnameFilters`.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryIgnore {
    /// Never probed, whoever leads to them.
    pub any: HostnameFilters,
    /// Not crawled to as the replica of a probed instance.
    pub replicas: HostnameFilters,
    /// Not crawled to as the master of a probed instance.
    pub masters: HostnameFilters,
}

impl DiscoveryIgnore {
    /// Whether `key` may be queued at all.
    pub fn allows(&self, key: &InstanceKey) -> bool {
        !self.any.matches(key)
    }

    /// Whether a probed instance's replica `key` is crawled to.
    pub fn allows_replica(&self, key: &InstanceKey) -> bool {
        self.allows(key) && !self.replicas.matches(key)
    }

    /// Whether a probed instance's master `key` is crawled to.
    pub fn allows_master(&self, key: &InstanceKey) -> bool {
        self.allows(key) && !self.masters.matches(key)
    }
}

impl Default for DiscoveryConfig {
    /// orchestrator's defaults, no credentials, no seeds.
    fn default() -> Self {
        DiscoveryConfig {
            user: String::new(),
            password: String::new(),
            credentials_file: None,
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(10),
            instance_poll: Duration::from_secs(5),
            max_concurrency: 300,
            seeds: Vec::new(),
            probe_sharing: false,
            data_center_pattern: None,
            region_pattern: None,
            physical_environment_pattern: None,
            detect_data_center_query: String::new(),
            detect_region_query: String::new(),
            detect_physical_environment_query: String::new(),
            detect_cluster_alias_query: String::new(),
            detect_instance_alias_query: String::new(),
            cluster_name_to_alias: Vec::new(),
            unseen_instance_forget: Duration::from_secs(240 * 3600),
            tls: None,
            default_port: DEFAULT_MYSQL_PORT,
            replication_lag_query: String::new(),
            detect_promotion_rule_query: String::new(),
            detect_semi_sync_enforced_query: String::new(),
            ignore: DiscoveryIgnore::default(),
            use_super_read_only: false,
            resolve: ResolveConfig::default(),
            metrics_retention: Duration::from_secs(120),
            queue_statistics: 120,
        }
    }
}

impl fmt::Debug for DiscoveryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveryConfig")
            .field("user", &self.user)
            .field("password", &if self.password.is_empty() { "" } else { "<redacted>" })
            .field("credentials_file", &self.credentials_file)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("instance_poll", &self.instance_poll)
            .field("max_concurrency", &self.max_concurrency)
            .field("seeds", &self.seeds)
            .field("cluster_name_to_alias", &self.cluster_name_to_alias)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl DiscoveryConfig {
    /// `ClusterNameToAlias` applied to a cluster name: the alias of the first matching regex.
    pub fn mapped_cluster_alias(&self, cluster_name: &str) -> Option<&str> {
        self.cluster_name_to_alias
            .iter()
            .find(|(re, _)| re.is_match(cluster_name))
            .map(|(_, alias)| alias.as_str())
    }
}

/// Reads the discovery keys (consuming them from `r`).
pub(super) fn read(r: &mut KeyReader) -> Result<DiscoveryConfig, ConfigError> {
    let mut user = r.string("MySQLTopologyUser", "")?;
    let mut password = r.string("MySQLTopologyPassword", "")?;
    let credentials = r.string("MySQLTopologyCredentialsConfigFile", "")?;
    let connect_s = r.uint("MySQLConnectTimeoutSeconds", 2, 3600)?;
    let read_s = r.uint("MySQLDiscoveryReadTimeoutSeconds", 10, 3600)?;
    let poll_s = r.uint("InstancePollSeconds", 5, 86_400)?;
    let concurrency = r.uint("DiscoveryMaxConcurrency", 300, 100_000)?;
    let seed_texts = r.strings("DiscoverySeeds")?;
    let probe_sharing = r.bool("ProbeSharing", false)?;
    let data_center_pattern = pattern(r, "DataCenterPattern")?;
    let region_pattern = pattern(r, "RegionPattern")?;
    let physical_environment_pattern = pattern(r, "PhysicalEnvironmentPattern")?;
    let detect_data_center_query = r.string("DetectDataCenterQuery", "")?;
    let detect_region_query = r.string("DetectRegionQuery", "")?;
    let detect_physical_environment_query = r.string("DetectPhysicalEnvironmentQuery", "")?;
    let detect_cluster_alias_query = r.string("DetectClusterAliasQuery", "")?;
    let detect_instance_alias_query = r.string("DetectInstanceAliasQuery", "")?;
    let aliases = r.object("ClusterNameToAlias")?;
    let forget_hours = r.uint("UnseenInstanceForgetHours", 240, 1_000_000)?;
    let tls = topology_tls::read(r, Duration::from_secs(poll_s.max(1)))?;
    let default_port = r.uint("DefaultInstancePort", u64::from(DEFAULT_MYSQL_PORT), 65535)? as u16;
    if default_port == 0 {
        return Err(ConfigError::invalid("DefaultInstancePort", "must be between 1 and 65535"));
    }
    let lag_query = r.string("ReplicationLagQuery", "")?;
    let slave_lag_query = r.string("SlaveLagQuery", "")?;
    let replication_lag_query = if lag_query.is_empty() { slave_lag_query } else { lag_query };
    let detect_promotion_rule_query = r.string("DetectPromotionRuleQuery", "")?;
    let detect_semi_sync_enforced_query = r.string("DetectSemiSyncEnforcedQuery", "")?;
    let use_super_read_only = r.bool("UseSuperReadOnly", false)?;
    let resolve = super::resolve::read(r)?;
    let retention_s = r.uint("DiscoveryCollectionRetentionSeconds", 120, 86_400)?;
    let queue_statistics = r.uint("DiscoveryQueueMaxStatisticsSize", 120, 86_400)? as usize;
    let ignore = DiscoveryIgnore {
        any: super::analysis::filters(r, "DiscoveryIgnoreHostnameFilters")?,
        replicas: super::analysis::filters(r, "DiscoveryIgnoreReplicaHostnameFilters")?,
        masters: super::analysis::filters(r, "DiscoveryIgnoreMasterHostnameFilters")?,
    };

    for (key, value) in
        [("MySQLConnectTimeoutSeconds", connect_s), ("MySQLDiscoveryReadTimeoutSeconds", read_s)]
    {
        if value == 0 {
            return Err(ConfigError::invalid(key, "must be at least 1"));
        }
    }
    if poll_s == 0 {
        return Err(ConfigError::invalid("InstancePollSeconds", "must be at least 1"));
    }
    if concurrency == 0 {
        return Err(ConfigError::invalid("DiscoveryMaxConcurrency", "must be at least 1"));
    }
    let credentials_file = if credentials.is_empty() {
        None
    } else {
        let path = PathBuf::from(credentials);
        (user, password) = read_credentials_file(&path)?;
        Some(path)
    };
    let mut seeds = Vec::with_capacity(seed_texts.len());
    for text in &seed_texts {
        let key = InstanceKey::parse_joined(text.trim(), default_port)
            .map_err(|e| ConfigError::invalid("DiscoverySeeds", format!("{text:?}: {e}")))?;
        if !seeds.contains(&key) {
            seeds.push(key);
        }
    }
    let mut cluster_name_to_alias = Vec::with_capacity(aliases.len());
    for (name, alias) in aliases {
        let Value::String(alias) = alias else {
            return Err(ConfigError::invalid(
                "ClusterNameToAlias",
                format!("alias of {name:?} must be a string"),
            ));
        };
        if name.is_empty() {
            continue; // orchestrator skips an empty pattern
        }
        let re = Regex::new(&name).map_err(|e| {
            ConfigError::invalid(
                "ClusterNameToAlias",
                format!("{name:?} is not a valid regex: {e}"),
            )
        })?;
        cluster_name_to_alias.push((re, alias));
    }
    Ok(DiscoveryConfig {
        user,
        password,
        credentials_file,
        connect_timeout: Duration::from_secs(connect_s),
        read_timeout: Duration::from_secs(read_s),
        instance_poll: Duration::from_secs(poll_s),
        max_concurrency: concurrency as usize,
        seeds,
        probe_sharing,
        data_center_pattern,
        region_pattern,
        physical_environment_pattern,
        detect_data_center_query,
        detect_region_query,
        detect_physical_environment_query,
        detect_cluster_alias_query,
        detect_instance_alias_query,
        cluster_name_to_alias,
        unseen_instance_forget: Duration::from_secs(forget_hours * 3600),
        tls,
        default_port,
        replication_lag_query,
        detect_promotion_rule_query,
        detect_semi_sync_enforced_query,
        ignore,
        use_super_read_only,
        resolve,
        metrics_retention: Duration::from_secs(retention_s),
        queue_statistics,
    })
}

/// An optional regex key.
fn pattern(r: &mut KeyReader, key: &str) -> Result<Option<Regex>, ConfigError> {
    let text = r.string(key, "")?;
    if text.is_empty() {
        return Ok(None);
    }
    Regex::new(&text)
        .map(Some)
        .map_err(|e| ConfigError::invalid(key, format!("not a valid regex: {e}")))
}

/// Reads `user` and `password` from the `[client]` section of a MySQL-style INI file.
fn read_credentials_file(path: &Path) -> Result<(String, String), ConfigError> {
    const KEY: &str = "MySQLTopologyCredentialsConfigFile";
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::invalid(KEY, format!("cannot read {}: {e}", path.display())))?;
    let section = parse_ini_section(&text, "client");
    let user = section.get("user").cloned().unwrap_or_default();
    let password = section.get("password").cloned().unwrap_or_default();
    if user.is_empty() {
        return Err(ConfigError::invalid(
            KEY,
            format!("{} has no user= in its [client] section", path.display()),
        ));
    }
    Ok((user, password))
}

/// `key = value` pairs of one `[section]` (case-insensitive names; `#`/`;` comment lines;
/// values may be double-quoted, as in orchestrator's gcfg reader).
pub(super) fn parse_ini_section(text: &str, wanted: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim().eq_ignore_ascii_case(wanted);
            continue;
        }
        if !inside {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            out.insert(key.trim().to_ascii_lowercase(), value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;

    fn parse(extra: &str) -> Result<DiscoveryConfig, ConfigError> {
        let json = format!(r#"{{"BackendDB": "sqlite", "SQLite3DataFile": "/tmp/x.db" {extra}}}"#);
        NodeConfig::parse(&json).map(|c| c.discovery)
    }

    #[test]
    fn defaults_are_orchestrators() {
        let d = parse("").expect("parse");
        assert_eq!(d.connect_timeout, Duration::from_secs(2));
        assert_eq!(d.read_timeout, Duration::from_secs(10));
        assert_eq!(d.instance_poll, Duration::from_secs(5));
        assert_eq!(d.max_concurrency, 300);
        assert_eq!(d.unseen_instance_forget, Duration::from_secs(240 * 3600));
        assert!(d.seeds.is_empty() && d.user.is_empty() && d.cluster_name_to_alias.is_empty());
    }

    #[test]
    fn reads_every_key() {
        let d = parse(
            r#", "MySQLTopologyUser": "orc", "MySQLTopologyPassword": "secret",
               "MySQLConnectTimeoutSeconds": 1, "MySQLDiscoveryReadTimeoutSeconds": 3,
               "InstancePollSeconds": 1, "DiscoveryMaxConcurrency": 7,
               "DiscoverySeeds": ["db1:3307", "db2", "db1:3307"],
               "DataCenterPattern": "[.]([a-z]+)[.]example", "PhysicalEnvironmentPattern": "^(prod|dev)-",
               "DetectClusterAliasQuery": "select 'x'", "DetectDataCenterQuery": "select 'dc'",
               "ClusterNameToAlias": {"^db1:": "main", "": "ignored"}, "UnseenInstanceForgetHours": 2"#,
        )
        .expect("parse");
        assert_eq!((d.user.as_str(), d.password.as_str()), ("orc", "secret"));
        assert_eq!(
            (d.connect_timeout.as_secs(), d.read_timeout.as_secs(), d.instance_poll.as_secs()),
            (1, 3, 1)
        );
        assert_eq!(d.max_concurrency, 7);
        let seeds: Vec<String> = d.seeds.iter().map(ToString::to_string).collect();
        assert_eq!(seeds, ["db1:3307", "db2:3306"]);
        let dc = d.data_center_pattern.as_ref().and_then(|re| re.captures("h1.ams.example.com"));
        assert_eq!(dc.and_then(|c| c.get(1)).map(|m| m.as_str()), Some("ams"));
        assert!(d.physical_environment_pattern.is_some());
        assert_eq!(d.detect_cluster_alias_query, "select 'x'");
        assert_eq!(d.detect_data_center_query, "select 'dc'");
        assert_eq!(d.mapped_cluster_alias("db1:3307"), Some("main"));
        assert_eq!(d.mapped_cluster_alias("db2:3306"), None);
        assert_eq!(d.unseen_instance_forget, Duration::from_secs(7200));
        assert!(!format!("{d:?}").contains("secret"), "password must not be printed");
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            (r#", "InstancePollSeconds": 0"#, "InstancePollSeconds"),
            (r#", "MySQLConnectTimeoutSeconds": 0"#, "MySQLConnectTimeoutSeconds"),
            (r#", "DiscoveryMaxConcurrency": 0"#, "DiscoveryMaxConcurrency"),
            (r#", "DiscoverySeeds": ["bad host"]"#, "DiscoverySeeds"),
            (r#", "DiscoverySeeds": "db1""#, "DiscoverySeeds"),
            (r#", "DataCenterPattern": "(""#, "DataCenterPattern"),
            (r#", "ClusterNameToAlias": {"(": "x"}"#, "ClusterNameToAlias"),
            (r#", "ClusterNameToAlias": {"a": 1}"#, "ClusterNameToAlias"),
            (r#", "ClusterNameToAlias": ["a"]"#, "ClusterNameToAlias"),
            (
                r#", "MySQLTopologyCredentialsConfigFile": "/nonexistent/orc.cnf""#,
                "MySQLTopologyCredentialsConfigFile",
            ),
        ];
        for (extra, key) in cases {
            let err = parse(extra).err().map(|e| e.key);
            assert_eq!(err.as_deref(), Some(key), "{extra}");
        }
    }

    #[test]
    fn credentials_file_replaces_user_and_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("orc-topology.cnf");
        std::fs::write(
            &path,
            "# topology\n[mysqld]\nuser=nope\n[client]\nuser = orc\npassword = \"p w\"\n; end\n",
        )
        .expect("write");
        let extra = format!(
            r#", "MySQLTopologyUser": "old", "MySQLTopologyCredentialsConfigFile": "{}""#,
            path.display()
        );
        let d = parse(&extra).expect("parse");
        assert_eq!((d.user.as_str(), d.password.as_str()), ("orc", "p w"));
        assert_eq!(d.credentials_file.as_deref(), Some(path.as_path()));
        std::fs::write(&path, "[client]\npassword=x\n").expect("write");
        assert_eq!(
            parse(&extra).err().map(|e| e.key).as_deref(),
            Some("MySQLTopologyCredentialsConfigFile")
        );
    }

    #[test]
    fn ini_sections_are_case_insensitive() {
        let s = parse_ini_section("[CLIENT]\nUser=a\n[other]\nuser=b\n", "client");
        assert_eq!(s.get("user").map(String::as_str), Some("a"));
    }
}
