//! Publishes the replicated pairs to this node's own stores after commit: every second, each
//! store gets the pairs it has not received yet (its outbox), and what it took is recorded in
//! `kv_published`, so a failure is retried and a restart resumes where it stopped.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::consul::ConsulStore;
use super::zk::ZkStore;
use super::KvStore;
use crate::config::kv::KvConfig;
use crate::store::Store;

/// How often the outbox is looked at.
const EVERY: Duration = Duration::from_millis(500);

/// The stores `config` names.
pub fn stores(config: &KvConfig) -> Vec<Arc<dyn KvStore>> {
    let mut stores: Vec<Arc<dyn KvStore>> = Vec::new();
    if !config.zk_address.is_empty() {
        stores.push(Arc::new(ZkStore::new(&config.zk_address)));
    }
    if !config.consul_address.is_empty() {
        match ConsulStore::new(config) {
            Ok(s) => stores.push(Arc::new(s)),
            Err(e) => tracing::error!(error = %e, "Consul KV store unusable"),
        }
    }
    stores
}

/// One pass: every store gets its pending pairs. Returns how many were published.
pub async fn publish_pending(store: &Store, stores: &[Arc<dyn KvStore>]) -> usize {
    let mut published = 0;
    for kv in stores {
        let pending = match store.kv_pending(kv.name()).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(store = kv.name(), error = %e, "cannot read the KV outbox");
                continue;
            }
        };
        if pending.is_empty() {
            continue;
        }
        match kv.put(&pending).await {
            Ok(()) => {
                if let Err(e) = store.kv_mark_published(kv.name(), &pending).await {
                    tracing::warn!(store = kv.name(), error = %e, "cannot record published KV pairs");
                    continue;
                }
                tracing::info!(store = kv.name(), pairs = pending.len(), "published KV pairs");
                published += pending.len();
            }
            Err(e) => {
                tracing::warn!(store = kv.name(), pending = pending.len(), error = %e, "KV publish failed; will retry");
            }
        }
    }
    published
}

/// Runs until `shutdown`; does nothing without a configured store.
pub async fn run(store: Store, config: KvConfig, mut shutdown: watch::Receiver<bool>) {
    let stores = stores(&config);
    if stores.is_empty() {
        return;
    }
    loop {
        publish_pending(&store, &stores).await;
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}
