//! The test kit binary's typed errors: bad arguments, and what failed starting or driving the kit.

use std::num::ParseIntError;
use std::time::Duration;

use server::testkit::cluster::ClusterError;
use server::testkit::mariadb;

/// A result of the binary's modules.
pub type Result<T> = std::result::Result<T, KitError>;

/// Why `up` or a control API call failed. The messages are the error's own; its cause, when
/// there is one, is its [`source`](StdError::source) (print the whole with [`chain`]).
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// An option needs a value and has none.
    #[error("{0} needs a value")]
    MissingValue(String),
    /// An option's value is not a number.
    #[error("{option}")]
    BadNumber {
        /// The option.
        option: &'static str,
        /// Why its value does not parse.
        source: ParseIntError,
    },
    /// An argument is not an option of `up`.
    #[error("unknown option {0:?} (see --help)")]
    UnknownOption(String),
    /// `--backend` is neither `sqlite` nor `mysql`.
    #[error("--backend {0:?}: sqlite or mysql")]
    UnknownBackend(String),
    /// `--env` is not `KEY=VALUE`.
    #[error("--env {0:?}: expected KEY=VALUE")]
    BadEnv(String),
    /// A `--mariadb-topology` spec is not `NAME=shape:N`.
    #[error("{0:?}: expected NAME=star:N or NAME=chain:N")]
    TopologySyntax(String),
    /// A topology shape other than star and chain.
    #[error("unknown topology shape {0:?} (star or chain)")]
    UnknownShape(String),
    /// A topology's server count is not a number.
    #[error("server count in {spec:?}")]
    ServerCount {
        /// The topology spec.
        spec: String,
        /// Why the count does not parse.
        source: ParseIntError,
    },
    /// A topology of no servers.
    #[error("{0:?}: at least one server")]
    EmptyTopology(String),
    /// The MariaDB sandbox could not be made.
    #[error("MariaDB sandbox")]
    Sandbox(#[source] mariadb::Error),
    /// A MariaDB topology could not be started.
    #[error("MariaDB topology {name}")]
    Topology {
        /// Its name.
        name: String,
        /// Why.
        source: mariadb::Error,
    },
    /// A node's backend database could not be made.
    #[error("backend database of node {node}")]
    BackendDb {
        /// The node.
        node: usize,
        /// Why.
        source: mariadb::Error,
    },
    /// The nodes could not be started.
    #[error("start the nodes")]
    StartNodes(#[source] ClusterError),
    /// A node or cluster operation failed (election, spawn, a node that exited).
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// A MariaDB server operation failed.
    #[error(transparent)]
    MariaDb(#[from] mariadb::Error),
    /// The kit was torn down already.
    #[error("torn down")]
    TornDown,
    /// `up` started no nodes.
    #[error("no orchestrator nodes were started")]
    NoNodes,
    /// No node has that index.
    #[error("no node {node} (there are {count})")]
    NoSuchNode {
        /// The index asked for.
        node: usize,
        /// Nodes there are.
        count: usize,
    },
    /// No MariaDB server has that name.
    #[error("no MariaDB server {0:?}")]
    NoSuchServer(String),
    /// The control API knows no such operation.
    #[error("unknown {kind} operation {op:?}")]
    UnknownOperation {
        /// `node` or `MariaDB`.
        kind: &'static str,
        /// The operation asked for.
        op: String,
    },
    /// A restarted node did not become healthy in time.
    #[error("node {node} not healthy after {after:?}")]
    NotHealthy {
        /// The node.
        node: usize,
        /// The deadline.
        after: Duration,
    },
}

pub use server::testkit::error_chain::chain;
