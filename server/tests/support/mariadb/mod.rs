//! Test support with one job: start disposable, real MariaDB servers and replication topologies
//! on 127.0.0.1 for integration tests, and make sure none of them outlives the test.
//!
//! API: [`Sandbox::available`] (skip reason), [`Sandbox::new`], [`Sandbox::start`] (n standalone
//! servers), [`Sandbox::star`] (1 master + n-1 replicas), [`Sandbox::chain`] /
//! [`Server::replicate_from`], [`Sandbox::backend_db`]; [`Sandbox::start_placed`] /
//! [`Sandbox::backend_db_placed`] run servers inside a network namespace on another address
//! ([`Placement`]); [`Sandbox::start_with_cnf`] appends my.cnf lines (e.g. TLS); on a
//! [`Server`]: `port`, `host`, `socket`, `sql`
//! (root via the unix socket), `sql_as` (any user over TCP), `slave_status`, `kill9`, `stop`,
//! `restart`, `sigstop`, `sigcont`, `pid`, `is_running`; helpers [`wait_until`] and
//! [`wait_replicated`]. Users: [`ORC_USER`] (ALL privileges, so it bypasses `read_only`) and
//! [`REPL_USER`], both `@127.0.0.1`. Replicas use GTID `slave_pos`, `read_only=ON`, heartbeat
//! [`HEARTBEAT_PERIOD`], connect retry 1 s and `slave_net_timeout` [`SLAVE_NET_TIMEOUT`].
//!
//! How it works:
//! * A template datadir is made once with `mariadb-install-db`, users included, so every copy
//!   starts with the same empty GTID state. It is cached on tmpfs (`/dev/shm`, else the temp dir)
//!   under a name hashing the server version and install inputs, shared by threads and binaries.
//! * Each [`Server`] gets a `cp -a` of it, its own `my.cnf`, a free port in 20000..(ephemeral
//!   range) found at run time, and a `server_id` unique within its [`Sandbox`]. `mariadbd` runs as a
//!   direct child (reaped with `wait`), readiness is its greeting on the unix socket, and a start
//!   that dies on a port collision is retried on another port.
//! * Cleanup: dropping a [`Server`] SIGKILLs and reaps it and removes its directory (also while a
//!   panic unwinds). Servers are spawned from one long-lived thread with `PR_SET_PDEATHSIG=SIGKILL`,
//!   so they die with the test process even if it is killed. Directories left by dead test
//!   processes are removed by the next [`Sandbox::new`].
//!
//! Linux (x86_64/aarch64 signal numbers); run as root, as CI does (`user=root` in `my.cnf`).
//!
//! ```ignore
//! #[path = "support/mariadb/mod.rs"] mod mariadb;   // or `mod support;` + `support::mariadb`
//! use mariadb::{wait_replicated, Sandbox};
//! if let Err(why) = Sandbox::available() { eprintln!("skipped: {why}"); return; }
//! let sb = Sandbox::new()?;
//! let s = sb.star(3)?;                       // s[0] master, s[1], s[2] replicas (read_only=ON)
//! s[0].sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1)")?;
//! wait_replicated(&s[0], &s[1..])?;
//! s[0].kill9();                              // replicas go to Slave_IO_Running: Connecting
//! let (host, port) = ("127.0.0.1", s[1].port()); // product connects as ORC_USER / ORC_PASSWORD
//! ```
#![allow(dead_code)]

use std::collections::hash_map::{DefaultHasher, RandomState};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

mod process;
mod server;

use process::*;
pub use server::Server;

/// Admin user (ALL PRIVILEGES WITH GRANT OPTION) for the product under test, over TCP from 127.0.0.1.
pub const ORC_USER: &str = "orc";
/// Password of [`ORC_USER`].
pub const ORC_PASSWORD: &str = "orcpass";
/// Replication user used by [`Server::replicate_from`].
pub const REPL_USER: &str = "repl";
/// Password of [`REPL_USER`].
pub const REPL_PASSWORD: &str = "replpass";
/// `slave_net_timeout` of every server (seconds): a hung master is noticed after this long.
pub const SLAVE_NET_TIMEOUT: u32 = 2;
/// `MASTER_HEARTBEAT_PERIOD` used by [`Server::replicate_from`] (seconds).
pub const HEARTBEAT_PERIOD: &str = "0.5";
/// Default deadline for starts, replication set-up and [`wait_replicated`].
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Where a server runs: optionally inside a network namespace (started with `ip netns exec`),
/// and the address it binds, reports (`report_host`) and is reached at. The default is the root
/// namespace and 127.0.0.1, which is what [`Sandbox::start`] uses. A server on any other address
/// also gets the [`ORC_USER`] and [`REPL_USER`] accounts `@'%'` (created with `sql_log_bin=0`, so
/// GTID state stays identical), because its clients do not come from 127.0.0.1.
#[derive(Clone, Debug)]
pub struct Placement {
    /// Network namespace name (`ip netns list`), or `None` for this process's namespace.
    pub netns: Option<String>,
    /// IP address to bind and report.
    pub host: String,
}

