//! Process cluster: N real `orchestrator --config FILE http` processes, each with its own
//! directory `n<i>/` (config `orchestrator.conf.json`, `raft/`, SQLite file `orchestrator.db`,
//! `node.log`), on reserved loopback ports unless told otherwise, with SQLite or MySQL backends
//! and extra config keys. Driven over HTTP; killed with SIGKILL, stopped with SIGTERM, restarted
//! on the same data. Nodes die with the process that started them (even when it is killed), and
//! dropping the cluster kills them (dumping their logs' tails if a test is panicking).
//!
//! ```ignore
//! use server::testkit::cluster::{Backend, ProcCluster};
//! let mut c = ProcCluster::start(vec![Backend::Sqlite; 3], r#""RaftElectionTimeoutMillis": 300"#);
//! let leader = c.wait_for_leader(&c.all()).await;
//! c.kill9(leader);
//! ```

use std::time::Duration;

mod backend;
mod binary;
mod config;
mod error;
mod node;
mod probes;
mod proc_cluster;
mod spec;
mod waits;

pub use backend::Backend;
pub use binary::{orchestrator_binary, run_once};
pub use config::parse_extra;
pub use error::ClusterError;
pub use proc_cluster::ProcCluster;
pub use spec::{ClusterSpec, Launcher, NodeAddr, NodeExtra};

/// Default deadline for cluster-level conditions (elections, convergence).
pub const DEADLINE: Duration = Duration::from_secs(30);
/// `RUST_LOG` of the nodes unless the spec says otherwise.
pub const NODE_LOG: &str = "info,openraft=warn,sqlx=warn";
