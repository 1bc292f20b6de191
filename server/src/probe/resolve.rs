//! Hostname resolution for instance keys, as orchestrator does it: a key's hostname goes
//! through a cache, then `HostnameResolveMethod` (`cname`, `ip`); a probed server may rename
//! itself (`MySQLHostnameResolveMethod`: `@@hostname`, `@@report_host`), which the cache
//! then remembers, so that replicas naming their master by another name find it.
//!
//! The cache is this node's own (orchestrator keeps it per node too); entries live
//! `ExpiryHostnameResolvesMinutes`, a failed lookup one minute. A resolution matching
//! `RejectHostnameResolvePattern` is not used.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use app::core::InstanceKey;

use crate::config::resolve::{HostnameResolve, ResolveConfig, ServerNameSource};

/// How long a failed lookup is remembered (orchestrator's one minute).
const FAILED_LOOKUP_TTL: Duration = Duration::from_secs(60);

struct Entry {
    resolved: String,
    until: Instant,
}

/// This node's hostname resolutions.
pub struct Resolver {
    config: ResolveConfig,
    cache: Mutex<HashMap<String, Entry>>,
}

/// A server without the name `MySQLHostnameResolveMethod` asks for.
#[derive(Debug, thiserror::Error)]
#[error("MySQLHostnameResolveMethod is @@report_host but the server has no report_host")]
pub struct NoReportHost;

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(config: ResolveConfig) -> Self {
        Resolver { config, cache: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, host: &str) -> Option<String> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(host).filter(|e| e.until > Instant::now()).map(|e| e.resolved.clone())
    }

    fn remember(&self, host: &str, resolved: &str, ttl: Duration) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = Entry { resolved: resolved.to_string(), until: Instant::now() + ttl };
        cache.insert(host.to_string(), entry);
    }

    fn rejected(&self, resolved: &str) -> bool {
        self.config.reject.as_ref().is_some_and(|re| re.is_match(resolved))
    }

    /// The hostname `host` resolves to: the cache, else `HostnameResolveMethod`.
    pub async fn resolve(&self, host: &str) -> String {
        if self.config.is_identity() || host.is_empty() {
            return host.to_string();
        }
        if let Some(resolved) = self.cached(host) {
            return resolved;
        }
        let method = self.config.hostname;
        let owned = host.to_string();
        let looked_up = match method {
            HostnameResolve::AsGiven => Ok(owned),
            HostnameResolve::Cname | HostnameResolve::Ip => {
                tokio::task::spawn_blocking(move || lookup(method, &owned))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()))
            }
        };
        match looked_up {
            Ok(resolved) if !self.rejected(&resolved) => {
                self.remember(host, &resolved, self.config.expiry);
                resolved
            }
            Ok(resolved) => {
                tracing::debug!(%host, %resolved, "resolution rejected by RejectHostnameResolvePattern");
                host.to_string()
            }
            Err(error) => {
                tracing::debug!(%host, %error, "hostname not resolved; used as given");
                self.remember(host, host, FAILED_LOOKUP_TTL);
                host.to_string()
            }
        }
    }

    /// `key` with its hostname resolved.
    pub async fn resolve_key(&self, key: &InstanceKey) -> InstanceKey {
        let hostname = self.resolve(&key.hostname).await;
        if hostname == key.hostname {
            return key.clone();
        }
        InstanceKey::new(&hostname, key.port).unwrap_or_else(|_| key.clone())
    }

    /// `key` with its hostname as cached, without a lookup (for the discovery queue).
    pub fn cached_key(&self, key: &InstanceKey) -> InstanceKey {
        match self.cached(&key.hostname).filter(|h| *h != key.hostname) {
            Some(hostname) => InstanceKey::new(&hostname, key.port).unwrap_or_else(|_| key.clone()),
            None => key.clone(),
        }
    }

    /// The key a probed server goes by under `MySQLHostnameResolveMethod`, given what it says
    /// its `@@hostname` and `@@report_host` are; a rename is remembered for `key`'s hostname.
    pub fn server_key(
        &self,
        key: &InstanceKey,
        hostname: &str,
        report_host: &str,
    ) -> Result<InstanceKey, NoReportHost> {
        let name = server_name(self.config.server_name, hostname, report_host)?;
        match name {
            Some(name) if name != key.hostname && !self.rejected(name) => {
                match InstanceKey::new(name, key.port) {
                    Ok(renamed) => {
                        self.remember(&key.hostname, name, self.config.expiry);
                        Ok(renamed)
                    }
                    Err(_) => Ok(key.clone()),
                }
            }
            _ => Ok(key.clone()),
        }
    }
}

