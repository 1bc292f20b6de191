//! Key-value master discovery (orchestrator's `docs/kv.md`): the pairs that name each cluster's
//! master, as orchestrator writes them to ZooKeeper and Consul.
//!
//! `KVClusterMasterPrefix` (default `mysql/master`) + `/<cluster alias>` = `host:port`, and under
//! it `/hostname`, `/port`, and — when the master's name resolved — `/ipv4` and `/ipv6`.

use serde::{Deserialize, Serialize};

use super::InstanceKey;

/// Orchestrator's default `KVClusterMasterPrefix`.
pub const DEFAULT_PREFIX: &str = "mysql/master";

/// One key and its value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KvPair {
    /// The key, without a leading `/` (ZooKeeper paths add it).
    pub key: String,
    /// The value.
    pub value: String,
}

impl KvPair {
    /// A pair.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        KvPair { key: key.into(), value: value.into() }
    }
}

/// `KVClusterMasterPrefix` as orchestrator normalises it: trailing slashes become one (`/`
/// stays `/`).
pub fn normalize_prefix(prefix: &str) -> String {
    if prefix == "/" {
        return "/".into();
    }
    format!("{}/", prefix.trim_end_matches('/'))
}

/// The key of `alias`'s master under the normalised `prefix`.
pub fn master_key(prefix: &str, alias: &str) -> String {
    format!("{}{alias}", normalize_prefix(prefix))
}

/// The addresses a master's host name resolved to (orchestrator writes the first of each family,
/// empty when there is none, and neither pair when the name did not resolve).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedIps {
    /// First IPv4 address, or empty.
    pub ipv4: String,
    /// First IPv6 address, or empty.
    pub ipv6: String,
}

/// Every pair naming `master` as the master of the cluster `alias`; none without an alias.
pub fn master_pairs(
    prefix: &str,
    alias: &str,
    master: &InstanceKey,
    ips: Option<&ResolvedIps>,
) -> Vec<KvPair> {
    if alias.is_empty() {
        return Vec::new();
    }
    let key = master_key(prefix, alias);
    let mut pairs = vec![
        KvPair::new(key.clone(), master.to_string()),
        KvPair::new(format!("{key}/hostname"), master.hostname.clone()),
        KvPair::new(format!("{key}/port"), master.port.to_string()),
    ];
    if let Some(ips) = ips {
        pairs.push(KvPair::new(format!("{key}/ipv4"), ips.ipv4.clone()));
        pairs.push(KvPair::new(format!("{key}/ipv6"), ips.ipv6.clone()));
    }
    pairs
}

/// A ZooKeeper path for `key` (one leading `/`).
pub fn zk_path(key: &str) -> String {
    format!("/{}", key.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalised_as_orchestrator_does() {
        assert_eq!(normalize_prefix("mysql/master"), "mysql/master/");
        assert_eq!(normalize_prefix("some/prefix///"), "some/prefix/");
        assert_eq!(normalize_prefix("/"), "/");
        assert_eq!(master_key(DEFAULT_PREFIX, "shop"), "mysql/master/shop");
        assert_eq!(zk_path("mysql/master/shop"), "/mysql/master/shop");
        assert_eq!(zk_path("/x"), "/x");
    }

    #[test]
    fn master_pairs_name_the_master_and_its_parts() {
        let key = InstanceKey { hostname: "db1.example".into(), port: 3306 };
        let ips = ResolvedIps { ipv4: "10.0.0.1".into(), ipv6: String::new() };
        let pairs = master_pairs(DEFAULT_PREFIX, "shop", &key, Some(&ips));
        let text: Vec<(String, String)> = pairs.into_iter().map(|p| (p.key, p.value)).collect();
        assert_eq!(
            text,
            [
                ("mysql/master/shop", "db1.example:3306"),
                ("mysql/master/shop/hostname", "db1.example"),
                ("mysql/master/shop/port", "3306"),
                ("mysql/master/shop/ipv4", "10.0.0.1"),
                ("mysql/master/shop/ipv6", ""),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(master_pairs(DEFAULT_PREFIX, "shop", &key, None).len(), 3);
        assert!(master_pairs(DEFAULT_PREFIX, "", &key, None).is_empty());
    }
}
