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
//! How it works (technique from the shared reference `mariadb-sandbox.md`):
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
//! #[path = "support/mariadb.rs"] mod mariadb;   // or `mod support;` + `support::mariadb`
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

fn other(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

/// Absolute path of a MariaDB executable: `$PATH`, then the sbin directories (not always in `$PATH`).
fn bin(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn command(name: &str) -> io::Result<Command> {
    bin(name)
        .map(Command::new)
        .ok_or_else(|| other(format!("{name} not found in $PATH or sbin")))
}

/// Runs `cmd` to completion; stdout on success, an error with its stderr otherwise.
fn run(cmd: &mut Command) -> io::Result<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        let (status, err) = (out.status, String::from_utf8_lossy(&out.stderr));
        let err = err.trim();
        return Err(other(format!("{cmd:?} failed ({status}): {err}")));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_string())
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
    fn prctl(option: i32, ...) -> i32;
}
const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;
const SIGCONT: i32 = 18;
const SIGSTOP: i32 = 19;
const PR_SET_PDEATHSIG: i32 = 1;

/// Spawns `cmd` from one thread that lives as long as the process, with `PR_SET_PDEATHSIG`
/// (which fires when the *spawning thread* exits), so the child dies with this process.
fn spawn_child(mut cmd: Command) -> io::Result<Child> {
    type Job = Box<dyn FnOnce() + Send>;
    static SPAWNER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::spawn(move || rx.into_iter().for_each(|job| job()));
        tx
    });
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(
            || match prctl(PR_SET_PDEATHSIG, SIGKILL as std::ffi::c_ulong) {
                0 => Ok(()),
                _ => Err(io::Error::last_os_error()),
            },
        );
    }
    let (rtx, rrx) = mpsc::channel();
    let gone = || other("mariadb spawner thread is gone");
    tx.send(Box::new(move || drop(rtx.send(cmd.spawn()))))
        .map_err(|_| gone())?;
    rrx.recv().map_err(|_| gone())?
}

fn signal(pid: u32, sig: i32) -> io::Result<()> {
    // SAFETY: plain syscall; `pid` is our own unreaped child, so it cannot have been reused.
    match unsafe { kill(pid as i32, sig) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// /dev/shm when writable (tmpfs: fast and immune to fsync stalls), else the temp dir.
fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        match tempfile::tempdir_in(&shm) {
            Ok(_) => shm,
            Err(_) => std::env::temp_dir(),
        }
    })
}

/// Removes `orc-mdb-<pid>-*` directories left behind by test processes that no longer exist.
fn sweep_stale() {
    for entry in fs::read_dir(scratch_root()).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix(PREFIX).and_then(|r| r.split('-').next());
        if let Some(pid) = pid.filter(|p| p.parse::<u32>().is_ok()) {
            if !Path::new("/proc").join(pid).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The template datadir, built at most once per process; parallel callers wait for the first.
fn template() -> io::Result<PathBuf> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| build_template().map_err(|e| e.to_string()))
        .clone()
        .map_err(other)
}

fn build_template() -> io::Result<PathBuf> {
    let version = run(command("mariadbd")?.arg("--version"))?;
    let mut h = DefaultHasher::new();
    (&version, EXTRA_SQL, INSTALL_ARGS).hash(&mut h);
    let done = scratch_root().join(format!("{PREFIX}template-{:016x}", h.finish()));
    if done.join("data").is_dir() {
        return Ok(done); // made earlier, possibly by another test binary
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-tpl-", std::process::id()))
        .tempdir_in(scratch_root())?;
    let extra = tmp.path().join("extra.sql");
    fs::write(&extra, EXTRA_SQL)?;
    run(command("mariadb-install-db")?
        .args(INSTALL_ARGS)
        .arg(format!("--datadir={}", tmp.path().join("data").display()))
        .arg(format!("--extra-file={}", extra.display())))
    .map_err(|e| other(format!("building the MariaDB template datadir: {e}")))?;
    // Atomic publish; if another process won the race, use its copy and drop ours.
    if fs::rename(tmp.path(), &done).is_err() && !done.join("data").is_dir() {
        let done = done.display();
        return Err(other(format!("cannot publish template datadir at {done}")));
    }
    Ok(done)
}

/// Ports handed out to live servers of this process (kept while a server is stopped).
fn reserved() -> MutexGuard<'static, HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// A currently bindable port in 20000..(start of the ephemeral range), so that outgoing
/// connections (e.g. a replica reconnecting) can never take a stopped server's port.
fn reserve_port() -> io::Result<u16> {
    let range = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let eph_low = range
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(32768u32);
    let (low, high) = (20000u32, eph_low.max(21000));
    for _ in 0..500 {
        let port = (low
            + (RandomState::new().hash_one(Instant::now()) % u64::from(high - low)) as u32)
            as u16;
        let mut taken = reserved();
        if !taken.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.insert(port);
            return Ok(port);
        }
    }
    Err(other(format!("no free port found in {low}..{high}")))
}

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
            .map_or(Ok(()), |name| {
                Err(format!("{name} is not installed ({INSTALL_HINT})"))
            })
    }

    /// A new empty sandbox (builds the shared template datadir on first use).
    pub fn new() -> io::Result<Sandbox> {
        Self::available().map_err(other)?;
        sweep_stale();
        template()?;
        let base = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-sbx-", std::process::id()))
            .tempdir_in(scratch_root())?;
        Ok(Sandbox {
            base: Arc::new(base),
            next_id: AtomicU32::new(1),
        })
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
            run(Command::new("cp")
                .arg("-a")
                .arg(template.join("data"))
                .arg(dir.join("data")))?;
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
        let offsets = servers
            .iter()
            .map(Server::spawn)
            .collect::<io::Result<Vec<_>>>()?;
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
        let server = self
            .start_placed(vec![place])?
            .pop()
            .ok_or_else(|| other("no server started"))?;
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
        let BackendDb {
            user,
            password,
            host,
            port,
            database,
            ..
        } = self;
        format!("mysql://{user}:{password}@{host}:{port}/{database}")
    }
}

