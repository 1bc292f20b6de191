//! Disposable MariaDB servers for the failover and discovery benchmarks (not test code: the
//! benchmark binary cannot use `server/tests/support`).
//!
//! - A template datadir is made once per MariaDB version with `mariadb-install-db` (users
//!   `orc`/`orcpass` with ALL privileges, `repl`/`replpass` for replication, and `orc0`..`orc2`,
//!   the same as `orc`, so each orchestrator node can probe with its own user and the servers'
//!   `USER_STATISTICS` count every node's probes apart). It is kept on tmpfs (`/dev/shm`) under a
//!   name hashing the version and the install inputs, and reused by later runs.
//! - Each [`Mdb`] is a `cp -a` of it in the fleet's directory, its own `my.cnf` (`server_id`,
//!   binlog, `log_slave_updates`, `gtid_strict_mode`, `report_host`/`report_port`, a short
//!   `slave_net_timeout`, small buffers, `userstat`), a free port below the ephemeral range (so a
//!   replica's outgoing connection can never take a stopped server's port), and `mariadbd
//!   --defaults-file` as a direct child. Readiness is the protocol greeting on its unix socket.
//! - Children are spawned from one long-lived thread with `PR_SET_PDEATHSIG=SIGKILL`, so they die
//!   with the benchmark even when it is killed; dropping the [`Fleet`] kills, reaps and deletes.
//! - SQL goes over TCP as `orc` (sqlx, text protocol), as orchestrator itself connects.

use std::collections::hash_map::{DefaultHasher, RandomState};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{Column, ConnectOptions, Connection, Row};

/// orchestrator's topology user (ALL privileges, so it bypasses `read_only`).
pub const ORC_USER: &str = "orc";
/// Its password.
pub const ORC_PASSWORD: &str = "orcpass";
/// Replication user.
pub const REPL_USER: &str = "repl";
/// Its password.
pub const REPL_PASSWORD: &str = "replpass";
/// Per-node topology users (`orc0`.., password `orcpass`), for per-node probe counts.
pub const NODE_USERS: usize = 3;
/// `MASTER_HEARTBEAT_PERIOD` of every replica (seconds).
pub const HEARTBEAT_PERIOD: &str = "0.5";
/// `slave_net_timeout` (seconds).
pub const SLAVE_NET_TIMEOUT: u32 = 2;

const START_TIMEOUT: Duration = Duration::from_secs(90);
const PREFIX: &str = "orc-bench-mdb-";
const INSTALL_ARGS: [&str; 6] = [
    "--no-defaults",
    "--user=root",
    "--skip-test-db",
    "--skip-name-resolve",
    "--auth-root-authentication-method=socket",
    "--innodb-log-file-size=8M",
];

/// The users made in the template (run by `mariadb-install-db --extra-file`, binlog off).
fn users_sql() -> String {
    let mut sql = String::from("FLUSH PRIVILEGES;\n");
    let mut users = vec![ORC_USER.to_string()];
    users.extend((0..NODE_USERS).map(|i| format!("{ORC_USER}{i}")));
    for u in users {
        sql.push_str(&format!(
            "CREATE USER '{u}'@'127.0.0.1' IDENTIFIED BY '{ORC_PASSWORD}';\n\
             GRANT ALL PRIVILEGES ON *.* TO '{u}'@'127.0.0.1' WITH GRANT OPTION;\n"
        ));
    }
    sql.push_str(&format!(
        "CREATE USER '{REPL_USER}'@'127.0.0.1' IDENTIFIED BY '{REPL_PASSWORD}';\n\
         GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO '{REPL_USER}'@'127.0.0.1';\n"
    ));
    sql
}

