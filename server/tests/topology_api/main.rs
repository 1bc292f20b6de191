//! The topology read API against real processes: 3 `orchestrator` nodes (raft, SQLite backends)
//! each discovering real MariaDB topologies on loopback by themselves, read through orchestrator's
//! paths and JSON field names, and through the real `orchestrator-client` binary.
//! Recovery is not configured (no `RecoverMasterClusterFilters`), so a dead master is only
//! analyzed, never failed over. Every wait has a deadline; skipped (reason printed) when MariaDB
//! is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod setup;

mod t10_reads_on_every_node;
mod t20_dead_master_is_analyzed_on_every_node;
mod t30_discovery_metrics;
mod t40_history_and_unresolve;
