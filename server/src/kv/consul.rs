//! Consul's HTTP KV API as a KV store, making the requests orchestrator's Go client makes:
//! `PUT /v1/kv/<key>` with the raw value (`consul`), or `PUT /v1/txn` with `set` operations
//! (`consul-txn`), the ACL token in `X-Consul-Token`; with `ConsulCrossDataCenterDistribution`,
//! `GET /v1/catalog/datacenters`, then for each datacenter the same writes with `?dc=` (a key
//! that already holds the value there is skipped, as orchestrator does).

use app::core::kv::KvPair;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::{KvError, KvStore};
use crate::config::kv::{ConsulProvider, KvConfig};

/// Consul's KV store over HTTP.
pub struct ConsulStore {
    http: reqwest::Client,
    base: String,
    token: String,
    provider: ConsulProvider,
    cross_dc: bool,
    max_txn_ops: usize,
}

#[derive(Deserialize)]
struct KvEntry {
    #[serde(rename = "Value")]
    value: Option<String>,
}

impl ConsulStore {
    /// The store `config` names (`ConsulAddress` must be set).
    pub fn new(config: &KvConfig) -> Result<Self, KvError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .no_proxy()
            // orchestrator does not verify Consul's certificate with https either.
            .danger_accept_invalid_certs(config.consul_scheme == "https")
            .build()
            .map_err(|e| KvError::Consul {
                url: config.consul_address.clone(),
                message: e.to_string(),
            })?;
        Ok(ConsulStore {
            http,
            base: format!("{}://{}", config.consul_scheme, config.consul_address),
            token: config.consul_acl_token.clone(),
            provider: config.consul_provider,
            cross_dc: config.consul_cross_dc,
            max_txn_ops: config.consul_max_txn_ops,
        })
    }

    fn url(&self, path: &str, dc: Option<&str>) -> String {
        match dc {
            Some(dc) => format!("{}{path}?dc={dc}", self.base),
            None => format!("{}{path}", self.base),
        }
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response, KvError> {
        let request = if self.token.is_empty() {
            request
        } else {
            request.header("X-Consul-Token", &self.token)
        };
        let error = |message: String| KvError::Consul { url: url.to_string(), message };
        let response = request.send().await.map_err(|e| error(e.to_string()))?;
        Ok(response)
    }

    async fn put_one(&self, pair: &KvPair, dc: Option<&str>) -> Result<(), KvError> {
        let url = self.url(&format!("/v1/kv/{}", pair.key.trim_start_matches('/')), dc);
        let response = self.send(self.http.put(&url).body(pair.value.clone()), &url).await?;
        ok(response, &url).await
    }

    async fn put_txn(&self, pairs: &[KvPair], dc: Option<&str>) -> Result<(), KvError> {
        let url = self.url("/v1/txn", dc);
        let b64 = base64::engine::general_purpose::STANDARD;
        for chunk in pairs.chunks(self.max_txn_ops) {
            let ops: Vec<_> = chunk
                .iter()
                .map(|p| {
                    json!({"KV": {"Verb": "set", "Key": p.key.trim_start_matches('/'), "Value": b64.encode(&p.value)}})
                })
                .collect();
            let response = self.send(self.http.put(&url).json(&ops), &url).await?;
            ok(response, &url).await?;
        }
        Ok(())
    }

    async fn put_all(&self, pairs: &[KvPair], dc: Option<&str>) -> Result<(), KvError> {
        match self.provider {
            ConsulProvider::Plain => {
                for pair in pairs {
                    self.put_one(pair, dc).await?;
                }
                Ok(())
            }
            ConsulProvider::Txn => self.put_txn(pairs, dc).await,
        }
    }

    /// What `dc` holds for `key`, if anything.
    async fn current(&self, key: &str, dc: &str) -> Option<String> {
        let url = self.url(&format!("/v1/kv/{}", key.trim_start_matches('/')), Some(dc));
        let response = self.send(self.http.get(&url), &url).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let entries: Vec<KvEntry> = response.json().await.ok()?;
        let value = entries.into_iter().next()?.value?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
        String::from_utf8(bytes).ok()
    }

    async fn distribute(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        let url = self.url("/v1/catalog/datacenters", None);
        let response = self.send(self.http.get(&url), &url).await?;
        if !response.status().is_success() {
            return Err(KvError::Consul { url, message: format!("HTTP {}", response.status()) });
        }
        let dcs: Vec<String> = response
            .json()
            .await
            .map_err(|e| KvError::Consul { url: url.clone(), message: e.to_string() })?;
        for dc in &dcs {
            let mut missing = Vec::new();
            for pair in pairs {
                if self.current(&pair.key, dc).await.as_deref() != Some(pair.value.as_str()) {
                    missing.push(pair.clone());
                }
            }
            self.put_all(&missing, Some(dc)).await?;
        }
        Ok(())
    }
}

async fn ok(response: reqwest::Response, url: &str) -> Result<(), KvError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(KvError::Consul {
        url: url.to_string(),
        message: format!("HTTP {status}: {}", body.trim()),
    })
}

#[async_trait::async_trait]
impl KvStore for ConsulStore {
    fn name(&self) -> &'static str {
        "consul"
    }

    async fn put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        self.put_all(pairs, None).await?;
        if self.cross_dc {
            self.distribute(pairs).await?;
        }
        Ok(())
    }
}