/// One `mariadbd` instance; killed (SIGKILL), reaped and deleted on drop.
pub struct Server {
    id: u32,
    port: u16,
    dir: PathBuf,
    child: Mutex<Option<Child>>,
    _base: Arc<tempfile::TempDir>,
    place: Placement,
    extra_cnf: String,
}

impl Server {
    /// Its `server_id` (unique within the sandbox; `n<id>` in messages).
    pub fn id(&self) -> u32 {
        self.id
    }
    /// TCP port on 127.0.0.1 (also its `report_port`).
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The address it binds and reports (127.0.0.1 unless started with [`Sandbox::start_placed`]).
    pub fn host(&self) -> &str {
        &self.place.host
    }
    /// Path of its unix socket (root via unix_socket auth).
    pub fn socket(&self) -> PathBuf {
        self.dir.join("mysqld.sock")
    }
    /// Its directory: `data/`, `tmp/`, `my.cnf`, `error.log`, …
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// Path of its error log.
    pub fn error_log(&self) -> PathBuf {
        self.dir.join("error.log")
    }

    fn child(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pid of the process if it is running (a SIGSTOPped server counts as running).
    pub fn pid(&self) -> Option<u32> {
        let mut child = self.child();
        match child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => child.as_ref().map(Child::id),
            _ => None,
        }
    }
    /// Whether the process is alive (not exited; exited children are reaped here).
    pub fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// Runs `stmt` (one or more `;`-separated statements) as root over the unix socket with
    /// `mariadb -N -B`; returns the output rows (tab-separated columns) without the final newline.
    pub fn sql(&self, stmt: &str) -> io::Result<String> {
        self.client(
            &[
                "-N",
                format!("--socket={}", self.socket().display()).as_str(),
                "-uroot",
            ],
            stmt,
        )
    }

    /// Runs `stmt` as `user`/`password` over TCP to its address (as the product under test would).
    pub fn sql_as(&self, user: &str, password: &str, stmt: &str) -> io::Result<String> {
        let (host, port, user, pass) = (
            format!("-h{}", self.place.host),
            format!("-P{}", self.port),
            format!("-u{user}"),
            format!("-p{password}"),
        );
        self.client(
            &["-N", "--protocol=TCP", &host, &port, &user, &pass],
            stmt,
        )
    }

    fn client(&self, args: &[&str], stmt: &str) -> io::Result<String> {
        run(command("mariadb")?
            .args(["--no-defaults", "--connect-timeout=5", "-B"])
            .args(args)
            .arg("-e")
            .arg(stmt))
        .map_err(|e| other(format!("{self}: {e}")))
    }

    /// `SHOW SLAVE STATUS` as column → value (empty if it is not a replica).
    pub fn slave_status(&self) -> io::Result<HashMap<String, String>> {
        let sock = format!("--socket={}", self.socket().display());
        let out = self.client(&[&sock, "-uroot"], "SHOW SLAVE STATUS")?;
        let mut lines = out.lines();
        let (Some(head), Some(row)) = (lines.next(), lines.next()) else {
            return Ok(HashMap::new());
        };
        Ok(head
            .split('\t')
            .map(String::from)
            .zip(row.split('\t').map(String::from))
            .collect())
    }

    /// Makes this server a read-only GTID replica (`slave_pos`) of `master` and waits until both
    /// replication threads run.
    pub fn replicate_from(&self, master: &Server) -> io::Result<()> {
        self.sql(&format!(
            "STOP SLAVE; RESET SLAVE ALL; CHANGE MASTER TO MASTER_HOST='{}', MASTER_PORT={}, \
             MASTER_USER='{REPL_USER}', MASTER_PASSWORD='{REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, \
             MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD={HEARTBEAT_PERIOD}; \
             SET GLOBAL read_only=ON; START SLAVE",
            master.place.host, master.port
        ))?;
        let what = format!("{self} to replicate from {master}");
        wait_until(TIMEOUT, &what, || {
            self.slave_status().is_ok_and(|s| {
                s.get("Slave_IO_Running").is_some_and(|v| v == "Yes")
                    && s.get("Slave_SQL_Running").is_some_and(|v| v == "Yes")
            })
        })
        .map_err(|e| other(format!("{e}; slave status: {:?}", self.slave_status())))
    }

