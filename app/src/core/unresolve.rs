//! orchestrator's hostname unresolve registrations (`register-hostname-unresolve`,
//! `deregister-hostname-unresolve`): an instance's host may be given a virtual name (a VIP or
//! DNS alias) that orchestrator would write into `CHANGE MASTER TO` instead of the host name.
//! Replicated through raft; a registration lapses `ExpiryHostnameResolvesMinutes` after it was
//! made unless made again, as orchestrator's `ExpireHostnameUnresolve` has it.

use serde::{Deserialize, Serialize};

use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;

/// Longest virtual name (orchestrator's `varchar(128)`).
pub const MAX_VIRTUAL_NAME: usize = 128;

/// One registration as replicated: the instance's host is known as `virtual_name`
/// (empty: deregistration), stamped by the proposer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostnameRegistration {
    /// The instance whose host name is unresolved (the key is by host name, as orchestrator's).
    pub key: InstanceKey,
    /// The virtual name; empty removes the host's registration.
    pub virtual_name: String,
    /// When it was made (the proposer's clock).
    pub registered_at_ms: i64,
}

/// A registration in force: the host and its virtual name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostnameUnresolve {
    /// The host name as the topology reports it.
    pub hostname: String,
    /// The virtual name registered for it.
    pub unresolved_hostname: String,
    /// When it was last registered (unix ms).
    pub registered_at_ms: i64,
}

/// Checks a virtual name: a host name (letters, digits, `.`, `-`, `_`), at most 128 characters.
pub fn validate_virtual_name(name: &str) -> Result<String, DomainError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DomainError::field("virtualname", "must not be empty"));
    }
    if name.len() > MAX_VIRTUAL_NAME {
        return Err(DomainError::field(
            "virtualname",
            format!("longer than {MAX_VIRTUAL_NAME} characters"),
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
        return Err(DomainError::field(
            "virtualname",
            "only letters, digits, '.', '-' and '_' are accepted in a host name",
        ));
    }
    Ok(name.to_string())
}

/// The virtual name in force for `hostname`: registered at or after `now_ms - expiry_ms`
/// (older registrations have lapsed) and different from the hostname itself (orchestrator's
/// `UnresolveHostname`: an unchanged name is nothing to do).
pub fn virtual_name_for<'a>(
    hostname: &str,
    registrations: &'a [HostnameUnresolve],
    now_ms: i64,
    expiry_ms: i64,
) -> Option<&'a str> {
    registrations
        .iter()
        .find(|u| u.hostname == hostname)
        .filter(|u| u.registered_at_ms >= now_ms.saturating_sub(expiry_ms))
        .map(|u| u.unresolved_hostname.as_str())
        .filter(|v| !v.is_empty() && *v != hostname)
}

/// A virtual name that does not resolve back to the master's hostname (orchestrator's
/// "Error unresolving; ... mismatch").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "hostname unresolve: {hostname} is registered as {virtual_name}, which resolves to \
     {resolved_back}, not back to {hostname}; deregister it or fix its DNS"
)]
pub struct UnresolveMismatch {
    /// The master's hostname.
    pub hostname: String,
    /// The registered virtual name.
    pub virtual_name: String,
    /// What the virtual name resolved to.
    pub resolved_back: String,
}

/// Which name `CHANGE MASTER TO` uses once the virtual name was resolved back: the virtual name
/// when it resolves back to `hostname`; on a mismatch the hostname when `skip_check`
/// (orchestrator's `--skip-unresolve-check`), else the mismatch.
pub fn judge_resolved_back(
    hostname: &str,
    virtual_name: &str,
    resolved_back: &str,
    skip_check: bool,
) -> Result<String, UnresolveMismatch> {
    if resolved_back == hostname {
        Ok(virtual_name.to_string())
    } else if skip_check {
        Ok(hostname.to_string())
    } else {
        Err(UnresolveMismatch {
            hostname: hostname.to_string(),
            virtual_name: virtual_name.to_string(),
            resolved_back: resolved_back.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Proposal;

    #[test]
    fn virtual_names_are_host_names() {
        assert_eq!(validate_virtual_name(" vip.db ").unwrap(), "vip.db");
        assert!(validate_virtual_name("").is_err());
        assert!(validate_virtual_name("a'b").is_err());
        assert!(validate_virtual_name("a b").is_err());
        assert!(validate_virtual_name(&"x".repeat(129)).is_err());
    }

    #[test]
    fn proposals_stamp_and_word_as_orchestrator() {
        let key = InstanceKey::new("db1", 3306).unwrap();
        let p = Proposal::register_hostname_unresolve(key.clone(), "vip1").unwrap();
        assert_eq!(p.done_message(), "Hostname register unresolve completed");
        let env = p.stamp(5_000, 1, 0);
        assert_eq!(env.command.op(), "register-hostname-unresolve");
        let json = serde_json::to_string(&env.command).unwrap();
        assert_eq!(
            json,
            r#"{"op":"register-hostname-unresolve","value":{"key":{"Hostname":"db1","Port":3306},"virtual_name":"vip1","registered_at_ms":5000}}"#
        );
        let d = Proposal::deregister_hostname_unresolve(key);
        assert_eq!(d.done_message(), "Hostname deregister unresolve completed");
        assert_eq!(d.stamp(1, 1, 0).command.op(), "register-hostname-unresolve");
        assert!(Proposal::register_hostname_unresolve(
            InstanceKey::new("db1", 3306).unwrap(),
            "bad name"
        )
        .is_err());
    }

    fn reg(host: &str, name: &str, at: i64) -> HostnameUnresolve {
        HostnameUnresolve {
            hostname: host.into(),
            unresolved_hostname: name.into(),
            registered_at_ms: at,
        }
    }

    #[test]
    fn unresolve_uses_registrations_in_force_only() {
        let regs = [reg("db1", "vip1", 10_000), reg("db2", "db2", 10_000)];
        assert_eq!(virtual_name_for("db1", &regs, 15_000, 5_000), Some("vip1"));
        assert_eq!(virtual_name_for("db1", &regs, 15_001, 5_000), None, "lapsed");
        assert_eq!(virtual_name_for("db2", &regs, 10_000, 5_000), None, "same name");
        assert_eq!(virtual_name_for("db3", &regs, 10_000, 5_000), None, "not registered");
    }

    #[test]
    fn unresolve_resolves_back_or_refuses() {
        assert_eq!(judge_resolved_back("db1", "vip1", "db1", false).unwrap(), "vip1");
        assert_eq!(judge_resolved_back("db1", "vip1", "db9", true).unwrap(), "db1");
        let e = judge_resolved_back("db1", "vip1", "db9", false).unwrap_err();
        assert!(e.to_string().contains("vip1, which resolves to db9, not back to db1"), "{e}");
    }
}
