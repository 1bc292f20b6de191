//! Promotion rules (`prefer` > `neutral` > `prefer_not` > `must_not`) and candidate registration.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;

/// How much an instance is wanted as a promotion candidate, in orchestrator's words.
/// The declaration order is the preference order (best first), so `Ord` sorts best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionRule {
    /// Promote this one if it is as good as the others.
    Prefer,
    /// No opinion (the default for unregistered instances).
    Neutral,
    /// Promote only when nothing better exists.
    PreferNot,
    /// Never promote.
    MustNot,
}

impl PromotionRule {
    /// Every rule, best first.
    pub const ALL: [PromotionRule; 4] = [
        PromotionRule::Prefer,
        PromotionRule::Neutral,
        PromotionRule::PreferNot,
        PromotionRule::MustNot,
    ];

    /// The rule's orchestrator name.
    pub fn as_str(self) -> &'static str {
        match self {
            PromotionRule::Prefer => "prefer",
            PromotionRule::Neutral => "neutral",
            PromotionRule::PreferNot => "prefer_not",
            PromotionRule::MustNot => "must_not",
        }
    }
}

impl fmt::Display for PromotionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PromotionRule {
    type Err = DomainError;

    /// Parses orchestrator's names. `must` exists in orchestrator's code but is refused there
    /// as unsupported, and so it is here.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PromotionRule::ALL
            .into_iter()
            .find(|rule| rule.as_str() == s)
            .ok_or_else(|| DomainError::InvalidPromotionRule { value: s.to_string() })
    }
}

/// Default lifetime of a registration (`CandidateInstanceExpireMinutes`, 60).
pub const DEFAULT_CANDIDATE_EXPIRE_MS: i64 = 60 * 60 * 1000;

/// A `register-candidate` instruction, stamped by the proposing node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateRegistration {
    /// The instance the rule applies to.
    pub key: InstanceKey,
    /// The rule.
    pub promotion_rule: PromotionRule,
    /// When the proposer registered it (unix ms).
    pub last_suggested_ms: i64,
    /// When it stops applying (unix ms).
    pub expires_at_ms: i64,
}

impl CandidateRegistration {
    /// Whether the registration still applies at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_refuses_must() {
        for rule in PromotionRule::ALL {
            assert_eq!(rule.as_str().parse::<PromotionRule>().unwrap(), rule);
        }
        assert!("must".parse::<PromotionRule>().is_err());
        assert!("PREFER".parse::<PromotionRule>().is_err());
    }

    #[test]
    fn orders_best_first() {
        let mut rules = vec![
            PromotionRule::MustNot,
            PromotionRule::Prefer,
            PromotionRule::PreferNot,
            PromotionRule::Neutral,
        ];
        rules.sort();
        assert_eq!(rules, PromotionRule::ALL.to_vec());
    }

    #[test]
    fn serializes_as_orchestrator_names() {
        assert_eq!(serde_json::to_string(&PromotionRule::PreferNot).unwrap(), "\"prefer_not\"");
    }
}
