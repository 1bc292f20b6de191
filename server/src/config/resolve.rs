//! Hostname resolution settings: `HostnameResolveMethod`, `MySQLHostnameResolveMethod`,
//! `ExpiryHostnameResolvesMinutes` and `RejectHostnameResolvePattern`, with orchestrator's
//! values and meanings.

use std::time::Duration;

use regex::Regex;

use super::reader::KeyReader;
use super::ConfigError;

/// How a hostname is resolved before it becomes part of an instance key (`HostnameResolveMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostnameResolve {
    /// `none` or `default`: used as given.
    AsGiven,
    /// `cname`: the canonical name the system resolver gives.
    Cname,
    /// `ip`: the address it resolves to (IPv4 preferred).
    Ip,
}

/// What a probed server is renamed to (`MySQLHostnameResolveMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerNameSource {
    /// `none`: keys stay the addresses they were discovered by.
    AsGiven,
    /// `@@hostname` (also `default` and `hostname`): the server's own host name.
    Hostname,
    /// `@@report_host` (also `report_host`): the name the server reports; a server without one
    /// fails its probe, as in orchestrator.
    ReportHost,
}

/// The resolution settings.
#[derive(Debug, Clone)]
pub struct ResolveConfig {
    /// `HostnameResolveMethod` (`default`: as given).
    pub hostname: HostnameResolve,
    /// `MySQLHostnameResolveMethod` (`none` here when the key is absent; orchestrator's default
    /// is `@@hostname`, which its sample config sets explicitly).
    pub server_name: ServerNameSource,
    /// `ExpiryHostnameResolvesMinutes` (60, at least 1): how long a resolution is remembered.
    pub expiry: Duration,
    /// `RejectHostnameResolvePattern`: a resolution matching it is not used.
    pub reject: Option<Regex>,
    /// `SkipUnresolve` (orchestrator's `--skip-unresolve` flag, false): `CHANGE MASTER TO`
    /// names the master's hostname even when a virtual name is registered for it.
    pub skip_unresolve: bool,
    /// `SkipUnresolveCheck` (orchestrator's `--skip-unresolve-check` flag, false): a virtual name
    /// that does not resolve back to the hostname is ignored instead of failing the operation.
    pub skip_unresolve_check: bool,
}

impl Default for ResolveConfig {
    fn default() -> Self {
        ResolveConfig {
            hostname: HostnameResolve::AsGiven,
            server_name: ServerNameSource::AsGiven,
            expiry: Duration::from_secs(3600),
            reject: None,
            skip_unresolve: false,
            skip_unresolve_check: false,
        }
    }
}

impl ResolveConfig {
    /// Whether any resolution happens at all.
    pub fn is_identity(&self) -> bool {
        self.hostname == HostnameResolve::AsGiven && self.server_name == ServerNameSource::AsGiven
    }
}

/// Reads the resolution keys (consuming them from `r`).
pub(super) fn read(r: &mut KeyReader) -> Result<ResolveConfig, ConfigError> {
    let method = r.string("HostnameResolveMethod", "default")?;
    let hostname = match method.to_ascii_lowercase().as_str() {
        "" | "none" | "default" => HostnameResolve::AsGiven,
        "cname" => HostnameResolve::Cname,
        "ip" => HostnameResolve::Ip,
        other => {
            return Err(ConfigError::invalid(
                "HostnameResolveMethod",
                format!("{other:?} is not one of none, default, cname, ip"),
            ))
        }
    };
    let mysql = r.string("MySQLHostnameResolveMethod", "none")?;
    let server_name = match mysql.to_ascii_lowercase().as_str() {
        "" | "none" => ServerNameSource::AsGiven,
        "default" | "hostname" | "@@hostname" => ServerNameSource::Hostname,
        "report_host" | "@@report_host" => ServerNameSource::ReportHost,
        other => {
            return Err(ConfigError::invalid(
                "MySQLHostnameResolveMethod",
                format!("{other:?} is not one of none, @@hostname, @@report_host"),
            ))
        }
    };
    let minutes = r.uint("ExpiryHostnameResolvesMinutes", 60, 1_000_000)?.max(1);
    let reject_text = r.string("RejectHostnameResolvePattern", "")?;
    let reject = if reject_text.is_empty() {
        None
    } else {
        Some(Regex::new(&reject_text).map_err(|e| {
            ConfigError::invalid("RejectHostnameResolvePattern", format!("not a valid regex: {e}"))
        })?)
    };
    let skip_unresolve = r.bool("SkipUnresolve", false)?;
    let skip_unresolve_check = r.bool("SkipUnresolveCheck", false)?;
    Ok(ResolveConfig {
        hostname,
        server_name,
        expiry: Duration::from_secs(minutes * 60),
        reject,
        skip_unresolve,
        skip_unresolve_check,
    })
}
