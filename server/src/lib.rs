//! orchestrator-rs node: raft consensus over each node's own backend store, orchestrator's HTTP
//! API, and the Leptos dashboard.
//!
//! Layout:
//! - [`config`]: orchestrator JSON config, validated; [`cli`]: command line.
//! - [`store`]: the node's backend DB (SQLite or MySQL): replicated and local tables.
//! - [`raft`]: openraft wiring: durable log, state machine over the store, HTTP network.
//! - [`node`]: assembly and lifecycle; [`propose`]: the one write path into raft;
//!   [`control_plane`]: what the dashboard and the API call; [`leadership`] and [`health`]:
//!   background duties; [`probe`]: discovery (each node probes the fleet into its own store).
//! - [`http`]: `/api` (orchestrator paths), `/internal` (node to node), the dashboard.
//! - [`auth`]: authentication, the one write authorization, the raft port's secret, TLS, CSRF.
//! - `testkit` (feature `testkit`, for tests and benchmarks only): MariaDB sandbox, process
//!   cluster, waits with deadlines.

pub mod auth;
pub mod batcher;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control_plane;
pub mod error;
pub mod health;
pub mod http;
pub mod leadership;
pub mod node;
pub mod probe;
pub mod propose;
pub mod raft;
pub mod recovery;
pub mod site_options;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
