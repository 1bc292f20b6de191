//! Failover tests: a real 3-node orchestrator cluster (processes) managing real MariaDB
//! replication topologies on loopback. One scenario per file; each waits on conditions with
//! deadlines. Skipped with a printed reason when MariaDB is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use server::testkit::fleet::Fleet;

mod metrics;
mod t10_dead_master_fails_over_once;
mod t20_downtimed_master_is_not_recovered;
mod t30_second_failure_blocked_until_acknowledged;
mod t40_hung_master_is_unreachable_not_dead;
mod t50_dead_intermediate_master;
mod t60_graceful_takeover;
mod t70_manual_recover_through_the_client;
mod t80_force_master_takeover;
mod t90_recovery_names_the_virtual_master;

/// Runs `orchestrator-client` with `ORCHESTRATOR_API` listing every node; (exit code, stdout
/// trimmed, stderr).
fn client(f: &Fleet, args: &[&str]) -> (i32, String, String) {
    let apis = f.orc.urls().join(" ");
    let out = Command::new(env!("CARGO_BIN_EXE_orchestrator-client"))
        .args(args)
        .env("ORCHESTRATOR_API", apis)
        .output()
        .expect("run orchestrator-client");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
