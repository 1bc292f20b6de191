//! Key-value master discovery (orchestrator's `docs/kv.md`) through raft.
//!
//! - [`masters`]: the leader computes the pairs of every writeable master (periodically for
//!   new clusters, after a master failover or takeover, and on `submit-masters-to-kv-stores`)
//!   and proposes them as one `put-key-value` command; every node's state machine records them
//!   (deterministically, in `kv_pair`).
//! - [`publisher`]: after commit, every node writes the pairs to its own configured stores from
//!   its outbox (the pairs a store has not received yet, `store::kv_tables`), retrying until it
//!   succeeds and after a restart.
//! - [`zk`] and [`consul`]: the stores (`ZkAddress`; `ConsulAddress` with `consul` or
//!   `consul-txn`, optionally every datacenter).

pub mod consul;
pub mod masters;
pub mod publisher;
pub mod zk;

use app::core::kv::KvPair;
use thiserror::Error;

/// Why a store did not take the pairs; the publisher retries.
#[derive(Debug, Error)]
pub enum KvError {
    /// ZooKeeper refused or could not be reached.
    #[error("zookeeper {servers}: {message}")]
    Zk {
        /// `ZkAddress`.
        servers: String,
        /// What failed.
        message: String,
    },
    /// Consul refused or could not be reached.
    #[error("consul {url}: {message}")]
    Consul {
        /// The request's URL.
        url: String,
        /// What failed.
        message: String,
    },
}

/// A store pairs are published to.
#[async_trait::async_trait]
pub trait KvStore: Send + Sync {
    /// Its name in the outbox bookkeeping (`zk`, `consul`).
    fn name(&self) -> &'static str;
    /// Writes every pair (creating keys as needed).
    async fn put(&self, pairs: &[KvPair]) -> Result<(), KvError>;
}
