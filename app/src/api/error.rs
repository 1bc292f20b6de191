//! ApiError: what can go wrong between a user action and the raft log, with user-safe messages.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::core::DomainError;

/// Errors of the user-facing API (HTTP and server functions). Each maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum ApiError {
    /// Bad input; nothing was proposed. HTTP 400.
    #[error("{0}")]
    Validation(String),
    /// The caller may not do this. HTTP 403.
    #[error("{0}")]
    Forbidden(String),
    /// Not found. HTTP 404.
    #[error("{0}")]
    NotFound(String),
    /// No leader with a quorum is known, or it could not be reached: nothing was committed and
    /// a retry is safe. HTTP 503 with `Retry-After`.
    #[error("{0}")]
    Unavailable(String),
    /// The command was sent towards the leader but its outcome is unknown: it may or may not be
    /// applied (check before retrying). HTTP 504.
    #[error("{0}")]
    OutcomeUnknown(String),
    /// Anything else; details are in the node's log. HTTP 500.
    #[error("{0}")]
    Internal(String),
    /// Transport-level failure of a server function call (client side).
    #[error("request failed: {0}")]
    Transport(String),
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            ApiError::Validation(_) => 400,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::Unavailable(_) => 503,
            ApiError::OutcomeUnknown(_) => 504,
            ApiError::Internal(_) | ApiError::Transport(_) => 500,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::Validation(e.to_string())
    }
}

/// A topology operation's failure: refusals and lock conflicts are 400 (nothing changed), no
/// leader 503, a failure midway 500 (its message says what was left stopped).
impl From<crate::core::operation_result::OpError> for ApiError {
    fn from(e: crate::core::operation_result::OpError) -> Self {
        use crate::core::operation_result::OpError;
        match e {
            OpError::Refused(_) | OpError::Invalid(_) | OpError::Locked(_) => {
                ApiError::Validation(e.to_string())
            }
            OpError::NotLeader(_) => ApiError::Unavailable(e.to_string()),
            OpError::StillRunning(_) => ApiError::OutcomeUnknown(e.to_string()),
            OpError::Failed { .. } => ApiError::Internal(e.to_string()),
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        ApiError::Transport(value.to_string())
    }
}

/// Parses the `Display` form back (used by server_fn when errors travel as strings).
impl FromStr for ApiError {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ApiError::Internal(s.to_string()))
    }
}

/// Short category name, for logs and the page.
pub struct Kind<'a>(pub &'a ApiError);

impl fmt::Display for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            ApiError::Validation(_) => "invalid input",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not found",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::OutcomeUnknown(_) => "outcome unknown",
            ApiError::Internal(_) => "internal error",
            ApiError::Transport(_) => "transport error",
        })
    }
}
