//! Node-to-node HTTP calls: the `/internal` endpoints and member status reads carry the peer
//! secret. The follower → leader reverse proxy deliberately does NOT use these helpers: it
//! forwards only the caller's own credentials, so a proxied request never gains a node's rights.

use reqwest::RequestBuilder;

use super::{Security, PEER_SECRET_HEADER};
use crate::node::Node;

/// Adds the peer secret (when configured) to a request to another member.
pub fn with_secret(request: RequestBuilder, security: &Security) -> RequestBuilder {
    match &security.peer_secret {
        Some(secret) => request.header(PEER_SECRET_HEADER, secret.header_value()),
        None => request,
    }
}

impl Node {
    /// `POST url` to another member, as a member (carries the peer secret).
    pub fn peer_post(&self, url: &str) -> RequestBuilder {
        with_secret(self.http.post(url), &self.security)
    }

    /// `GET url` from another member, as a member (carries the peer secret).
    pub fn peer_get(&self, url: &str) -> RequestBuilder {
        with_secret(self.http.get(url), &self.security)
    }
}
