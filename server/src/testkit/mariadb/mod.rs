//! MariaDB sandbox: disposable, real MariaDB servers and replication topologies on 127.0.0.1 (or
//! a network namespace's address), none of which outlives the process that started it.
//!
//! API: [`available`] (why not, to skip), [`Sandbox::new`], [`Sandbox::start`] (n standalone
//! servers), [`Sandbox::star`] (1 master + n-1 replicas), [`Sandbox::stars`], [`Sandbox::chain`] /
//! [`Server::replicate_from`], [`Sandbox::topology`] (a named star or chain whose master holds
//! `meta.cluster(alias)`), [`Sandbox::backend_db`] (orchestrator's `BackendDB: mysql`);
//! [`Sandbox::start_placed`] runs servers in a network namespace on another address
//! ([`Placement`]); [`Sandbox::start_with_cnf`] appends `my.cnf` lines (TLS, `userstat`). On a
//! [`Server`]: `port`, `host`, `key`, `socket`, `sql` (root over the unix socket), `sql_as` (any
//! user over TCP), `slave_status`, `kill9`, `stop`, `restart`, `sigstop`, `sigcont`, `pid`,
//! `is_running`, and over sqlx `connect` / `exec`. [`wait_replicated`] waits on GTIDs;
//! [`orchestrator_keys`] gives a node the credentials and seeds to manage servers.
//!
//! Users: [`ORC_USER`] (ALL privileges, so it bypasses `read_only`), its per-node twins
//! `orc0`..`orc2` (same password, so that `USER_STATISTICS` counts each node's probes apart) and
//! [`REPL_USER`], all `@127.0.0.1`. Replicas use GTID `slave_pos`, `read_only=ON`, heartbeat
//! [`HEARTBEAT_PERIOD`], connect retry 1 s and `slave_net_timeout` [`SLAVE_NET_TIMEOUT`].
//!
//! How it works:
//! * A template datadir is made once with `mariadb-install-db`, users included, so every copy
//!   starts with the same empty GTID state. It is cached on tmpfs (`/dev/shm`, else the temp dir)
//!   under a name hashing the server version and install inputs, shared by threads and processes.
//! * Each [`Server`] gets a `cp -a` of it, its own `my.cnf`, a reserved free port below the
//!   ephemeral range ([`crate::testkit::ports`]) and a `server_id` unique within its [`Sandbox`].
//!   `mariadbd` runs as a direct child, readiness is its greeting on the unix socket, and a start
//!   that dies on a port collision is retried on another port.
//! * Cleanup: dropping a [`Server`] SIGKILLs and reaps it and removes its directory (also while a
//!   panic unwinds). Children get `PR_SET_PDEATHSIG=SIGKILL` ([`crate::testkit::process`]), so
//!   they die with the process even if it is killed; directories left by dead processes are
//!   removed by the next [`Sandbox::new`].
//!
//! Linux only; run as root, as CI does (`user=root` in `my.cnf`).
//!
//! ```ignore
//! use server::testkit::mariadb::{self, wait_replicated, Sandbox};
//! if let Err(why) = mariadb::available() { eprintln!("skipped: {why}"); return; }
//! let sb = Sandbox::new()?;
//! let s = sb.star(3)?;                       // s[0] master, s[1], s[2] replicas (read_only=ON)
//! s[0].sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1)")?;
//! wait_replicated(&s[0], &s[1..])?;
//! s[0].kill9();                              // replicas go to Slave_IO_Running: Connecting
//! ```

use std::time::Duration;

mod backend;
mod client;
mod cnf;
mod error;
mod replication;
mod sandbox;
mod server;
mod template;
mod topology;

pub use backend::BackendDb;
pub use client::{connect, query, scalar, slave_status};
pub use error::Error;
pub use replication::{change_master_sql, wait_replicated};
pub use sandbox::{Placement, Sandbox};
pub use server::Server;
pub use topology::{orchestrator_keys, Shape, Topology};

/// Admin user (ALL PRIVILEGES WITH GRANT OPTION) for the product under test, over TCP from
/// 127.0.0.1.
pub const ORC_USER: &str = "orc";
/// Password of [`ORC_USER`] (and of its per-node twins `orc0`..).
pub const ORC_PASSWORD: &str = "orcpass";
/// Per-node twins of [`ORC_USER`]: `orc0`..`orc{NODE_USERS - 1}`.
pub const NODE_USERS: usize = 3;
/// Replication user used by [`Server::replicate_from`].
pub const REPL_USER: &str = "repl";
/// Password of [`REPL_USER`].
pub const REPL_PASSWORD: &str = "replpass";
/// `slave_net_timeout` of every server (seconds): a hung master is noticed after this long.
pub const SLAVE_NET_TIMEOUT: u32 = 2;
/// `MASTER_HEARTBEAT_PERIOD` of every replica (seconds).
pub const HEARTBEAT_PERIOD: &str = "0.5";
/// Default deadline for starts, replication set-up and [`wait_replicated`].
pub const TIMEOUT: Duration = Duration::from_secs(60);

const INSTALL_HINT: &str = "apt-get install mariadb-server mariadb-client";

/// `Ok` if `mariadbd`, `mariadb-install-db` and `mariadb` are installed, else why not (tests
/// print the reason and skip).
pub fn available() -> Result<(), String> {
    ["mariadbd", "mariadb-install-db", "mariadb"]
        .into_iter()
        .find(|name| crate::testkit::process::find_program(name).is_none())
        .map_or(Ok(()), |name| Err(format!("{name} is not installed ({INSTALL_HINT})")))
}
