//! Multi-process tests: real `orchestrator` binaries on loopback, SQLite and MySQL backends,
//! kill -9, restart, and the binary's fatal start-up conditions. Processes and MariaDB servers
//! come from the test kit (`server::testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod add_peer_bench;
mod backend_loss;
mod bad_start;
mod disk_loss;
mod fail_stop;
mod kill_leader;
mod membership;
mod metrics;
mod probe_sharing;
mod quorum_on_simulated_fleet;
mod reload;
mod url_prefix;
mod wal_bound;

use server::testkit::cluster::Backend;
use server::testkit::mariadb::{self, BackendDb, Sandbox};

/// A MariaDB server with one backend database per node (3), or `None` (printed) without MariaDB.
fn mysql_backends(test: &str) -> Option<(Sandbox, Vec<BackendDb>, Vec<Backend>)> {
    if let Err(why) = mariadb::available() {
        eprintln!("SKIPPED {test}: MariaDB is not installed ({why})");
        return None;
    }
    let sandbox = Sandbox::new().expect("sandbox");
    let dbs: Vec<BackendDb> = (0..3)
        .map(|i| sandbox.backend_db(&format!("orchestrator{i}")).expect("backend db"))
        .collect();
    let backends = dbs.iter().map(BackendDb::backend).collect();
    Some((sandbox, dbs, backends))
}
