//! Test kit (cargo feature `testkit`, off by default): the one set of helpers that the Rust
//! tests, `orchestrator-bench` and the Playwright suite (through `orchestrator-testkit`) use to
//! start real things and wait on them.
//!
//! * [`wait`]: poll a condition with a deadline ([`wait_until`], [`wait_for`], [`Wait`]): the
//!   only synchronisation the tests use, never a fixed sleep.
//! * [`mariadb`]: disposable `mariadbd` servers on free ports in temp dirs, GTID replication
//!   topologies, backend databases for the nodes ([`mariadb::Sandbox`]).
//! * [`cluster`]: N real `orchestrator` processes ([`cluster::ProcCluster`]) with SQLite or MySQL
//!   backends: spawn, kill -9, stop, wait for exit, HTTP reads, leadership and convergence waits.
//! * [`fleet`]: a MariaDB topology managed by a 3-node cluster (failover and refactoring tests).
//! * [`in_process`]: the HTTP router over fakes of the raft-facing ports (router tests).
//! * [`fleetsim`]: thousands of simulated MySQL/MariaDB servers speaking the wire protocol (scale).
//! * [`every_command`]: one command of every kind, for comparing apply paths and backends.
//! * [`promtool`]: Prometheus's `promtool check metrics` over a node's `/metrics`.
//! * [`process`] and [`ports`]: what both build on: children that die with this process,
//!   signals, program lookup, log tails, reserved ports.
//!
//! Conventions: fallible operations return typed errors ([`mariadb::Error`],
//! [`cluster::ClusterError`], [`TimedOut`]; cluster operations that can fail have a `try_` form),
//! while the plain helpers meant for tests panic with a message naming what failed.

pub mod cluster;
pub mod error_chain;
pub mod every_command;
pub mod fleet;
pub mod fleetsim;
pub mod in_process;
pub mod mariadb;
pub mod ports;
pub mod process;
pub mod promtool;
pub mod wait;

pub use wait::{wait_for, wait_until, TimedOut, Wait};
