//! Errors of the process cluster.

use std::path::PathBuf;

use crate::testkit::TimedOut;

/// Why a cluster operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The `orchestrator` binary is missing.
    #[error("orchestrator binary not found ({0}); build it, or pass its path")]
    BinaryNotFound(String),
    /// The extra config keys are not a JSON object (or its inside).
    #[error("extra config keys are not JSON object members: {0}")]
    Config(String),
    /// A file, directory or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
    /// The node is running already.
    #[error("node {node} is already running")]
    AlreadyRunning {
        /// Its index.
        node: usize,
    },
    /// A node that should run exited.
    #[error("node {node} exited ({status}); see {}:\n{tail}", .log.display())]
    Exited {
        /// Its index.
        node: usize,
        /// Its exit status.
        status: String,
        /// Its log file.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// A wait ran out of time.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl ClusterError {
    pub(super) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
        let what = what.into();
        move |source| ClusterError::Io { what, source }
    }
}
