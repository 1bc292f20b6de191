//! The template datadir every server is copied from, and the scratch root it lives in.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::{Error, NODE_USERS, ORC_PASSWORD, ORC_USER, REPL_PASSWORD, REPL_USER};
use crate::testkit::process::{find_program, run_to_end};

/// Prefix of every directory the sandbox makes in the scratch root (`orc-mdb-<pid>-…`).
pub(super) const PREFIX: &str = "orc-mdb-";

const INSTALL_ARGS: [&str; 6] = [
    "--no-defaults",
    "--user=root",
    "--skip-test-db",
    "--skip-name-resolve",
    "--auth-root-authentication-method=socket",
    "--innodb-log-file-size=8M",
];

/// The users made in the template (`mariadb-install-db --extra-file`, binlog off).
fn users_sql() -> String {
    let mut sql = String::from("FLUSH PRIVILEGES;\n");
    let users = std::iter::once(ORC_USER.to_string())
        .chain((0..NODE_USERS).map(|i| format!("{ORC_USER}{i}")));
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

/// A command for MariaDB program `name`.
pub(super) fn command(name: &str) -> Result<Command, Error> {
    find_program(name)
        .map(Command::new)
        .ok_or_else(|| Error::NotInstalled(format!("{name} not found in $PATH or sbin")))
}

/// /dev/shm when writable (tmpfs: fast, and immune to fsync stalls), else the temp dir.
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

/// Removes `orc-mdb-<pid>-*` directories left behind by processes that no longer exist.
pub(super) fn sweep_stale() {
    for entry in std::fs::read_dir(scratch_root()).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix(PREFIX).and_then(|r| r.split('-').next());
        if let Some(pid) = pid.filter(|p| p.parse::<u32>().is_ok()) {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The template datadir, built at most once per process; parallel callers wait for the first.
pub(super) fn template() -> Result<PathBuf, Error> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| build().map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| Error::Usage(format!("building the MariaDB template datadir: {e}")))
}

fn build() -> Result<PathBuf, Error> {
    let version = run_to_end(command("mariadbd")?.arg("--version"))?;
    let mut h = DefaultHasher::new();
    (&version, users_sql(), INSTALL_ARGS).hash(&mut h);
    let done = scratch_root().join(format!("{PREFIX}template-{:016x}", h.finish()));
    if done.join("data").is_dir() {
        return Ok(done); // made earlier, possibly by another process
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-tpl-", std::process::id()))
        .tempdir_in(scratch_root())
        .map_err(Error::io("create the template's temp dir"))?;
    let extra = tmp.path().join("extra.sql");
    std::fs::write(&extra, users_sql()).map_err(Error::io("write extra.sql"))?;
    run_to_end(
        command("mariadb-install-db")?
            .args(INSTALL_ARGS)
            .arg(format!("--datadir={}", tmp.path().join("data").display()))
            .arg(format!("--extra-file={}", extra.display())),
    )?;
    // Atomic publish; if another process won the race, use its copy and drop ours.
    if std::fs::rename(tmp.path(), &done).is_err() && !done.join("data").is_dir() {
        return Err(Error::Usage(format!("cannot publish the template at {}", done.display())));
    }
    Ok(done)
}
