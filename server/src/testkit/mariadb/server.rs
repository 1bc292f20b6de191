//! One `mariadbd`: start, readiness, SQL through the `mariadb` client, signals, cleanup on drop.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::cnf::my_cnf;
use super::template::command;
use super::{Error, Placement, TIMEOUT};
use crate::testkit::ports::ReservedPort;
use crate::testkit::process::{self, run_to_end, spawn_child, tail_from, Signal};
use crate::testkit::Wait;

const POLL: Duration = Duration::from_millis(20);

/// One `mariadbd` instance; killed (SIGKILL), reaped and deleted on drop.
pub struct Server {
    pub(super) id: u32,
    pub(super) port: ReservedPort,
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
    /// TCP port (also its `report_port`).
    pub fn port(&self) -> u16 {
        self.port.get()
    }
    /// The address it binds and reports (127.0.0.1 unless placed elsewhere).
    pub fn host(&self) -> &str {
        &self.place.host
    }
    /// `host:port`, as orchestrator keys it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.host(), self.port())
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

    pub(super) fn error(&self, message: impl Into<String>) -> Error {
        Error::Server { server: self.to_string(), message: message.into() }
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
    pub fn sql(&self, stmt: &str) -> Result<String, Error> {
        let socket = format!("--socket={}", self.socket().display());
        self.client(&["-N", &socket, "-uroot"], stmt)
    }

    /// Runs `stmt` as `user`/`password` over TCP to its address (as the product under test would).
    pub fn sql_as(&self, user: &str, password: &str, stmt: &str) -> Result<String, Error> {
        let (host, port, user, pass) = (
            format!("-h{}", self.place.host),
            format!("-P{}", self.port()),
            format!("-u{user}"),
            format!("-p{password}"),
        );
        self.client(&["-N", "--protocol=TCP", &host, &port, &user, &pass], stmt)
    }

    fn client(&self, args: &[&str], stmt: &str) -> Result<String, Error> {
        run_to_end(
            command("mariadb")?
                .args(["--no-defaults", "--connect-timeout=5", "-B"])
                .args(args)
                .arg("-e")
                .arg(stmt),
        )
        .map_err(|e| self.error(e.to_string()))
    }

    /// `SHOW SLAVE STATUS` as column → value (empty if it is not a replica).
    pub fn slave_status(&self) -> Result<HashMap<String, String>, Error> {
        let socket = format!("--socket={}", self.socket().display());
        let out = self.client(&[&socket, "-uroot"], "SHOW SLAVE STATUS")?;
        let mut lines = out.lines();
        let (Some(head), Some(row)) = (lines.next(), lines.next()) else {
            return Ok(HashMap::new());
        };
        Ok(head.split('\t').map(String::from).zip(row.split('\t').map(String::from)).collect())
    }

    /// SIGKILL and reap (no-op if not running).
    pub fn kill9(&self) {
        if let Some(mut child) = self.child().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Graceful shutdown: SIGTERM (and SIGCONT, in case it is stopped), then wait for the exit.
    pub fn stop(&self) -> Result<(), Error> {
        let Some(pid) = self.pid() else { return Ok(()) };
        for sig in [Signal::Term, Signal::Cont] {
            process::send(pid, sig).map_err(Error::io(format!("signal {self}")))?;
        }
        let result = Wait::new(TIMEOUT, format!("{self} to shut down"))
            .every(POLL)
            .blocking_until(|| !self.is_running());
        self.kill9();
        Ok(result?)
    }

    /// Starts it again (after `stop`/`kill9`; stops it first if running) on the same datadir and
    /// port, and waits until it accepts connections.
    pub fn restart(&self) -> Result<(), Error> {
        self.stop()?;
        let offset = self.spawn()?;
        match self.wait_ready(offset)? {
            true => Ok(()),
            false => Err(self.error("its port was taken by someone else")),
        }
    }

    /// SIGSTOP: the server hangs (TCP handshakes still complete; nothing answers).
    pub fn sigstop(&self) -> Result<(), Error> {
        let pid = self.pid().ok_or_else(|| self.error("not running"))?;
        process::send(pid, Signal::Stop).map_err(Error::io(format!("SIGSTOP {self}")))
    }
    /// SIGCONT: resumes a server hung with [`Server::sigstop`].
    pub fn sigcont(&self) -> Result<(), Error> {
        let pid = self.pid().ok_or_else(|| self.error("not running"))?;
        process::send(pid, Signal::Cont).map_err(Error::io(format!("SIGCONT {self}")))
    }

    pub(super) fn write_cnf(&self) -> Result<(), Error> {
        let cnf = my_cnf(&self.dir, self.id, &self.place.host, self.port(), &self.extra_cnf);
        std::fs::write(self.dir.join("my.cnf"), cnf).map_err(Error::io("write my.cnf"))
    }

    /// Spawns mariadbd; returns the error log's length before the start (for the log tail).
    pub(super) fn spawn(&self) -> Result<u64, Error> {
        let offset = std::fs::metadata(self.error_log()).map(|m| m.len()).unwrap_or(0);
        let stderr = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("stderr.log"))
            .map_err(Error::io("open stderr.log"))?;
        let mut cmd = match &self.place.netns {
            None => command("mariadbd")?,
            Some(ns) => {
                let mariadbd = process::find_program("mariadbd")
                    .ok_or_else(|| Error::NotInstalled("mariadbd not found".into()))?;
                let mut ip = Command::new("ip");
                ip.args(["netns", "exec", ns]).arg(mariadbd); // `ip netns exec` execs: same pid
                ip
            }
        };
        let _ = std::fs::remove_file(self.socket());
        cmd.arg(format!("--defaults-file={}", self.dir.join("my.cnf").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        *self.child() = Some(spawn_child(cmd).map_err(Error::io(format!("spawn {self}")))?);
        Ok(offset)
    }

    /// Waits for the greeting on the unix socket. `Ok(false)`: it exited because its port was
    /// taken.
    pub(super) fn wait_ready(&self, offset: u64) -> Result<bool, Error> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if !self.is_running() {
                let tail = self.log_tail(offset);
                if tail.contains("Address already in use") {
                    self.kill9();
                    return Ok(false);
                }
                return Err(self.error(format!("exited during start:\n{tail}")));
            }
            if greeting(&self.socket()) {
                return Ok(true);
            }
            if Instant::now() > deadline {
                self.kill9();
                let tail = self.log_tail(offset);
                return Err(self.error(format!("not ready after {TIMEOUT:?}:\n{tail}")));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The last 20 lines written to error.log since `offset`, plus the end of stderr.log.
    fn log_tail(&self, offset: u64) -> String {
        let errors = tail_from(&self.error_log(), offset, 20);
        let stderr = process::tail(&self.dir.join("stderr.log"), 20);
        format!("{errors}\n{stderr}").trim().to_string()
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

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{} (port {})", self.id, self.port())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