/// Absolute path of a MariaDB executable (`$PATH`, then the sbin directories).
fn exe(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `Ok` when `mariadbd` and `mariadb-install-db` are installed.
pub fn available() -> Result<()> {
    for name in ["mariadbd", "mariadb-install-db"] {
        if exe(name).is_none() {
            bail!("{name} not found (apt-get install mariadb-server)");
        }
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<String> {
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("run {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

unsafe extern "C" {
    fn prctl(option: i32, ...) -> i32;
}
const PR_SET_PDEATHSIG: i32 = 1;
const SIGKILL: u64 = 9;

/// Spawns `cmd` from a thread that lives as long as the process (`PR_SET_PDEATHSIG` fires when
/// the spawning *thread* exits), so the child is SIGKILLed when the benchmark dies.
fn spawn_child(mut cmd: Command) -> Result<Child> {
    type Job = Box<dyn FnOnce() + Send>;
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let tx = SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::spawn(move || rx.into_iter().for_each(|job| job()));
            Mutex::new(tx)
        })
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| match prctl(PR_SET_PDEATHSIG, SIGKILL) {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        });
    }
    let (rtx, rrx) = mpsc::channel();
    tx.send(Box::new(move || drop(rtx.send(cmd.spawn())))).ok().context("spawner thread gone")?;
    rrx.recv().context("spawner thread gone")?.context("spawn mariadbd")
}

/// tmpfs when writable (fast starts, no fsync stalls), else the system temp dir.
fn scratch_root() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let probe = shm.join(format!("{PREFIX}probe-{}", std::process::id()));
    if std::fs::create_dir_all(&probe).is_ok() {
        let _ = std::fs::remove_dir(&probe);
        return shm;
    }
    std::env::temp_dir()
}

