//! Multi-process tests: real `orchestrator` binaries on loopback, SQLite and MySQL backends,
//! kill -9, restart, and the binary's fatal start-up conditions.

mod harness;
#[path = "../support/mariadb.rs"]
#[allow(dead_code)]
mod mariadb;

mod bad_start;
mod backend_loss;
mod kill_leader;