impl Default for Placement {
    fn default() -> Self {
        Placement { netns: None, host: "127.0.0.1".into() }
    }
}

const INSTALL_HINT: &str = "apt-get install mariadb-server mariadb-client";
const POLL: Duration = Duration::from_millis(20);
const PREFIX: &str = "orc-mdb-";
const EXTRA_SQL: &str = "FLUSH PRIVILEGES;
CREATE USER 'orc'@'127.0.0.1' IDENTIFIED BY 'orcpass';
GRANT ALL PRIVILEGES ON *.* TO 'orc'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpass';
GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1';
";
const INSTALL_ARGS: [&str; 6] = [
    "--no-defaults",
    "--user=root",
    "--skip-test-db",
    "--skip-name-resolve",
    "--auth-root-authentication-method=socket",
    "--innodb-log-file-size=8M",
];

/// A scratch directory holding MariaDB instances; see the module doc.
pub struct Sandbox {
    base: Arc<tempfile::TempDir>,
    next_id: AtomicU32,
}

impl Sandbox {
    /// `Ok` if `mariadbd`, `mariadb-install-db` and `mariadb` are installed, else why not
    /// (tests print the reason and skip).
    pub fn available() -> Result<(), String> {
        ["mariadbd", "mariadb-install-db", "mariadb"]
            .into_iter()
            .find(|name| bin(name).is_none())
            .map_or(Ok(()), |name| Err(format!("{name} is not installed ({INSTALL_HINT})")))
    }

    /// A new empty sandbox (builds the shared template datadir on first use).
    pub fn new() -> io::Result<Sandbox> {
        Self::available().map_err(other)?;
        sweep_stale();
        template()?;
        let base = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-sbx-", std::process::id()))
            .tempdir_in(scratch_root())?;
        Ok(Sandbox { base: Arc::new(base), next_id: AtomicU32::new(1) })
    }

    /// Directory holding this sandbox's instances (`n<server_id>/`).
    pub fn dir(&self) -> &Path {
        self.base.path()
    }

    /// Starts `n` independent servers in parallel and waits until all accept connections.
    pub fn start(&self, n: usize) -> io::Result<Vec<Server>> {
        self.start_placed(vec![Placement::default(); n])
    }

    /// As [`Sandbox::start`], one server per [`Placement`] (namespace and address).
    pub fn start_placed(&self, places: Vec<Placement>) -> io::Result<Vec<Server>> {
        self.start_configured(places, "")
    }

    /// As [`Sandbox::start`], with `extra_cnf` (lines such as `ssl_cert = …`) appended to each
    /// server's `[mariadbd]` section.
    pub fn start_with_cnf(&self, n: usize, extra_cnf: &str) -> io::Result<Vec<Server>> {
        self.start_configured(vec![Placement::default(); n], extra_cnf)
    }

    fn start_configured(&self, places: Vec<Placement>, extra_cnf: &str) -> io::Result<Vec<Server>> {
        let template = template()?;
        let mut servers = Vec::with_capacity(places.len());
        for place in places {
            let id = self.next_id.fetch_add(1, Ordering::SeqCst);
            let dir = self.base.path().join(format!("n{id}"));
            fs::create_dir_all(dir.join("tmp"))?;
            run(Command::new("cp").arg("-a").arg(template.join("data")).arg(dir.join("data")))?;
            let port = reserve_port()?;
            let server = Server {
                id,
                port,
                dir,
                child: Mutex::new(None),
                _base: self.base.clone(),
                place,
                extra_cnf: extra_cnf.to_string(),
            };
            server.write_cnf()?;
            servers.push(server);
        }
        let offsets = servers.iter().map(Server::spawn).collect::<io::Result<Vec<_>>>()?;
        for (server, mut offset) in servers.iter_mut().zip(offsets) {
            for attempt in 1.. {
                if server.wait_ready(offset)? {
                    break;
                }
                if attempt == 5 {
                    return Err(other(format!("{server}: port collisions on 5 attempts")));
                }
                let new_port = reserve_port()?; // someone else took ours: move and retry
                reserved().remove(&std::mem::replace(&mut server.port, new_port));
                server.write_cnf()?;
                offset = server.spawn()?;
            }
        }
        for server in servers.iter().filter(|s| s.place.host != "127.0.0.1") {
            server.sql(&format!(
                "SET SESSION sql_log_bin=0; \
                 CREATE USER '{ORC_USER}'@'%' IDENTIFIED BY '{ORC_PASSWORD}'; \
                 GRANT ALL PRIVILEGES ON *.* TO '{ORC_USER}'@'%' WITH GRANT OPTION; \
                 CREATE USER '{REPL_USER}'@'%' IDENTIFIED BY '{REPL_PASSWORD}'; \
                 GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO '{REPL_USER}'@'%'"
            ))?;
        }
        Ok(servers)
    }