/// The template datadir (built once per version and user set; reused across runs).
fn template(root: &Path) -> Result<PathBuf> {
    let version = run(Command::new(exe("mariadbd").context("mariadbd")?).arg("--version"))?;
    let mut h = DefaultHasher::new();
    (&version, users_sql(), INSTALL_ARGS).hash(&mut h);
    let done = root.join(format!("{PREFIX}template-{:016x}", h.finish()));
    if done.join("data").is_dir() {
        return Ok(done);
    }
    let tmp = root.join(format!("{PREFIX}{}-tpl", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let extra = tmp.join("users.sql");
    std::fs::write(&extra, users_sql())?;
    run(Command::new(exe("mariadb-install-db").context("mariadb-install-db")?)
        .args(INSTALL_ARGS)
        .arg(format!("--datadir={}", tmp.join("data").display()))
        .arg(format!("--extra-file={}", extra.display())))
    .context("building the MariaDB template datadir")?;
    if std::fs::rename(&tmp, &done).is_err() && !done.join("data").is_dir() {
        bail!("cannot publish the template datadir at {}", done.display());
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(done)
}

/// Removes `orc-bench-mdb-<pid>-*` directories of benchmark processes that no longer exist.
fn sweep_stale(root: &Path) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix(PREFIX).and_then(|r| r.split('-').next());
        if let Some(pid) = pid.filter(|p| p.parse::<u32>().is_ok()) {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// A free port in 20000..(start of the ephemeral range), not handed out before by this fleet.
fn pick_port(taken: &mut HashSet<u16>) -> Result<u16> {
    let range =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let eph_low: u32 =
        range.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768);
    let (low, high) = (20000u32, eph_low.max(21000));
    for _ in 0..1000 {
        let port = (low
            + (RandomState::new().hash_one(Instant::now()) % u64::from(high - low)) as u32)
            as u16;
        if !taken.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.insert(port);
            return Ok(port);
        }
    }
    bail!("no free port in {low}..{high}")
}

/// A directory of MariaDB servers; dropping it kills them and deletes the directory.
pub struct Fleet {
    dir: PathBuf,
    template: PathBuf,
    next_id: u32,
    ports: HashSet<u16>,
    /// Extra `my.cnf` lines for every server.
    pub extra_cnf: String,
}

impl Fleet {
    /// A new empty fleet (builds the template on first use).
    pub fn new() -> Result<Fleet> {
        available()?;
        let root = scratch_root();
        sweep_stale(&root);
        let template = template(&root)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = root.join(format!("{PREFIX}{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        Ok(Fleet { dir, template, next_id: 1, ports: HashSet::new(), extra_cnf: String::new() })
    }

    /// The fleet's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates and starts `n` standalone servers (all spawned first, then waited on).
    pub fn start(&mut self, n: usize) -> Result<Vec<Mdb>> {
        let mut servers = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.next_id;
            self.next_id += 1;
            let dir = self.dir.join(format!("n{id}"));
            std::fs::create_dir_all(dir.join("tmp"))?;
            run(Command::new("cp")
                .arg("-a")
                .arg(self.template.join("data"))
                .arg(dir.join("data")))?;
            let port = pick_port(&mut self.ports)?;
            let server = Mdb { id, port, dir, child: None, extra_cnf: self.extra_cnf.clone() };
            server.write_cnf()?;
            servers.push(server);
        }
        for s in &mut servers {
            s.spawn()?;
        }
        for s in &mut servers {
            for attempt in 1.. {
                match s.wait_ready()? {
                    true => break,
                    false if attempt < 5 => {
                        s.port = pick_port(&mut self.ports)?;
                        s.write_cnf()?;
                        s.spawn()?;
                    }
                    false => bail!("{s}: port collisions on 5 attempts"),
                }
            }
        }
        Ok(servers)
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        // Servers are owned by the callers (each `Mdb` kills itself on drop); whatever is left
        // in the directory goes.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One `mariadbd`; SIGKILLed and reaped on drop.
pub struct Mdb {
    /// `server_id`.
    pub id: u32,
    /// TCP port on 127.0.0.1 (also `report_port`).
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    extra_cnf: String,
}

impl std::fmt::Display for Mdb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "127.0.0.1:{}", self.port)
    }
}

impl Drop for Mdb {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Mdb {
    fn socket(&self) -> PathBuf {
        self.dir.join("mysqld.sock")
    }

    fn error_log(&self) -> PathBuf {
        self.dir.join("error.log")
    }

    fn write_cnf(&self) -> Result<()> {
        let (d, id, port, extra) = (self.dir.display(), self.id, self.port, &self.extra_cnf);
        let cnf = format!(
            "[mariadbd]
user = root
datadir = {d}/data
tmpdir = {d}/tmp
socket = {d}/mysqld.sock
pid-file = {d}/mysqld.pid
log-error = {d}/error.log
port = {port}
bind-address = 127.0.0.1
skip-name-resolve
server_id = {id}
log_bin = mysql-bin
relay_log = relay-bin
log_slave_updates = ON
binlog_format = ROW
gtid_strict_mode = ON
report_host = 127.0.0.1
report_port = {port}
slave_net_timeout = {SLAVE_NET_TIMEOUT}
innodb_buffer_pool_size = 8M
loose-innodb_buffer_pool_size_max = 16M
innodb_log_file_size = 8M
innodb_log_buffer_size = 2M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
sync_binlog = 0
performance_schema = OFF
max_connections = 200
{extra}
"
        );
        std::fs::write(self.dir.join("my.cnf"), cnf).context("write my.cnf")
    }

    fn spawn(&mut self) -> Result<()> {
        let stderr =
            std::fs::File::options().create(true).append(true).open(self.dir.join("stderr.log"))?;
        let mut cmd = Command::new(exe("mariadbd").context("mariadbd")?);
        cmd.arg(format!("--defaults-file={}", self.dir.join("my.cnf").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let _ = std::fs::remove_file(self.socket());
        self.child = Some(spawn_child(cmd)?);
        Ok(())
    }

    /// Pid while running.
    pub fn pid(&mut self) -> Option<u32> {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => self.child.as_ref().map(Child::id),
            _ => None,
        }
    }

    /// Waits for the greeting on the unix socket; `Ok(false)` when it exited because its port
    /// was taken.
    fn wait_ready(&mut self) -> Result<bool> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.pid().is_none() {
                let log = std::fs::read_to_string(self.error_log()).unwrap_or_default();
                if log.contains("Address already in use") {
                    self.kill9();
                    let _ = std::fs::remove_file(self.error_log());
                    return Ok(false);
                }
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                bail!(
                    "{self} exited during start:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            if greeting(&self.socket()) {
                return Ok(true);
            }
            if Instant::now() > deadline {
                self.kill9();
                bail!(
                    "{self} not ready after {START_TIMEOUT:?}; see {}",
                    self.error_log().display()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL and reap (no-op when not running).
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same datadir and port (after [`Mdb::kill9`]), waits until ready.
    pub fn restart(&mut self) -> Result<()> {
        self.kill9();
        self.spawn()?;
        if !self.wait_ready()? {
            bail!("{self}: its port was taken while it was down");
        }
        Ok(())
    }

    /// A new connection as `orc` over TCP.
    pub async fn connect(&self) -> Result<MySqlConnection> {
        connect_port(self.port).await
    }

    /// Runs each statement on a fresh `orc` connection.
    pub async fn exec(&self, statements: &[&str]) -> Result<()> {
        let mut conn = self.connect().await?;
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .with_context(|| format!("{self}: {sql}"))?;
        }
        let _ = conn.close().await;
        Ok(())
    }

    /// Makes this server a read-only GTID (`slave_pos`) replica of `master_port` and waits until
    /// both replication threads run.
    pub async fn replicate_from(&self, master_port: u16) -> Result<()> {
        let change = change_master_sql(master_port);
        self.exec(&[
            "STOP SLAVE",
            "RESET SLAVE ALL",
            &change,
            "SET GLOBAL read_only = ON",
            "START SLAVE",
        ])
        .await?;
        self.wait_replicating(Some(master_port), Duration::from_secs(30)).await
    }

    /// Waits until `SHOW SLAVE STATUS` shows both threads running (from `master_port`, if given).
    pub async fn wait_replicating(
        &self,
        master_port: Option<u16>,
        timeout: Duration,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut conn = self.connect().await?;
        loop {
            let status = slave_status(&mut conn).await?;
            let ok = status.get("Slave_IO_Running").is_some_and(|v| v == "Yes")
                && status.get("Slave_SQL_Running").is_some_and(|v| v == "Yes")
                && master_port
                    .is_none_or(|p| status.get("Master_Port").is_some_and(|v| v == &p.to_string()));
            if ok {
                let _ = conn.close().await;
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{self} not replicating after {timeout:?}: {status:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The `CHANGE MASTER` every replica gets (fast failure detection settings).
pub fn change_master_sql(master_port: u16) -> String {
    format!(
        "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={master_port}, MASTER_USER='{REPL_USER}', \
         MASTER_PASSWORD='{REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, \
         MASTER_HEARTBEAT_PERIOD={HEARTBEAT_PERIOD}"
    )
}

/// A connection as `orc` to 127.0.0.1:`port` (2 s connect timeout).
pub async fn connect_port(port: u16) -> Result<MySqlConnection> {
    let options = MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username(ORC_USER)
        .password(ORC_PASSWORD)
        .ssl_mode(MySqlSslMode::Disabled)
        .statement_cache_capacity(0);
    match tokio::time::timeout(Duration::from_secs(2), options.connect()).await {
        Ok(r) => r.with_context(|| format!("connect to 127.0.0.1:{port}")),
        Err(_) => bail!("connect to 127.0.0.1:{port} timed out"),
    }
}

/// Rows of `sql` (text protocol) as column → value (NULL as absent).
pub async fn query(conn: &mut MySqlConnection, sql: &str) -> Result<Vec<HashMap<String, String>>> {
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await
        .with_context(|| sql.to_string())?;
    Ok(rows
        .iter()
        .map(|row| {
            row.columns()
                .iter()
                .filter_map(|c| {
                    let v =
                        row.try_get_unchecked::<Option<String>, _>(c.ordinal()).ok().flatten()?;
                    Some((c.name().to_string(), v))
                })
                .collect()
        })
        .collect())
}

/// The first value of the first row of `sql`.
pub async fn scalar(conn: &mut MySqlConnection, sql: &str) -> Result<Option<String>> {
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await
        .with_context(|| sql.to_string())?;
    Ok(rows.first().and_then(|r| r.try_get_unchecked::<Option<String>, _>(0).ok().flatten()))
}

/// `SHOW SLAVE STATUS` as column → value (empty when not a replica).
pub async fn slave_status(conn: &mut MySqlConnection) -> Result<HashMap<String, String>> {
    Ok(query(conn, "SHOW SLAVE STATUS").await?.into_iter().next().unwrap_or_default())
}

/// Whether a server answers on `socket` with a protocol-10 greeting.
fn greeting(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else { return false };
    let mut head = [0u8; 5];
    s.set_read_timeout(Some(Duration::from_secs(1))).is_ok()
        && s.read_exact(&mut head).is_ok()
        && head[4] == 10
}
