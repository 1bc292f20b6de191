//! Errors of the MariaDB sandbox.

use crate::testkit::process::RunError;
use crate::testkit::TimedOut;

/// Why a sandbox operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// MariaDB is not installed.
    #[error("MariaDB is not available: {0}")]
    NotInstalled(String),
    /// A file, directory or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A command (the `mariadb` client, `mariadb-install-db`, `cp`) failed.
    #[error(transparent)]
    Command(#[from] RunError),
    /// A server misbehaved (exited, never became ready, did not replicate).
    #[error("{server}: {message}")]
    Server {
        /// The server (`n<id> (port P)`).
        server: String,
        /// What happened, with its log tail when there is one.
        message: String,
    },
    /// A query over sqlx failed.
    #[error("{what}: {source}")]
    Sql {
        /// The statement or connection.
        what: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A wait ran out of time.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    /// A caller passed something unusable (e.g. a database name).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub(super) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }
}
