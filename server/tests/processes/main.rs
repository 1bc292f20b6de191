//! Multi-process tests: real `orchestrator` binaries on loopback, SQLite and MySQL backends,
//! kill -9, restart, and the binary's fatal start-up conditions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
#[path = "../support/mariadb/mod.rs"]
mod mariadb;

mod backend_loss;
mod bad_start;
mod disk_loss;
mod kill_leader;

/// A MariaDB server with one backend database per node (3), or `None` (printed) without MariaDB.
fn mysql_backends(
    test: &str,
) -> Option<(mariadb::Sandbox, Vec<mariadb::BackendDb>, Vec<harness::Backend>)> {
    if let Err(why) = mariadb::Sandbox::available() {
        eprintln!("SKIPPED {test}: MariaDB is not installed ({why})");
        return None;
    }
    let sandbox = mariadb::Sandbox::new().expect("sandbox");
    let dbs: Vec<mariadb::BackendDb> = (0..3)
        .map(|i| sandbox.backend_db(&format!("orchestrator{i}")).expect("backend db"))
        .collect();
    let backends = dbs
        .iter()
        .map(|d| {
            harness::Backend::MySql(d.port, d.database.clone(), d.user.clone(), d.password.clone())
        })
        .collect();
    Some((sandbox, dbs, backends))
}
