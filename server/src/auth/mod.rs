//! Who may do what: authentication of every HTTP request, the one authorization decision for
//! writes, the peer secret of the raft port and `/internal`, TLS, CSRF, and bounded listeners.
//!
//! - [`config`]: the config keys (orchestrator's `AuthenticationMethod`, `ReadOnly`, `UseSSL`, …
//!   and our `RaftSecretFile`, `RaftTLS*`, `AuthOpenEndpoints`, …).
//! - [`authn`]: the middleware that turns credentials into an [`Identity`] on every request, and
//!   the guard of the raft port.
//! - [`authorize`] (here): the single decision every write goes through — API write routes
//!   ([`authn::require_write`]), `/internal`, and the dashboard's server functions ([`plane`]).
//! - [`csrf`]: same-origin check for state-changing browser requests.
//! - [`secret`]: constant-time comparisons; [`tls`]: PEM files into rustls/reqwest settings;
//!   [`serve`]: the accept loop (optional TLS, header-read timeout); [`peer`]: node-to-node calls.
//!
//! See `docs/security.md` for the threat model.

pub mod authn;
pub mod csrf;
pub mod peer;
pub mod plane;
pub mod secret;
pub mod serve;
pub mod tls;

use std::sync::Arc;

use app::api::ApiError;

pub use crate::config::security::{AuthMethod, SecurityConfig};
pub use authn::{authenticate, raft_guard, require_write};
pub use peer::with_secret;
pub use secret::{PeerSecret, PEER_SECRET_HEADER};

use crate::config::{ConfigError, NodeConfig};

/// What an authenticated caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads only (`multi`'s `readonly`, proxy users not in `PowerAuthUsers`, open endpoints).
    Reader,
    /// Reads and writes.
    Writer,
    /// Another configured raft member (carries the peer secret): `/internal` and reads, never
    /// API writes, so that a proxied request can never gain a node's rights.
    Peer,
}

/// The caller of one request, attached to it by [`authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User name, when the method has one.
    pub user: Option<String>,
    /// Rights.
    pub role: Role,
}

impl Identity {
    /// An unauthenticated caller of an open endpoint.
    pub fn anonymous_reader() -> Self {
        Identity { user: None, role: Role::Reader }
    }

    fn who(&self) -> String {
        match &self.user {
            Some(u) => format!("user {u:?}"),
            None => "this caller".into(),
        }
    }
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read state.
    Read,
    /// Change state (API write, dashboard action, leadership transfer).
    Write,
    /// Node-to-node call (`/internal/*`).
    Internal,
}

/// The node's security settings and loaded material, shared by listeners and clients.
#[derive(Debug)]
pub struct Security {
    /// The config keys.
    pub config: SecurityConfig,
    /// `RaftSecretFile`'s secret.
    pub peer_secret: Option<PeerSecret>,
    /// Server TLS of the HTTP listener (`UseSSL`).
    pub http_tls: Option<Arc<rustls::ServerConfig>>,
    /// Server TLS of the raft port (`RaftTLS*`).
    pub raft_tls: Option<Arc<rustls::ServerConfig>>,
    http_client: tls::ClientTls,
    raft_client: tls::ClientTls,
}

const HTTP_KEYS: tls::Keys =
    tls::Keys { cert: "SSLCertFile", key: "SSLPrivateKeyFile", ca: "SSLCAFile" };
const RAFT_KEYS: tls::Keys =
    tls::Keys { cert: "RaftTLSCertFile", key: "RaftTLSKeyFile", ca: "RaftTLSCAFile" };

impl Security {
    /// Reads the secret, certificates and keys the config names.
    pub fn load(config: &NodeConfig) -> Result<Self, ConfigError> {
        let sc = config.security.clone();
        let peer_secret = sc.raft_secret_file.as_deref().map(PeerSecret::load).transpose()?;
        let (http_tls, http_client) = match &sc.http_tls {
            Some(t) => {
                let client_ca = if t.mutual { t.ca_file.as_deref() } else { None };
                let server = tls::server_config(&HTTP_KEYS, &t.cert_file, &t.key_file, client_ca)?;
                let identity = t.mutual.then_some((t.cert_file.as_path(), t.key_file.as_path()));
                (Some(server), tls::ClientTls::load(&HTTP_KEYS, t.ca_file.as_deref(), identity)?)
            }
            None => (None, tls::ClientTls::default()),
        };
        let (raft_tls, raft_client) = match &sc.raft_tls {
            Some(t) => {
                let server =
                    tls::server_config(&RAFT_KEYS, &t.cert_file, &t.key_file, Some(&t.ca_file))?;
                let identity = Some((t.cert_file.as_path(), t.key_file.as_path()));
                (Some(server), tls::ClientTls::load(&RAFT_KEYS, Some(&t.ca_file), identity)?)
            }
            None => (None, tls::ClientTls::default()),
        };
        if peer_secret.is_none() && sc.raft_tls.is_none() {
            tracing::warn!("the raft port is unauthenticated: set RaftSecretFile (and RaftTLS*) so that only members can join");
        }
        Ok(Security { config: sc, peer_secret, http_tls, raft_tls, http_client, raft_client })
    }

    /// A client builder for the HTTP port of peers (reverse proxy, `/internal`, member status).
    pub fn http_client(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        self.http_client.apply(builder)
    }

    /// A client builder for the raft port of peers.
    pub fn raft_client(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        self.raft_client.apply(builder)
    }

    /// `https` when the raft port speaks TLS.
    pub fn raft_scheme(&self) -> &'static str {
        if self.raft_tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// The one authorization decision. Every write — API write routes (on the follower that
/// received the request and again on the leader), `/internal`, dashboard actions — calls it.
pub fn authorize(
    identity: Option<&Identity>,
    action: Action,
    security: &Security,
) -> Result<(), ApiError> {
    let Some(identity) = identity else {
        // Fail closed: a request that did not go through `authenticate` has no rights.
        return Err(ApiError::Forbidden("request is not authenticated".into()));
    };
    match action {
        Action::Read => Ok(()),
        Action::Internal => {
            if identity.role == Role::Peer
                || (security.peer_secret.is_none() && !security.config.authenticates())
            {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "node-to-node endpoint: only configured raft members may call it".into(),
                ))
            }
        }
        Action::Write => {
            if security.config.read_only {
                return Err(ApiError::Forbidden(
                    "this orchestrator is read-only (ReadOnly: true); no write is allowed".into(),
                ));
            }
            match identity.role {
                Role::Writer => Ok(()),
                Role::Reader => Err(ApiError::Forbidden(format!(
                    "{} has read-only access; this operation needs write access",
                    identity.who()
                ))),
                Role::Peer => Err(ApiError::Forbidden(
                    "node-to-node credentials do not grant API writes".into(),
                )),
            }
        }
    }
}
