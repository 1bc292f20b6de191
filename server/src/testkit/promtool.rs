//! Prometheus's own `promtool check metrics` over an exposition text (Debian's `prometheus`
//! package ships it; `.ci/setup` installs it).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Where `promtool` is, or why it cannot be used.
pub fn available() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("promtool"))
        .find(|p| p.is_file())
        .ok_or_else(|| "promtool is not on PATH (Debian package prometheus)".to_string())
}

/// `true` when `promtool` can be used. Without it a test is skipped with a printed reason, except
/// under CI (`CI` set), where a missing tool is a failure: `.ci/setup` installs it.
pub fn require(test: &str) -> bool {
    match available() {
        Ok(_) => true,
        Err(why) if std::env::var_os("CI").is_some() => panic!("{test}: {why}"),
        Err(why) => {
            eprintln!("SKIPPED {test}: {why}");
            false
        }
    }
}

/// Runs `promtool check metrics` on `exposition`; its complaints when it finds any.
pub fn check(exposition: &str) -> Result<(), String> {
    let tool = available()?;
    let mut child = Command::new(tool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run promtool: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(exposition.as_bytes()).map_err(|e| format!("promtool stdin: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("promtool: {e}"))?;
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() && text.trim().is_empty() {
        Ok(())
    } else {
        Err(format!("promtool check metrics ({}): {text}", out.status))
    }
}
