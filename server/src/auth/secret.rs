//! Constant-time credential checks: the raft peer secret (`RaftSecretFile`) and the basic-auth
//! password. Both sides are hashed with SHA-256 first so that neither the content nor the length
//! of a secret leaks through the comparison time. Secrets are never printed: `Debug` redacts them.

use std::fmt;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::ConfigError;

/// Header carrying the peer secret on every raft RPC and `/internal` call.
pub const PEER_SECRET_HEADER: &str = "x-orchestrator-peer-secret";

/// Shortest secret accepted in `RaftSecretFile` (bytes, after trimming).
pub const MIN_SECRET_LEN: usize = 16;

/// Whether `given` equals `expected`, in time independent of both.
pub fn same(given: &[u8], expected: &[u8]) -> bool {
    let a = Sha256::digest(given);
    let b = Sha256::digest(expected);
    a.ct_eq(&b).into()
}

/// The cluster's shared secret, read from `RaftSecretFile`.
#[derive(Clone)]
pub struct PeerSecret {
    value: String,
}

impl fmt::Debug for PeerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PeerSecret(<redacted>)")
    }
}

impl PeerSecret {
    /// Reads the secret file: its content trimmed of surrounding whitespace, at least
    /// [`MIN_SECRET_LEN`] bytes, printable ASCII (it travels in an HTTP header).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::invalid("RaftSecretFile", format!("cannot read {}: {e}", path.display()))
        })?;
        Self::from_text(&text)
    }

    /// Validates secret text (see [`PeerSecret::load`]).
    pub fn from_text(text: &str) -> Result<Self, ConfigError> {
        let value = text.trim();
        if value.len() < MIN_SECRET_LEN {
            return Err(ConfigError::invalid(
                "RaftSecretFile",
                format!("the secret must be at least {MIN_SECRET_LEN} characters (e.g. `openssl rand -hex 32`)"),
            ));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::invalid(
                "RaftSecretFile",
                "the secret must be printable ASCII without spaces",
            ));
        }
        Ok(PeerSecret { value: value.to_string() })
    }

    /// The header value to send.
    pub fn header_value(&self) -> &str {
        &self.value
    }

    /// Whether a received header value is the secret (constant time).
    pub fn matches(&self, given: &[u8]) -> bool {
        same(given, self.value.as_bytes())
    }
}

/// `Authorization: Basic …` decoded into (user, password); `None` when absent or malformed.
pub fn basic_credentials(header: Option<&axum::http::HeaderValue>) -> Option<(String, String)> {
    let value = header?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_by_content_only() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn short_or_spaced_secrets_are_refused_and_never_printed() {
        assert_eq!(PeerSecret::from_text("short").unwrap_err().key, "RaftSecretFile");
        assert!(PeerSecret::from_text("with a space inside it!!").is_err());
        let s = PeerSecret::from_text("  0123456789abcdef0123\n").unwrap();
        assert!(s.matches(b"0123456789abcdef0123"));
        assert!(!format!("{s:?}").contains("0123"));
    }

    #[test]
    fn decodes_basic_auth() {
        let v = axum::http::HeaderValue::from_static("Basic dTpwOnE="); // u:p:q
        assert_eq!(basic_credentials(Some(&v)), Some(("u".into(), "p:q".into())));
        let bad = axum::http::HeaderValue::from_static("Bearer xyz");
        assert_eq!(basic_credentials(Some(&bad)), None);
    }
}
