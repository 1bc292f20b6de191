//! The downtime view: one active downtime, as the API and the dashboard list it.

use serde::{Deserialize, Serialize};

/// An active downtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DowntimeView {
    /// `host`.
    pub hostname: String,
    /// `port`.
    pub port: u16,
    /// Who set it.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// Start, unix ms.
    pub begins_at_ms: i64,
    /// End, unix ms.
    pub ends_at_ms: i64,
}

impl From<&crate::core::Downtime> for DowntimeView {
    fn from(d: &crate::core::Downtime) -> Self {
        DowntimeView {
            hostname: d.key.hostname.clone(),
            port: d.key.port,
            owner: d.owner.clone(),
            reason: d.reason.clone(),
            begins_at_ms: d.begins_at_ms,
            ends_at_ms: d.ends_at_ms,
        }
    }
}
