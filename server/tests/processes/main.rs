//! Multi-process tests: real `orchestrator` binaries on loopback, SQLite and MySQL backends,
//! kill -9, restart, and the binary's fatal start-up conditions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
#[path = "../support/mariadb.rs"]
mod mariadb;

mod bad_start;
mod backend_loss;
mod kill_leader;
