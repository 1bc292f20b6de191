//! `orchestrator-client` tests: the real client binary against a fake API serving recorded
//! orchestrator replies (output formats, command-line errors, leader discovery, auth, retries),
//! and against a real 3-node cluster of `orchestrator` processes, which every command of the
//! client is run against (`every_command`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod cluster;
mod every_command;
mod fake;
mod formats;
