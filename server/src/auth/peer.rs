//! The peer secret on node-to-node HTTP calls (`/internal` endpoints, member status reads); the
//! callers are in `consensus::peers`.

use reqwest::RequestBuilder;

use super::{Security, PEER_SECRET_HEADER};

/// Adds the peer secret (when configured) to a request to another member.
pub fn with_secret(request: RequestBuilder, security: &Security) -> RequestBuilder {
    match &security.peer_secret {
        Some(secret) => request.header(PEER_SECRET_HEADER, secret.header_value()),
        None => request,
    }
}
