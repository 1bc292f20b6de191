//! Raft node addresses: `host[:port]` normalisation and the stable node id derived from them.

use sha2::{Digest, Sha256};

use super::ConfigError;

/// A normalised raft address (`host:port`, host lower-cased). Kept as text, never resolved
/// once at start: identity does not depend on what a name resolved to (Kubernetes-safe).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RaftAddr {
    host: String,
    port: u16,
}

impl RaftAddr {
    /// Parses `host`, `host:port`, `[v6]:port`; a missing port becomes `default_port`.
    pub fn parse(key: &str, text: &str, default_port: u16) -> Result<Self, ConfigError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ConfigError::invalid(key, "empty address"));
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| ConfigError::invalid(key, format!("{text:?}: unclosed '['")))?;
            match after.strip_prefix(':') {
                Some(p) => (host.to_string(), parse_port(key, text, p)?),
                None if after.is_empty() => (host.to_string(), default_port),
                None => {
                    return Err(ConfigError::invalid(
                        key,
                        format!("{text:?}: unexpected text after ']'"),
                    ))
                }
            }
        } else {
            match text.rsplit_once(':') {
                Some((host, p)) if !host.contains(':') => {
                    (host.to_string(), parse_port(key, text, p)?)
                }
                Some(_) => (text.to_string(), default_port), // bare IPv6
                None => (text.to_string(), default_port),
            }
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(ConfigError::invalid(key, format!("{text:?}: bad host")));
        }
        Ok(RaftAddr { host: host.to_ascii_lowercase(), port })
    }

    /// Host part.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Port part.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The stable raft node id: the first 8 bytes of SHA-256 of `host:port`, masked to 63 bits
    /// so it prints the same everywhere (JSON consumers that use doubles lose bits above 2^53;
    /// we also keep it below 2^53 for them).
    pub fn node_id(&self) -> u64 {
        let digest = Sha256::digest(self.to_string().as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(bytes) & ((1u64 << 53) - 1)
    }
}

impl std::fmt::Display for RaftAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

fn parse_port(key: &str, text: &str, port: &str) -> Result<u16, ConfigError> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(ConfigError::invalid(key, format!("{text:?}: bad port {port:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_default_port_and_normalises() {
        let a = RaftAddr::parse("RaftNodes", "Node1.Example", 10008).unwrap();
        assert_eq!(a.to_string(), "node1.example:10008");
        let b = RaftAddr::parse("RaftNodes", "node1.example:10008", 10008).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.node_id(), b.node_id());
        let v6 = RaftAddr::parse("RaftNodes", "[::1]:7000", 10008).unwrap();
        assert_eq!(v6.to_string(), "[::1]:7000");
    }

    #[test]
    fn ids_differ_by_port() {
        let a = RaftAddr::parse("k", "127.0.0.1:1", 1).unwrap();
        let b = RaftAddr::parse("k", "127.0.0.1:2", 1).unwrap();
        assert_ne!(a.node_id(), b.node_id());
    }

    #[test]
    fn refuses_bad_ports() {
        assert!(RaftAddr::parse("k", "h:0", 1).is_err());
        assert!(RaftAddr::parse("k", "h:70000", 1).is_err());
        assert!(RaftAddr::parse("k", "h:x", 1).is_err());
        assert!(RaftAddr::parse("k", "", 1).is_err());
    }
}
