//! Processes and files behind the sandbox: binaries, the template datadir, ports, signals.

#![allow(clippy::wildcard_imports)]

use super::*;

pub(super) fn other(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

/// Absolute path of a MariaDB executable: `$PATH`, then the sbin directories (not always in `$PATH`).
pub(super) fn bin(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub(super) fn command(name: &str) -> io::Result<Command> {
    bin(name).map(Command::new).ok_or_else(|| other(format!("{name} not found in $PATH or sbin")))
}

/// Runs `cmd` to completion; stdout on success, an error with its stderr otherwise.
pub(super) fn run(cmd: &mut Command) -> io::Result<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        let (status, err) = (out.status, String::from_utf8_lossy(&out.stderr));
        let err = err.trim();
        return Err(other(format!("{cmd:?} failed ({status}): {err}")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').to_string())
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
    fn prctl(option: i32, ...) -> i32;
}
pub(super) const SIGKILL: i32 = 9;
pub(super) const SIGTERM: i32 = 15;
pub(super) const SIGCONT: i32 = 18;
pub(super) const SIGSTOP: i32 = 19;
pub(super) const PR_SET_PDEATHSIG: i32 = 1;

/// Spawns `cmd` from one thread that lives as long as the process, with `PR_SET_PDEATHSIG`
/// (which fires when the *spawning thread* exits), so the child dies with this process.
pub(super) fn spawn_child(mut cmd: Command) -> io::Result<Child> {
    type Job = Box<dyn FnOnce() + Send>;
    static SPAWNER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::spawn(move || rx.into_iter().for_each(|job| job()));
        tx
    });
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| match prctl(PR_SET_PDEATHSIG, SIGKILL as std::ffi::c_ulong) {
            0 => Ok(()),
            _ => Err(io::Error::last_os_error()),
        });
    }
    let (rtx, rrx) = mpsc::channel();
    let gone = || other("mariadb spawner thread is gone");
    tx.send(Box::new(move || drop(rtx.send(cmd.spawn())))).map_err(|_| gone())?;
    rrx.recv().map_err(|_| gone())?
}

pub(super) fn signal(pid: u32, sig: i32) -> io::Result<()> {
    // SAFETY: plain syscall; `pid` is our own unreaped child, so it cannot have been reused.
    match unsafe { kill(pid as i32, sig) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// /dev/shm when writable (tmpfs: fast and immune to fsync stalls), else the temp dir.
pub(super) fn scratch_root() -> &'static Path {
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
pub(super) fn sweep_stale() {
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
pub(super) fn template() -> io::Result<PathBuf> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TEMPLATE.get_or_init(|| build_template().map_err(|e| e.to_string())).clone().map_err(other)
}

pub(super) fn build_template() -> io::Result<PathBuf> {
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
pub(super) fn reserved() -> MutexGuard<'static, HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// A currently bindable port in 20000..(start of the ephemeral range), so that outgoing
/// connections (e.g. a replica reconnecting) can never take a stopped server's port.
pub(super) fn reserve_port() -> io::Result<u16> {
    let range = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let eph_low = range.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768u32);
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
