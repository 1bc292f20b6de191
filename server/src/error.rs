//! Errors at the node's boundaries, and the error policy.
//!
//! Policy: every module boundary where callers branch returns a `thiserror` enum (`ConfigError`,
//! `StoreError`, `LogOpenError`, `ProposeError`, `StartError`). User-facing failures become
//! `app::api::ApiError`, whose messages are safe to show; internals are logged, not leaked.
//! `anyhow` is used only in `main.rs` and tests.

use thiserror::Error;

use crate::config::ConfigError;
use crate::raft::disk_state::{DirError, DiskError};
use crate::raft::log_store::LogOpenError;
use crate::raft::open::OpenError;
use crate::raft::seed::SeedError;
use crate::store::StoreError;

/// Why a node could not start. Each is fatal: the binary exits non-zero with this message.
#[derive(Debug, Error)]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The backend DB cannot be reached or set up.
    #[error("cannot reach backend DB: {0}")]
    Backend(StoreError),
    /// The backend DB's data is damaged (never started on: see `StoreError::Corrupt`).
    #[error("refusing to start: {0}")]
    BackendCorrupt(StoreError),
    /// The raft log or vote cannot be opened.
    #[error("cannot set up raft: {0}")]
    RaftLog(#[from] LogOpenError),
    /// `RaftDataDir` is in use or unusable.
    #[error("cannot set up raft: {0}")]
    RaftDir(#[from] DirError),
    /// Raft state is partly missing or contradicts the backend (see `raft::disk_state`).
    #[error("refusing to start: {0}")]
    RaftState(#[from] DiskError),
    /// Raft itself refused to start (bad config, unreadable state machine or snapshot).
    #[error("cannot set up raft: {0}")]
    Raft(String),
    /// A listener could not be bound.
    #[error("cannot bind {what} on {addr}: {source}")]
    Bind {
        /// `RaftBind` or `ListenAddress`.
        what: &'static str,
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
}

impl From<OpenError> for StartError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Dir(e) => StartError::RaftDir(e),
            OpenError::State(e) => StartError::RaftState(e),
            OpenError::Log(e) => StartError::RaftLog(e),
            OpenError::Backend(e) => e.into(),
            OpenError::StateMachine(m) => StartError::Raft(m),
        }
    }
}

impl From<SeedError> for StartError {
    fn from(e: SeedError) -> Self {
        StartError::Raft(e.to_string())
    }
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        if e.is_corruption() {
            StartError::BackendCorrupt(e)
        } else {
            StartError::Backend(e)
        }
    }
}

/// Logs an internal error and returns a user-safe one.
pub fn internal(e: impl std::fmt::Display) -> app::api::ApiError {
    tracing::error!(error = %e, "internal error");
    app::api::ApiError::Internal("internal error; see the node's log".into())
}
