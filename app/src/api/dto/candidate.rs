//! The candidate view: one active promotion-rule registration, as the API and dashboard list it.

use serde::{Deserialize, Serialize};

/// An active promotion-rule registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateView {
    /// `host`.
    pub hostname: String,
    /// `port`.
    pub port: u16,
    /// `prefer`, `neutral`, `prefer_not` or `must_not`.
    pub promotion_rule: String,
    /// When it was registered, unix ms.
    pub last_suggested_ms: i64,
    /// When it expires, unix ms.
    pub expires_at_ms: i64,
}

impl From<&crate::core::CandidateRegistration> for CandidateView {
    fn from(c: &crate::core::CandidateRegistration) -> Self {
        CandidateView {
            hostname: c.key.hostname.clone(),
            port: c.key.port,
            promotion_rule: c.promotion_rule.to_string(),
            last_suggested_ms: c.last_suggested_ms,
            expires_at_ms: c.expires_at_ms,
        }
    }
}
