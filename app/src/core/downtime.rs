//! Downtime: an instance silenced for automated recovery until a stamped end time.

use serde::{Deserialize, Serialize};

use crate::core::duration::parse_duration_ms;
use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;

/// Orchestrator's default downtime when no duration is given: 10 minutes.
pub const DEFAULT_DOWNTIME_MS: i64 = 10 * 60 * 1000;
/// Longest owner or reason accepted.
pub const MAX_TEXT_LEN: usize = 256;

/// A downtime as replicated through raft: both ends are stamped by the proposer so that
/// applying it is deterministic on every node, whenever it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Downtime {
    /// The silenced instance.
    pub key: InstanceKey,
    /// Who asked.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// Start (unix ms, proposer's clock).
    pub begins_at_ms: i64,
    /// End (unix ms, proposer's clock).
    pub ends_at_ms: i64,
}

impl Downtime {
    /// Whether the downtime is in force at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.begins_at_ms <= now_ms && now_ms < self.ends_at_ms
    }
}

/// A validated request to begin a downtime, before the proposer stamps its times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DowntimeRequest {
    /// The instance to silence.
    pub key: InstanceKey,
    /// Who asks (non-empty).
    pub owner: String,
    /// Why (non-empty).
    pub reason: String,
    /// Length in milliseconds.
    pub duration_ms: i64,
}

impl DowntimeRequest {
    /// Validates raw API/form input. `duration` is orchestrator's simple duration text; empty
    /// means the 10-minute default.
    pub fn parse(
        key: InstanceKey,
        owner: &str,
        reason: &str,
        duration: &str,
    ) -> Result<Self, DomainError> {
        let owner = validate_text("owner", owner)?;
        let reason = validate_text("reason", reason)?;
        let duration_ms = parse_duration_ms(duration)?.unwrap_or(DEFAULT_DOWNTIME_MS);
        Ok(DowntimeRequest { key, owner, reason, duration_ms })
    }

    /// Stamps the times on the proposing node.
    pub fn stamp(self, now_ms: i64) -> Downtime {
        Downtime {
            key: self.key,
            owner: self.owner,
            reason: self.reason,
            begins_at_ms: now_ms,
            ends_at_ms: now_ms.saturating_add(self.duration_ms),
        }
    }
}

/// Owners and reasons: non-empty after trimming, at most [`MAX_TEXT_LEN`] characters, printable.
pub fn validate_text(field: &str, value: &str) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::field(field, "must not be empty"));
    }
    if value.chars().count() > MAX_TEXT_LEN {
        return Err(DomainError::field(field, format!("longer than {MAX_TEXT_LEN} characters")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(DomainError::field(field, "control characters are not allowed"));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> InstanceKey {
        InstanceKey::new("db1", 3306).unwrap()
    }

    #[test]
    fn default_duration_is_ten_minutes() {
        let req = DowntimeRequest::parse(key(), "ops", "upgrade", "").unwrap();
        let d = req.stamp(1_000);
        assert_eq!(d.ends_at_ms - d.begins_at_ms, DEFAULT_DOWNTIME_MS);
        assert!(d.is_active(1_000));
        assert!(!d.is_active(1_000 + DEFAULT_DOWNTIME_MS));
    }

    #[test]
    fn refuses_bad_input() {
        assert!(DowntimeRequest::parse(key(), "", "r", "").is_err());
        assert!(DowntimeRequest::parse(key(), "o", "  ", "").is_err());
        assert!(DowntimeRequest::parse(key(), "o", "r", "10x").is_err());
        assert!(DowntimeRequest::parse(key(), &"x".repeat(300), "r", "").is_err());
        assert!(DowntimeRequest::parse(key(), "o\n", "r\u{7}", "").is_err());
    }
}
