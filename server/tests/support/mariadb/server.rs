//! One `mariadbd` instance: start, SQL, signals, replication set-up, cleanup on drop.

use super::*;

/// One `mariadbd` instance; killed (SIGKILL), reaped and deleted on drop.
pub struct Server {
    pub(super) id: u32,
    pub(super) port: u16,
    pub(super) dir: PathBuf,
    pub(super) child: Mutex<Option<Child>>,
    pub(super) _base: Arc<tempfile::TempDir>,
    pub(super) place: Placement,
    pub(super) extra_cnf: String,
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
            &["-N", format!("--socket={}", self.socket().display()).as_str(), "-uroot"],
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
        self.client(&["-N", "--protocol=TCP", &host, &port, &user, &pass], stmt)
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
        Ok(head.split('\t').map(String::from).zip(row.split('\t').map(String::from)).collect())
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

    pub(super) fn write_cnf(&self) -> io::Result<()> {
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
    pub(super) fn spawn(&self) -> io::Result<u64> {
        let offset = fs::metadata(self.error_log()).map(|m| m.len()).unwrap_or(0);
        let stderr =
            fs::File::options().create(true).append(true).open(self.dir.join("stderr.log"))?;
        let mut cmd = match &self.place.netns {
            None => command("mariadbd")?,
            Some(ns) => {
                let mariadbd =
                    bin("mariadbd").ok_or_else(|| other("mariadbd not found in $PATH or sbin"))?;
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
    pub(super) fn wait_ready(&self, offset: u64) -> io::Result<bool> {
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
                return Err(other(format!("{self} not ready after {TIMEOUT:?}:\n{tail}")));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The last 20 lines written to error.log since `offset`, plus the end of stderr.log.
    fn log_tail(&self, offset: u64) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.error_log()) {
            let _ = f.seek(SeekFrom::Start(offset)).and_then(|_| f.read_to_string(&mut text));
        }
        text.push_str(&fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default());
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Whether a server answers on `socket` with a protocol-10 handshake packet.
pub(super) fn greeting(socket: &Path) -> bool {
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
