//! orchestrator-rs node: raft consensus over each node's own backend store, orchestrator's HTTP
//! API, and the Leptos dashboard.
//!
//! Layout (every top-level module of this crate, then the binaries). No import cycle among them
//! (`.ci/module-cycles`):
//! - [`config`]: orchestrator JSON config, validated; [`cli`]: command line;
//!   [`site_options`]: the Leptos site options (`Leptos.toml`, `LEPTOS_*`).
//! - [`store`]: the node's backend DB (SQLite or MySQL): replicated and local tables.
//! - [`raft`]: openraft wiring: durable log, state machine over the store, HTTP network.
//! - [`consensus`]: this node as a raft member (leadership with quorum, fail-stop, peers,
//!   membership changes).
//! - [`node`]: assembly and lifecycle (nothing imports it); [`propose`]: the one write path into
//!   raft; [`batcher`]: folds concurrent proposals into one raft entry on the leader; [`clock`]:
//!   the wall clock proposers stamp commands with (apply never reads one).
//! - [`ports`]: what the HTTP API and the dashboard need from the node, as traits, and their
//!   state ([`ports::AppState`]); [`control_plane`]: what the dashboard calls; [`leadership`] and
//!   [`health`]: background duties.
//! - [`analysis_state`]: the latest analysis, shared by the API, the dashboard and recovery.
//! - [`probe`]: discovery (each node probes the fleet into its own store); [`recovery`]: failure
//!   analysis on every node, and the recoveries the leader runs; [`topology_ops`]: replica
//!   control and relocation the leader runs on MySQL servers; [`hooks`]: orchestrator's
//!   `*Processes` hooks; [`kv`]: KV master discovery through raft, published to ZooKeeper and
//!   Consul.
//! - [`metrics`]: Prometheus metrics (recorded as things happen, and read at scrape time).
//! - [`http`]: `/api` (orchestrator paths), `/internal` (node to node), the dashboard.
//! - [`auth`]: authentication, the one write authorization, the raft port's secret, TLS, CSRF.
//! - [`error`]: the errors at the node's boundaries, and the error policy.
//! - Binaries: `main.rs` is `orchestrator` (the node); under `bin/`, `orchestrator-bench` (the
//!   benchmarks, see `docs/benchmarks.md`), `orchestrator-client` (orchestrator's command-line
//!   client), `orchestrator-seed` (seeds a synthetic fleet for the dashboard benchmark),
//!   `orchestrator-testkit` (the kit for Playwright) and `orchestrator-fleetsim` (a simulated
//!   fleet); `orchestrator-bench`, `orchestrator-testkit` and `orchestrator-fleetsim` need
//!   feature `testkit`.
//! - `testkit` (feature `testkit`, for tests and benchmarks only): MariaDB sandbox, process
//!   cluster, waits with deadlines.

pub mod analysis_state;
pub mod auth;
pub mod batcher;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consensus;
pub mod control_plane;
pub mod error;
pub mod health;
pub mod hooks;
pub mod http;
pub mod kv;
pub mod leadership;
pub mod metrics;
pub mod node;
pub mod ports;
pub mod probe;
pub mod probe_metrics;
pub mod probe_share;
pub mod propose;
pub mod raft;
pub mod recovery;
pub mod site_options;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod topology_ops;
