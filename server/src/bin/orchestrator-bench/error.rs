//! The benchmark's typed errors: what failed in its modules (only `main` erases them).

use std::num::{ParseFloatError, ParseIntError};
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use server::testkit::cluster::ClusterError;
use server::testkit::fleetsim::SimError;
use server::testkit::mariadb;

/// A result of the benchmark's modules.
pub type Result<T> = std::result::Result<T, BenchError>;

/// Why a benchmark step failed. The messages are the error's own; its cause, when there is one,
/// is its [`source`](StdError::source) (print the whole with [`chain`]).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// An option needs a value and has none.
    #[error("{flag} needs a value")]
    MissingValue {
        /// The option.
        flag: String,
    },
    /// An option's value is not a number.
    #[error("not a number: {value:?}")]
    NotANumber {
        /// The value.
        value: String,
        /// Why it does not parse.
        source: NumberError,
    },
    /// An argument is not one of the mode's options.
    #[error("unexpected argument {arg:?}\n\n{usage}")]
    UnexpectedArgument {
        /// The argument.
        arg: String,
        /// The mode's usage text.
        usage: &'static str,
    },
    /// An option's value is out of range, or the options do not fit together.
    #[error("{0}")]
    BadArgument(String),
    /// A benchmarked message does not encode or decode.
    #[error("codec: {0}")]
    Codec(String),
    /// The path of this executable is unknown.
    #[error("locate this executable")]
    CurrentExe(#[source] std::io::Error),
    /// This executable's path has no parent directory.
    #[error("executable has no directory")]
    NoExeDir,
    /// The `orchestrator` binary is not where it was looked for.
    #[error("orchestrator binary not found at {} (build it, or pass --orchestrator-bin)", .path.display())]
    BinaryNotFound {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A file or directory operation failed.
    #[error("{action} {}", .path.display())]
    File {
        /// What was done (`create`, `open`, `write`).
        action: &'static str,
        /// On what.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An I/O operation on no particular path (socket, thread, open file) failed.
    #[error("{what}")]
    Io {
        /// What was done.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// A helper thread panicked.
    #[error("{0} panicked")]
    ThreadPanicked(&'static str),
    /// A measurement produced no samples.
    #[error("no {0} samples")]
    NoSamples(&'static str),
    /// The HTTP client could not be built.
    #[error("build HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// An HTTP request failed before an answer came.
    #[error("GET {url}")]
    Http {
        /// The URL.
        url: String,
        /// The client's error.
        source: reqwest::Error,
    },
    /// An answer's body could not be read.
    #[error("GET {url}: body")]
    HttpBody {
        /// The URL.
        url: String,
        /// The client's error.
        source: reqwest::Error,
    },
    /// An answer had an unexpected status.
    #[error("GET {url}: HTTP {status}{}", colon_prefixed(.body))]
    HttpStatus {
        /// The URL.
        url: String,
        /// Its status.
        status: StatusCode,
        /// The start of its body (may be empty).
        body: String,
    },
    /// An answer's body is not JSON.
    #[error("GET {url}: HTTP {status}, not JSON: {body}")]
    NotJson {
        /// The URL.
        url: String,
        /// Its status.
        status: StatusCode,
        /// The start of its body.
        body: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// No node is leader.
    #[error("no leader")]
    NoLeader,
    /// A node or cluster operation of the test kit failed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// A MariaDB sandbox operation of the test kit failed.
    #[error(transparent)]
    MariaDb(#[from] mariadb::Error),
    /// The simulated fleet could not start.
    #[error("simulated fleet")]
    Fleet(#[from] SimError),
    /// The topology did not look healthy on every node in time.
    #[error("topology not healthy on every node after {after:?}: {last}")]
    NotHealthy {
        /// The deadline.
        after: Duration,
        /// What was last wrong.
        last: String,
    },
    /// Not every node discovered every server in time.
    #[error("not every node discovered all {instances} instances within {deadline:?}: {progress}")]
    NotDiscovered {
        /// Servers to discover.
        instances: usize,
        /// The deadline.
        deadline: Duration,
        /// When each node had, if it had.
        progress: String,
    },
    /// Not every node knew every simulated server as valid in time.
    #[error("not every node knew {instances} valid instances after {deadline:?}")]
    NotKnown {
        /// Servers to know.
        instances: usize,
        /// The deadline.
        deadline: Duration,
    },
    /// After a leader kill, no survivor accepted a write in time.
    #[error("round {round}: no write succeeded within {within:?} after killing node {node}")]
    NoWriteAfterKill {
        /// The round (from 1).
        round: usize,
        /// The deadline.
        within: Duration,
        /// The killed node.
        node: usize,
    },
    /// A replica did not apply the master's last write before the kill.
    #[error("replica {port} did not apply {pos} ({got:?})")]
    NotApplied {
        /// The replica.
        port: u16,
        /// The master's GTID position.
        pos: String,
        /// What `MASTER_GTID_WAIT` answered.
        got: Option<String>,
    },
    /// A failover run hit its deadline before the recovery completed.
    #[error("run {run} did not complete: {reason}; node logs under {}", .logs.display())]
    RunIncomplete {
        /// The run (from 1).
        run: usize,
        /// What was and was not seen.
        reason: String,
        /// The nodes' directories.
        logs: PathBuf,
    },
    /// A step failed in a phase of a benchmark (`before run 3`, `restoring the star after run 3`).
    #[error("{phase}")]
    Phase {
        /// The phase.
        phase: String,
        /// What failed in it.
        source: Box<BenchError>,
    },
    /// A benchmark's set-up precondition failed (an ad-hoc message).
    #[error("{0}")]
    Message(String),
}

impl BenchError {
    /// A closure wrapping an error as failed in `phase`.
    pub fn phase(phase: impl Into<String>) -> impl FnOnce(BenchError) -> BenchError {
        let phase = phase.into();
        move |e| BenchError::Phase { phase, source: Box::new(e) }
    }

    /// A closure wrapping an OS error as `action` on `path` failed.
    pub fn file(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> BenchError {
        let path = path.into();
        move |source| BenchError::File { action, path, source }
    }

    /// A closure wrapping an OS error as `what` failed.
    pub fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> BenchError {
        move |source| BenchError::Io { what, source }
    }
}

/// Why a value is not a number.
#[derive(Debug, thiserror::Error)]
pub enum NumberError {
    /// Not an integer.
    #[error(transparent)]
    Int(#[from] ParseIntError),
    /// Not a decimal number.
    #[error(transparent)]
    Float(#[from] ParseFloatError),
}

/// `: body`, or nothing for an empty body.
fn colon_prefixed(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

pub use server::testkit::error_chain::chain;
