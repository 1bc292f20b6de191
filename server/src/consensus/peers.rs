//! HTTP to the other members: requests that carry the peer secret, and each member's HTTP URI
//! (its own announcement through raft, else derived as orchestrator does).
//!
//! The follower → leader reverse proxy deliberately does NOT use the secret-carrying helpers: it
//! forwards only the caller's own credentials, so a proxied request never gains a node's rights.

use std::sync::Arc;

use reqwest::RequestBuilder;

use super::Member;
use crate::auth::Security;
use crate::raft::Raft;
use crate::store::Store;

/// Longest wait for a new leader's URI announcement before deriving its URI.
pub const ANNOUNCE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// HTTP client and addressing of the other members.
#[derive(Clone)]
pub struct Peers {
    http: reqwest::Client,
    security: Arc<Security>,
    store: Store,
    own_id: u64,
    own_uri: String,
    listen_port: u16,
    raft: Raft,
    seeds: Vec<Member>,
}

impl Peers {
    /// `http` is built with the cluster's TLS settings; `own_uri` is this node's HTTP URI;
    /// `membership` is the raft handle (the committed membership) and the `RaftNodes` seeds.
    pub fn new(
        http: reqwest::Client,
        security: Arc<Security>,
        store: Store,
        own: (u64, String),
        listen_port: u16,
        membership: (Raft, Vec<Member>),
    ) -> Self {
        let (raft, seeds) = membership;
        Peers { http, security, store, own_id: own.0, own_uri: own.1, listen_port, raft, seeds }
    }

    /// The plain client (no secret): for relaying a caller's own request.
    pub fn client(&self) -> &reqwest::Client {
        &self.http
    }

    /// This node's HTTP URI.
    pub fn own_uri(&self) -> &str {
        &self.own_uri
    }

    /// `POST url` to another member, as a member (carries the peer secret).
    pub fn post(&self, url: &str) -> RequestBuilder {
        crate::auth::with_secret(self.http.post(url), &self.security)
    }

    /// `GET url` from another member, as a member (carries the peer secret).
    pub fn get(&self, url: &str) -> RequestBuilder {
        crate::auth::with_secret(self.http.get(url), &self.security)
    }

    /// HTTP URI of node `id`: its own announcement (replicated `leader-uri`), `HTTPAdvertise` for
    /// this node, else its raft host with this node's HTTP port (orchestrator's derivation).
    pub async fn uri_of(&self, id: u64) -> Option<String> {
        if id == self.own_id {
            return Some(self.own_uri.clone());
        }
        match self.store.leader_uri(id).await {
            Ok(Some(uri)) => return Some(uri),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read leader URI"),
        }
        // The committed membership; before this node has received it (a joining node), the
        // configured `RaftNodes`.
        let members =
            super::members_of(self.raft.metrics().borrow().membership_config.membership());
        let member = members
            .into_iter()
            .find(|m| m.id == id)
            .or_else(|| self.seeds.iter().find(|m| m.id == id).cloned())?;
        let host =
            if member.host.contains(':') { format!("[{}]", member.host) } else { member.host };
        let scheme = if self.own_uri.starts_with("https://") { "https" } else { "http" };
        Some(format!("{scheme}://{host}:{}", self.listen_port))
    }

    /// The URI to send node `id` a request at. A new leader announces its URI through raft
    /// right after its election, so a request arriving in that moment waits up to
    /// [`ANNOUNCE_WAIT`] for the announcement to be applied here before falling back to the
    /// derived URI; a derivation that names this node itself (nodes on one host with different
    /// HTTP ports) is no route and gives `None`.
    pub async fn route_to(&self, id: u64) -> Option<String> {
        if id == self.own_id {
            return Some(self.own_uri.clone());
        }
        let deadline = tokio::time::Instant::now() + ANNOUNCE_WAIT;
        let mut applied = self.raft.metrics();
        loop {
            if let Some(uri) = self.announced_uri(id).await {
                return Some(uri);
            }
            // Every applied entry changes the metrics; a timeout or a stopped core ends the wait.
            match tokio::time::timeout_at(deadline, applied.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => break,
            }
        }
        self.uri_of(id).await.filter(|uri| uri != &self.own_uri)
    }

    /// The announced HTTP URI of node `id`, if it announced one.
    pub async fn announced_uri(&self, id: u64) -> Option<String> {
        self.store.leader_uri(id).await.ok().flatten()
    }
}