    /// Starts `n` servers: the first is the master, the others replicate from it (GTID).
    pub fn star(&self, n: usize) -> io::Result<Vec<Server>> {
        let servers = self.start(n)?;
        if let Some((master, replicas)) = servers.split_first() {
            replicas.iter().try_for_each(|r| r.replicate_from(master))?;
        }
        Ok(servers)
    }

    /// Makes `replica` replicate from `master`; same as [`Server::replicate_from`].
    pub fn chain(&self, master: &Server, replica: &Server) -> io::Result<()> {
        replica.replicate_from(master)
    }

    /// Starts one standalone server with database `name` and user `orchestrator`/`orch_pass`
    /// @127.0.0.1 granted ALL on it: a backend for orchestrator's `BackendDB: mysql`.
    pub fn backend_db(&self, name: &str) -> io::Result<BackendDb> {
        self.backend_db_placed(name, Placement::default())
    }

    /// As [`Sandbox::backend_db`], with the server at `place` (the user is still `@127.0.0.1`, so
    /// a non-loopback placement needs a client connecting from that address, e.g. its namespace).
    pub fn backend_db_placed(&self, name: &str, place: Placement) -> io::Result<BackendDb> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let msg = format!("backend database name {name:?} must match [A-Za-z0-9_]+");
            return Err(other(msg));
        }
        let host = place.host.clone();
        let server =
            self.start_placed(vec![place])?.pop().ok_or_else(|| other("no server started"))?;
        let (user, password) = ("orchestrator", "orch_pass");
        server.sql(&format!(
            "CREATE DATABASE `{name}`; CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'; \
             GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'127.0.0.1'"
        ))?;
        Ok(BackendDb {
            host,
            port: server.port,
            user: user.into(),
            password: password.into(),
            database: name.into(),
            server,
        })
    }
}

/// A standalone server holding orchestrator's backend database; see [`Sandbox::backend_db`].
pub struct BackendDb {
    /// The server (kept alive as long as this value).
    pub server: Server,
    /// The server's address (`127.0.0.1` unless placed elsewhere).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// `orchestrator`.
    pub user: String,
    /// `orch_pass`.
    pub password: String,
    /// The database name passed to [`Sandbox::backend_db`].
    pub database: String,
}

impl BackendDb {
    /// `mysql://user:password@host:port/database`, e.g. for sqlx.
    pub fn url(&self) -> String {
        let BackendDb { user, password, host, port, database, .. } = self;
        format!("mysql://{user}:{password}@{host}:{port}/{database}")
    }
}

/// Polls `cond` every 20 ms until it holds; a `TimedOut` error naming `what` after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) -> io::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let msg = format!("timed out after {timeout:?} waiting for {what}");
            return Err(io::Error::new(io::ErrorKind::TimedOut, msg));
        }
        std::thread::sleep(POLL);
    }
}

/// Waits (up to [`TIMEOUT`]) until every replica has applied the master's current
/// `@@gtid_binlog_pos`, using `MASTER_GTID_WAIT` (works through chains too).
pub fn wait_replicated<'a>(
    master: &Server,
    replicas: impl IntoIterator<Item = &'a Server>,
) -> io::Result<()> {
    let pos = master.sql("SELECT @@gtid_binlog_pos")?;
    for r in replicas {
        let secs = TIMEOUT.as_secs();
        let res = r.sql(&format!("SELECT MASTER_GTID_WAIT('{pos}', {secs})"))?;
        if res != "0" {
            let status = r.slave_status();
            return Err(other(format!(
                "{r} did not reach {master}'s GTID {pos:?} (MASTER_GTID_WAIT: {res}); {status:?}"
            )));
        }
    }
    Ok(())
}
