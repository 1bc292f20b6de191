//! Failures of orchestrator-client and their exit codes: 2 for a bad command line (nothing was
//! sent), 1 for everything that happened while talking to the API.

/// Everything that can stop the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Unknown command or option, missing or invalid flag value.
    #[error("{0}")]
    Usage(String),
    /// The API answered with an error; the text is its `Message` (printed without prefix).
    #[error("{0}")]
    Api(String),
    /// With several endpoints, none is the leader and none can route to it.
    #[error("Cannot determine leader from {apis} ({detail})")]
    NoLeader {
        /// The endpoints tried, space separated (credentials removed).
        apis: String,
        /// What each endpoint answered on its last check.
        detail: String,
    },
    /// The chosen endpoint could not be reached, retries included.
    #[error(
        "Cannot access orchestrator at {api}: {reason}. \
         Check ORCHESTRATOR_API is configured correctly and orchestrator is running"
    )]
    Unreachable {
        /// The endpoint (credentials removed).
        api: String,
        /// The last transport error.
        reason: String,
    },
    /// The API answered something this client cannot read.
    #[error("unexpected response from {url}: {what}")]
    Unexpected {
        /// The URL called (credentials removed).
        url: String,
        /// What was wrong with it.
        what: String,
    },
    /// `raft-elect-leader` could not find the raft leader to ask.
    #[error("Cannot determine raft state: {0}")]
    RaftState(String),
    /// Bad configuration found before any request (endpoint list, auth settings).
    #[error("{0}")]
    Setup(String),
}

impl ClientError {
    /// Process exit code: 2 for usage errors, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// The line printed on stderr: API messages as the API wrote them, the rest prefixed.
    pub fn stderr_line(&self) -> String {
        match self {
            ClientError::Api(message) => message.clone(),
            ClientError::Usage(message) => {
                format!("orchestrator-client: {message} (see orchestrator-client --help)")
            }
            other => format!("orchestrator-client: {other}"),
        }
    }
}
