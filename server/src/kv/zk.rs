//! ZooKeeper as a KV store: each key is a persistent znode (`/` + key) holding the value, set
//! when it exists and created with its parents otherwise, as orchestrator does.

use app::core::kv::{zk_path, KvPair};
use tokio::sync::Mutex;
use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError};

use super::{KvError, KvStore};

/// ZooKeeper's default client port.
const DEFAULT_PORT: u16 = 2181;

/// The servers of `ZkAddress` and a session, opened on first use and again after a failure.
pub struct ZkStore {
    servers: String,
    client: Mutex<Option<Client>>,
}

impl ZkStore {
    /// `ZkAddress`: `srv1[:port1][,srv2[:port2]...]`.
    pub fn new(zk_address: &str) -> Self {
        let servers = zk_address
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| if s.contains(':') { s.to_string() } else { format!("{s}:{DEFAULT_PORT}") })
            .collect::<Vec<_>>()
            .join(",");
        ZkStore { servers, client: Mutex::new(None) }
    }

    fn error(&self, message: impl std::fmt::Display) -> KvError {
        KvError::Zk { servers: self.servers.clone(), message: message.to_string() }
    }

    async fn write(&self, client: &Client, pair: &KvPair) -> Result<(), ZkError> {
        let path = zk_path(&pair.key);
        match client.set_data(&path, pair.value.as_bytes(), None).await {
            Err(ZkError::NoNode) => {}
            other => return other.map(|_| ()),
        }
        let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
        if let Some((parent, _)) = path.rsplit_once('/').filter(|(p, _)| !p.is_empty()) {
            client.mkdir(parent, &options).await?;
        }
        match client.create(&path, pair.value.as_bytes(), &options).await {
            Ok(_) => Ok(()),
            // Created meanwhile (another node publishing too): set it.
            Err(ZkError::NodeExists) => {
                client.set_data(&path, pair.value.as_bytes(), None).await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait::async_trait]
impl KvStore for ZkStore {
    fn name(&self) -> &'static str {
        "zk"
    }

    async fn put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        let mut slot = self.client.lock().await;
        if slot.is_none() {
            let client = Client::connect(&self.servers).await.map_err(|e| self.error(e))?;
            *slot = Some(client);
        }
        let Some(client) = slot.as_ref() else { return Err(self.error("no session")) };
        for pair in pairs {
            if let Err(e) = self.write(client, pair).await {
                // A broken session is reopened on the next attempt.
                *slot = None;
                return Err(self.error(format!("{}: {e}", pair.key)));
            }
        }
        Ok(())
    }
}
