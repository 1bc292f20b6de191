//! Key-value store settings (orchestrator's names): where master discovery pairs are published.

use super::reader::KeyReader;
use super::ConfigError;

/// `ConsulKVStoreProvider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsulProvider {
    /// `consul`: one `PUT /v1/kv/<key>` per pair.
    Plain,
    /// `consul-txn`: the pairs in `PUT /v1/txn` transactions.
    Txn,
}

/// Where and how KV pairs are published; no store configured: nothing is published (the pairs
/// are still replicated and served).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvConfig {
    /// `KVClusterMasterPrefix` (`mysql/master`), as given.
    pub prefix: String,
    /// `ZkAddress`: `srv1[:port1][,srv2[:port2]...]` (default port 2181); empty: none.
    pub zk_address: String,
    /// `ConsulAddress` (`host:port`); empty: none.
    pub consul_address: String,
    /// `ConsulScheme` (`http`).
    pub consul_scheme: String,
    /// `ConsulAclToken`, sent as `X-Consul-Token` (never logged).
    pub consul_acl_token: String,
    /// `ConsulKVStoreProvider` (`consul`).
    pub consul_provider: ConsulProvider,
    /// `ConsulCrossDataCenterDistribution`: also write every datacenter Consul lists.
    pub consul_cross_dc: bool,
    /// `ConsulMaxKVsPerTransaction` (5, at most 64): operations per `consul-txn` transaction.
    pub consul_max_txn_ops: usize,
}

/// Reads the KV keys.
pub fn read(r: &mut KeyReader) -> Result<KvConfig, ConfigError> {
    let prefix = r.string("KVClusterMasterPrefix", app::core::kv::DEFAULT_PREFIX)?;
    let zk_address = r.string("ZkAddress", "")?.trim().to_string();
    let consul_address = r.string("ConsulAddress", "")?.trim().to_string();
    let consul_scheme = r.string("ConsulScheme", "http")?;
    if !matches!(consul_scheme.as_str(), "http" | "https") {
        return Err(ConfigError::invalid("ConsulScheme", "must be http or https"));
    }
    let consul_acl_token = r.string("ConsulAclToken", "")?;
    let consul_provider = match r.string("ConsulKVStoreProvider", "consul")?.as_str() {
        "" | "consul" => ConsulProvider::Plain,
        "consul-txn" => ConsulProvider::Txn,
        other => {
            return Err(ConfigError::invalid(
                "ConsulKVStoreProvider",
                format!("{other:?}: expected consul or consul-txn"),
            ))
        }
    };
    let consul_cross_dc = r.bool("ConsulCrossDataCenterDistribution", false)?;
    let consul_max_txn_ops = r.uint("ConsulMaxKVsPerTransaction", 5, 64)?.max(1) as usize;
    Ok(KvConfig {
        prefix,
        zk_address,
        consul_address,
        consul_scheme,
        consul_acl_token,
        consul_provider,
        consul_cross_dc,
        consul_max_txn_ops,
    })
}
