//! Validation errors of the domain: each names the offending field and why.

use thiserror::Error;

/// A user-supplied value that the domain refuses. Carried to HTTP as a 400.
#[derive(Debug, Clone, PartialEq, Eq, Error, serde::Serialize, serde::Deserialize)]
pub enum DomainError {
    /// A field is empty, too long, or has characters we do not accept.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The parameter name as the user sees it (`hostname`, `owner`, ...).
        field: String,
        /// Why the value was refused.
        reason: String,
    },
    /// A duration such as `10x` that is not `<number>[s|m|h|d]`.
    #[error("invalid duration {value:?}: expected a number with an optional unit s, m, h or d (e.g. 30s, 10m, 2h, 1d)")]
    InvalidDuration {
        /// The text as given.
        value: String,
    },
    /// A promotion rule outside prefer / neutral / prefer_not / must_not.
    #[error(
        "invalid promotion rule {value:?}: expected one of prefer, neutral, prefer_not, must_not"
    )]
    InvalidPromotionRule {
        /// The text as given.
        value: String,
    },
}

impl DomainError {
    /// Shorthand for [`DomainError::InvalidField`].
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        DomainError::InvalidField { field: field.to_string(), reason: reason.into() }
    }
}
