//! Finding executables: system programs (`$PATH`, then the sbin directories, which are not always
//! on `$PATH`), and the workspace's binaries next to the running one.

use std::path::PathBuf;

/// Absolute path of program `name`: `$PATH`, then `/usr/sbin`, `/usr/local/sbin`, `/sbin`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Binary `name` of this workspace built alongside the running executable: in its directory
/// (`target/debug/` for a binary) or the one above (`target/debug/deps/` for a test).
pub fn sibling_binary(name: &str) -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    let dir = me.parent()?;
    let found =
        [Some(dir), dir.parent()].into_iter().flatten().map(|d| d.join(name)).find(|p| p.is_file());
    found
}
