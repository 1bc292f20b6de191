//! Maintenance: a lock on an instance that says "someone is changing this server now".
//! Operators take it (`begin-maintenance`) and every topology operation takes it on the
//! instances it touches for its duration, as orchestrator does; a second taker is refused.
//! It is bounded (orchestrator's `MaintenanceExpireMinutes`, 10 minutes), so a lock whose
//! holder died (a leader killed mid-operation) lapses by itself and is never stuck.

use serde::{Deserialize, Serialize};

use crate::core::downtime::validate_text;
use crate::core::duration::parse_duration_ms;
use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;

/// orchestrator's `MaintenanceExpireMinutes` default: a lock lapses after 10 minutes.
pub const DEFAULT_MAINTENANCE_MS: i64 = 10 * 60 * 1000;
/// The owner of the locks topology operations take (orchestrator's `MaintenanceOwner`).
pub const OPERATION_OWNER: &str = "orchestrator";

/// A maintenance lock as replicated: times stamped by the proposer, `id` assigned when applied
/// (the next number after the largest known, the same on every node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    /// orchestrator's `MaintenanceId` (0 in the command; set by the apply).
    pub id: u64,
    /// The locked instance.
    pub key: InstanceKey,
    /// Who holds it.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// When it was taken (unix ms, proposer's clock).
    pub begins_at_ms: i64,
    /// When it lapses unless ended before (unix ms).
    pub ends_at_ms: i64,
    /// When it was ended explicitly, if it was.
    pub ended_at_ms: Option<i64>,
}

impl Maintenance {
    /// Whether the lock is held at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.ended_at_ms.is_none() && self.begins_at_ms <= now_ms && now_ms < self.ends_at_ms
    }
}

/// A validated request to take a maintenance lock, before the proposer stamps its times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceRequest {
    /// The instance.
    pub key: InstanceKey,
    /// Who asks (non-empty).
    pub owner: String,
    /// Why (non-empty).
    pub reason: String,
    /// How long before it lapses.
    pub duration_ms: i64,
}

impl MaintenanceRequest {
    /// Validates raw input; an empty `duration` is the 10-minute default.
    pub fn parse(
        key: InstanceKey,
        owner: &str,
        reason: &str,
        duration: &str,
    ) -> Result<Self, DomainError> {
        let owner = validate_text("owner", owner)?;
        let reason = validate_text("reason", reason)?;
        let duration_ms = parse_duration_ms(duration)?.unwrap_or(DEFAULT_MAINTENANCE_MS);
        Ok(MaintenanceRequest { key, owner, reason, duration_ms })
    }

    /// Stamps the times on the proposing node.
    pub fn stamp(self, now_ms: i64) -> Maintenance {
        Maintenance {
            id: 0,
            key: self.key,
            owner: self.owner,
            reason: self.reason,
            begins_at_ms: now_ms,
            ends_at_ms: now_ms.saturating_add(self.duration_ms),
            ended_at_ms: None,
        }
    }
}

/// Which lock an `end-maintenance` ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceEnd {
    /// Whatever lock the instance holds (`end-maintenance/:host/:port`).
    Key(InstanceKey),
    /// The lock with this id (`end-maintenance/:maintenanceKey`).
    Id(u64),
    /// The lock an operation took, identified by its instance and start: never someone else's
    /// lock taken after this one lapsed.
    Lock {
        /// The instance.
        key: InstanceKey,
        /// When the operation took it.
        begins_at_ms: i64,
    },
}

impl MaintenanceEnd {
    /// Parses orchestrator's numeric `maintenanceKey`.
    pub fn id(text: &str) -> Result<Self, DomainError> {
        text.trim()
            .parse::<u64>()
            .map(MaintenanceEnd::Id)
            .map_err(|_| DomainError::field("maintenanceKey", format!("{text:?} is not a number")))
    }

    /// Whether `m` is the lock this selects.
    pub fn selects(&self, m: &Maintenance) -> bool {
        match self {
            MaintenanceEnd::Key(key) => &m.key == key,
            MaintenanceEnd::Id(id) => m.id == *id,
            MaintenanceEnd::Lock { key, begins_at_ms } => {
                &m.key == key && m.begins_at_ms == *begins_at_ms
            }
        }
    }
}

impl std::fmt::Display for MaintenanceEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaintenanceEnd::Key(key) | MaintenanceEnd::Lock { key, .. } => write!(f, "{key}"),
            MaintenanceEnd::Id(id) => write!(f, "{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> InstanceKey {
        InstanceKey::new("db1", 3306).unwrap()
    }

    #[test]
    fn locks_lapse_and_end() {
        let m = MaintenanceRequest::parse(key(), "ops", "swap disk", "").unwrap().stamp(1_000);
        assert_eq!(m.ends_at_ms, 1_000 + DEFAULT_MAINTENANCE_MS);
        assert!(m.is_active(1_000) && !m.is_active(m.ends_at_ms));
        let ended = Maintenance { ended_at_ms: Some(2_000), ..m.clone() };
        assert!(!ended.is_active(1_500));
        assert!(MaintenanceEnd::Key(key()).selects(&m));
        assert!(MaintenanceEnd::Lock { key: key(), begins_at_ms: 1_000 }.selects(&m));
        assert!(!MaintenanceEnd::Lock { key: key(), begins_at_ms: 999 }.selects(&m));
    }

    #[test]
    fn refuses_bad_input() {
        assert!(MaintenanceRequest::parse(key(), "", "r", "").is_err());
        assert!(MaintenanceRequest::parse(key(), "o", "r", "5x").is_err());
        assert!(MaintenanceEnd::id("12").is_ok());
        assert!(MaintenanceEnd::id("x").is_err());
    }
}
