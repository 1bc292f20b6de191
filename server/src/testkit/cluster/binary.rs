//! The `orchestrator` binary under test, and one-shot runs of it.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use super::ClusterError;
use crate::testkit::process::sibling_binary;

/// The `orchestrator` binary built alongside the running executable (the integration test's
/// `target/<profile>/orchestrator`, or the one next to a kit binary).
pub fn orchestrator_binary() -> Result<PathBuf, ClusterError> {
    sibling_binary("orchestrator").ok_or_else(|| {
        let me = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default();
        ClusterError::BinaryNotFound(format!("not next to {me}"))
    })
}

/// Runs the `orchestrator` binary to completion with `args` in `dir`: its status, and its
/// stderr followed by its stdout.
pub fn run_once(dir: &Path, args: &[&str]) -> (ExitStatus, String) {
    let bin = orchestrator_binary().expect("the orchestrator binary");
    let out = Command::new(&bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    (out.status, text)
}
