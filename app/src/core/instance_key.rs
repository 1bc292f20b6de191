//! InstanceKey: the `host:port` identity of a MySQL server, validated.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::error::DomainError;

/// Longest hostname accepted (DNS limit).
pub const MAX_HOSTNAME_LEN: usize = 253;

/// A MySQL server's identity, serialized with orchestrator's field names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstanceKey {
    /// Host name or IP address as the topology reports it.
    #[serde(rename = "Hostname")]
    pub hostname: String,
    /// TCP port.
    #[serde(rename = "Port")]
    pub port: u16,
}

impl InstanceKey {
    /// Builds a key from already-typed parts, validating the hostname and port.
    pub fn new(hostname: &str, port: u16) -> Result<Self, DomainError> {
        validate_hostname(hostname)?;
        if port == 0 {
            return Err(DomainError::field("port", "must be between 1 and 65535"));
        }
        Ok(InstanceKey { hostname: hostname.to_string(), port })
    }

    /// Parses the `:host/:port` pair of an API path.
    pub fn parse(hostname: &str, port: &str) -> Result<Self, DomainError> {
        let port_num: u32 = port
            .parse()
            .map_err(|_| DomainError::field("port", format!("{port:?} is not a number")))?;
        if !(1..=65535).contains(&port_num) {
            return Err(DomainError::field("port", format!("{port_num} is out of range 1..65535")));
        }
        Self::new(hostname, port_num as u16)
    }

    /// Parses `host:port` (orchestrator-client's `-i`), with `default_port` when no port is given.
    pub fn parse_joined(text: &str, default_port: u16) -> Result<Self, DomainError> {
        match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => Self::parse(host, port),
            _ => Self::new(text, default_port),
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.hostname, self.port)
    }
}

/// Hostnames: letters, digits, `.`, `-`, `_` and `:` (IPv6), at most 253 characters.
/// Anything else (spaces, `$`, `;`, quotes, slashes) is refused so that a key can never
/// carry shell or SQL syntax into a hook or a query.
pub fn validate_hostname(hostname: &str) -> Result<(), DomainError> {
    if hostname.is_empty() {
        return Err(DomainError::field("hostname", "must not be empty"));
    }
    if hostname.len() > MAX_HOSTNAME_LEN {
        return Err(DomainError::field(
            "hostname",
            format!("longer than {MAX_HOSTNAME_LEN} characters"),
        ));
    }
    if let Some(c) = hostname
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
    {
        return Err(DomainError::field("hostname", format!("character {c:?} is not allowed")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_api_parts() {
        let key = InstanceKey::parse("db-1.example.com", "3306").unwrap();
        assert_eq!(key.to_string(), "db-1.example.com:3306");
        assert!(InstanceKey::parse("db", "0").is_err());
        assert!(InstanceKey::parse("db", "65536").is_err());
        assert!(InstanceKey::parse("db", "x").is_err());
        assert!(InstanceKey::parse("", "3306").is_err());
        assert!(InstanceKey::parse("$(touch pwned)", "3306").is_err());
        assert!(InstanceKey::parse("a b", "3306").is_err());
    }

    #[test]
    fn parses_joined_form() {
        assert_eq!(InstanceKey::parse_joined("db:3307", 3306).unwrap().port, 3307);
        assert_eq!(InstanceKey::parse_joined("db", 3306).unwrap().port, 3306);
    }

    #[test]
    fn serializes_with_orchestrator_names() {
        let key = InstanceKey::new("h", 1).unwrap();
        assert_eq!(serde_json::to_string(&key).unwrap(), r#"{"Hostname":"h","Port":1}"#);
    }
}
