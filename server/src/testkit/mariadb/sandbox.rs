//! A scratch directory of servers: creates them (in parallel), numbers them, and owns the
//! directory they live in.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use super::template::{scratch_root, sweep_stale, template, PREFIX};
use super::{available, Error, Server, ORC_PASSWORD, ORC_USER, REPL_PASSWORD, REPL_USER};
use crate::testkit::ports::reserve_port;
use crate::testkit::process::run_to_end;

/// Where a server runs: optionally inside a network namespace (started with `ip netns exec`),
/// and the address it binds, reports (`report_host`) and is reached at. The default is this
/// process's namespace and 127.0.0.1. A server on any other address also gets the [`ORC_USER`]
/// and [`REPL_USER`] accounts `@'%'` (created with `sql_log_bin=0`, so GTID state stays
/// identical), because its clients do not come from 127.0.0.1.
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

/// A scratch directory holding MariaDB servers; see the module doc.
pub struct Sandbox {
    base: Arc<tempfile::TempDir>,
    next_id: AtomicU32,
    extra_cnf: String,
}

impl Sandbox {
    /// `Ok` if MariaDB is installed, else why not; same as [`available`].
    pub fn available() -> Result<(), String> {
        available()
    }

    /// A new empty sandbox (builds the shared template datadir on first use).
    pub fn new() -> Result<Sandbox, Error> {
        available().map_err(Error::NotInstalled)?;
        sweep_stale();
        template()?;
        let base = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-sbx-", std::process::id()))
            .tempdir_in(scratch_root())
            .map_err(Error::io("create the sandbox directory"))?;
        Ok(Sandbox { base: Arc::new(base), next_id: AtomicU32::new(1), extra_cnf: String::new() })
    }

    /// Appends `extra_cnf` lines (e.g. `userstat = ON`) to the `my.cnf` of every server this
    /// sandbox starts from now on.
    pub fn with_cnf(mut self, extra_cnf: &str) -> Sandbox {
        self.extra_cnf = extra_cnf.to_string();
        self
    }

    /// Directory holding this sandbox's servers (`n<server_id>/`).
    pub fn dir(&self) -> &Path {
        self.base.path()
    }

    /// Starts `n` independent servers in parallel and waits until all accept connections.
    pub fn start(&self, n: usize) -> Result<Vec<Server>, Error> {
        self.start_configured(vec![Placement::default(); n], "")
    }

    /// As [`Sandbox::start`], one server per [`Placement`] (namespace and address).
    pub fn start_placed(&self, places: Vec<Placement>) -> Result<Vec<Server>, Error> {
        self.start_configured(places, "")
    }

    /// As [`Sandbox::start`], with `extra_cnf` (lines such as `ssl_cert = …`) appended to each
    /// server's `[mariadbd]` section.
    pub fn start_with_cnf(&self, n: usize, extra_cnf: &str) -> Result<Vec<Server>, Error> {
        self.start_configured(vec![Placement::default(); n], extra_cnf)
    }

    fn start_configured(
        &self,
        places: Vec<Placement>,
        extra_cnf: &str,
    ) -> Result<Vec<Server>, Error> {
        let template = template()?;
        let extra_cnf = format!("{}\n{extra_cnf}", self.extra_cnf);
        let mut servers = Vec::with_capacity(places.len());
        for place in places {
            let id = self.next_id.fetch_add(1, Ordering::SeqCst);
            let dir = self.base.path().join(format!("n{id}"));
            std::fs::create_dir_all(dir.join("tmp")).map_err(Error::io("create a server dir"))?;
            run_to_end(
                Command::new("cp").arg("-a").arg(template.join("data")).arg(dir.join("data")),
            )?;
            let server = Server {
                id,
                port: reserve_port().map_err(Error::io("reserve a port"))?,
                dir,
                child: Mutex::new(None),
                _base: self.base.clone(),
                place,
                extra_cnf: extra_cnf.clone(),
            };
            server.write_cnf()?;
            servers.push(server);
        }
        let offsets = servers.iter().map(Server::spawn).collect::<Result<Vec<_>, _>>()?;
        for (server, mut offset) in servers.iter_mut().zip(offsets) {
            for attempt in 1.. {
                if server.wait_ready(offset)? {
                    break;
                }
                if attempt == 5 {
                    return Err(server.error("port collisions on 5 attempts"));
                }
                // Someone else took our port: move and retry.
                server.port = reserve_port().map_err(Error::io("reserve a port"))?;
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
}