/// The name a server goes by: `None` keeps the key's hostname.
pub fn server_name<'a>(
    source: ServerNameSource,
    hostname: &'a str,
    report_host: &'a str,
) -> Result<Option<&'a str>, NoReportHost> {
    match source {
        ServerNameSource::AsGiven => Ok(None),
        ServerNameSource::Hostname => Ok(Some(hostname.trim()).filter(|h| !h.is_empty())),
        ServerNameSource::ReportHost => match report_host.trim() {
            "" => Err(NoReportHost),
            name => Ok(Some(name)),
        },
    }
}

/// A system-resolver lookup (blocking).
fn lookup(method: HostnameResolve, host: &str) -> Result<String, String> {
    match method {
        HostnameResolve::AsGiven => Ok(host.to_string()),
        HostnameResolve::Cname => {
            let hints = dns_lookup::AddrInfoHints {
                flags: libc::AI_CANONNAME,
                socktype: libc::SOCK_STREAM,
                ..Default::default()
            };
            let mut found = dns_lookup::getaddrinfo(Some(host), None, Some(hints))
                .map_err(|e| format!("{e:?}"))?;
            let canonical = found
                .find_map(|ai| ai.ok().and_then(|ai| ai.canonname))
                .ok_or_else(|| format!("no canonical name for {host}"))?;
            Ok(canonical.trim_end_matches('.').to_string())
        }
        HostnameResolve::Ip => {
            let addresses: Vec<IpAddr> =
                dns_lookup::lookup_host(host).map_err(|e| e.to_string())?.collect();
            addresses
                .iter()
                .find(|a| a.is_ipv4())
                .or_else(|| addresses.first())
                .map(IpAddr::to_string)
                .ok_or_else(|| format!("{host} has no address"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(server_name: ServerNameSource, hostname: HostnameResolve) -> Resolver {
        Resolver::new(ResolveConfig { server_name, hostname, ..ResolveConfig::default() })
    }

    fn key(host: &str) -> InstanceKey {
        InstanceKey::new(host, 3306).expect("key")
    }

    #[test]
    fn server_name_follows_the_method() {
        use ServerNameSource::*;
        assert_eq!(server_name(AsGiven, "db1", "r1").ok(), Some(None));
        assert_eq!(server_name(Hostname, "db1", "r1").ok(), Some(Some("db1")));
        assert_eq!(server_name(Hostname, " ", "r1").ok(), Some(None));
        assert_eq!(server_name(ReportHost, "db1", "r1").ok(), Some(Some("r1")));
        assert!(server_name(ReportHost, "db1", "").is_err());
    }

    #[tokio::test]
    async fn a_renamed_server_is_found_by_its_old_name() {
        let r = resolver(ServerNameSource::Hostname, HostnameResolve::AsGiven);
        let renamed = r.server_key(&key("10.0.0.5"), "db1", "").expect("renamed");
        assert_eq!(renamed, key("db1"));
        assert_eq!(r.resolve_key(&key("10.0.0.5")).await, key("db1"));
        assert_eq!(r.cached_key(&key("10.0.0.5")), key("db1"));
        assert_eq!(r.cached_key(&key("10.0.0.6")), key("10.0.0.6"));
    }

    #[tokio::test]
    async fn reject_pattern_keeps_the_given_name() {
        let config = ResolveConfig {
            server_name: ServerNameSource::Hostname,
            reject: Some(regex::Regex::new("^localhost").expect("regex")),
            ..ResolveConfig::default()
        };
        let r = Resolver::new(config);
        assert_eq!(r.server_key(&key("10.0.0.5"), "localhost", "").expect("key"), key("10.0.0.5"));
        assert_eq!(r.resolve_key(&key("10.0.0.5")).await, key("10.0.0.5"));
    }

    #[tokio::test]
    async fn ip_method_resolves_through_the_system_resolver() {
        let r = resolver(ServerNameSource::AsGiven, HostnameResolve::Ip);
        assert_eq!(r.resolve("localhost").await, "127.0.0.1");
        assert_eq!(r.resolve("127.0.0.1").await, "127.0.0.1");
        let unknown = "no-such-host.invalid";
        assert_eq!(r.resolve(unknown).await, unknown, "a failed lookup keeps the name");
    }

    #[tokio::test]
    async fn cname_method_gives_the_canonical_name() {
        let r = resolver(ServerNameSource::AsGiven, HostnameResolve::Cname);
        // /etc/hosts names localhost canonically; an address is its own canonical name.
        assert_eq!(r.resolve("localhost").await, "localhost");
        assert_eq!(r.resolve("127.0.0.1").await, "127.0.0.1");
    }
}