    /// SIGKILL and reap (no-op if not running).
    pub fn kill9(&self) {
        if let Some(mut child) = self.child().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Graceful shutdown: SIGTERM (and SIGCONT, in case it is stopped), then wait for the exit.
    pub fn stop(&self) -> io::Result<()> {
        let Some(pid) = self.pid() else { return Ok(()) };
        signal(pid, SIGTERM)?;
        signal(pid, SIGCONT)?;
        let what = format!("{self} to shut down");
        let result = wait_until(TIMEOUT, &what, || !self.is_running());
        self.kill9();
        result
    }

    /// Starts it again (after `stop`/`kill9`; stops it first if running) on the same datadir and
    /// port, and waits until it accepts connections.
    pub fn restart(&self) -> io::Result<()> {
        self.stop()?;
        let offset = self.spawn()?;
        match self.wait_ready(offset)? {
            true => Ok(()),
            false => Err(other(format!("{self}: its port was taken by someone else"))),
        }
    }

    /// SIGSTOP: the server hangs (TCP handshakes still complete; nothing answers).
    pub fn sigstop(&self) -> io::Result<()> {
        signal(self.pid().ok_or_else(|| other("not running"))?, SIGSTOP)
    }
    /// SIGCONT: resumes a server hung with [`Server::sigstop`].
    pub fn sigcont(&self) -> io::Result<()> {
        signal(self.pid().ok_or_else(|| other("not running"))?, SIGCONT)
    }

    fn write_cnf(&self) -> io::Result<()> {
        let (d, id, port, host) = (self.dir.display(), self.id, self.port, &self.place.host);
        let mut cnf = format!(
            "[mariadbd]
user = root
datadir = {d}/data
tmpdir = {d}/tmp
socket = {d}/mysqld.sock
pid-file = {d}/mysqld.pid
log-error = {d}/error.log
port = {port}
bind-address = {host}
skip-name-resolve
server_id = {id}
log_bin = mysql-bin
relay_log = relay-bin
log_slave_updates = ON
binlog_format = ROW
gtid_strict_mode = ON
report_host = {host}
report_port = {port}
slave_net_timeout = {SLAVE_NET_TIMEOUT}
innodb_buffer_pool_size = 8M
loose-innodb_buffer_pool_size_max = 16M
innodb_log_file_size = 8M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
sync_binlog = 0
performance_schema = OFF
max_connections = 100
"
        );
        if !self.extra_cnf.is_empty() {
            cnf.push_str(self.extra_cnf.trim_end());
            cnf.push('\n');
        }
        fs::write(self.dir.join("my.cnf"), cnf)
    }

    /// Spawns mariadbd; returns the error log's length before the start (for [`Self::log_tail`]).
    fn spawn(&self) -> io::Result<u64> {
        let offset = fs::metadata(self.error_log()).map(|m| m.len()).unwrap_or(0);
        let stderr = fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("stderr.log"))?;
        let mut cmd = match &self.place.netns {
            None => command("mariadbd")?,
            Some(ns) => {
                let mariadbd = bin("mariadbd").ok_or_else(|| other("mariadbd not found in $PATH or sbin"))?;
                let mut ip = command("ip")?;
                ip.args(["netns", "exec", ns]).arg(mariadbd); // `ip netns exec` execs: same pid
                ip
            }
        };
        let cnf = self.dir.join("my.cnf");
        cmd.arg(format!("--defaults-file={}", cnf.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        *self.child() = Some(spawn_child(cmd)?);
        Ok(offset)
    }

    /// Waits for the greeting on the unix socket. `Ok(false)`: it exited because its port was taken.
    fn wait_ready(&self, offset: u64) -> io::Result<bool> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if !self.is_running() {
                let tail = self.log_tail(offset);
                if tail.contains("Address already in use") {
                    self.kill9();
                    return Ok(false);
                }
                return Err(other(format!("{self} exited during start:\n{tail}")));
            }
            if greeting(&self.socket()) {
                return Ok(true);
            }
            if Instant::now() > deadline {
                self.kill9();
                let tail = self.log_tail(offset);
                return Err(other(format!(
                    "{self} not ready after {TIMEOUT:?}:\n{tail}"
                )));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The last 20 lines written to error.log since `offset`, plus the end of stderr.log.
    fn log_tail(&self, offset: u64) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.error_log()) {
            let _ = f
                .seek(SeekFrom::Start(offset))
                .and_then(|_| f.read_to_string(&mut text));
        }
        text.push_str(&fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default());
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Whether a server answers on `socket` with a protocol-10 handshake packet.
fn greeting(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else {
        return false;
    };
    let mut head = [0u8; 5];
    s.set_read_timeout(Some(Duration::from_secs(1))).is_ok()
        && s.read_exact(&mut head).is_ok()
        && head[4] == 10
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "n{} (port {})", self.id, self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        let _ = fs::remove_dir_all(&self.dir);
        reserved().remove(&self.port);
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
