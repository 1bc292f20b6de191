//! `orchestrator --config FILE check-config`: every key of a file with its status here, and
//! whether a node would start with it.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::key_status::{statuses, KeyStatus};
use super::NodeConfig;

/// What `check-config` found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Every key of the file (sorted) with its status.
    pub keys: Vec<(String, KeyStatus)>,
    /// Why the file does not load once the refused keys are set aside, if it does not.
    pub error: Option<String>,
}

impl CheckReport {
    /// Whether a node would start with this file: no refused key, no other error.
    pub fn passes(&self) -> bool {
        self.error.is_none() && !self.keys.iter().any(|(_, s)| matches!(s, KeyStatus::Refused(_)))
    }

    /// The printed report: one line per key, then a summary line.
    pub fn render(&self) -> String {
        let width = self.keys.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut out = String::new();
        let mut counts = [0usize; 4];
        for (key, status) in &self.keys {
            let slot = match status {
                KeyStatus::Honoured => 0,
                KeyStatus::IgnoredHarmless(_) | KeyStatus::IgnoredNeutral(_) => 1,
                KeyStatus::Refused(_) => 2,
                KeyStatus::Unknown => 3,
            };
            counts[slot] += 1;
            let _ = writeln!(out, "{key:<width$}  {status}");
        }
        if let Some(e) = &self.error {
            let _ = writeln!(out, "error: {e}");
        }
        let _ = writeln!(
            out,
            "{}: {} keys: {} honoured, {} ignored-harmless, {} refused, {} unknown (ignored)",
            if self.passes() { "OK" } else { "REFUSED" },
            self.keys.len(),
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        );
        out
    }
}

/// Checks config text.
pub fn check_text(text: &str) -> CheckReport {
    let map = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return failed("config file: top level must be a JSON object"),
        Err(e) => return failed(&format!("config file: not valid JSON: {e}")),
    };
    let keys = statuses(&map);
    // Validate the rest as a node would, with the refused keys (already reported) set aside.
    let mut rest = map;
    for (key, status) in &keys {
        if matches!(status, KeyStatus::Refused(_)) {
            rest.remove(key);
        }
    }
    let error = NodeConfig::parse(&Value::Object(rest).to_string()).err().map(|e| e.to_string());
    CheckReport { keys, error }
}

/// Checks a config file.
pub fn check_file(path: &Path) -> CheckReport {
    match std::fs::read_to_string(path) {
        Ok(text) => check_text(&text),
        Err(e) => failed(&format!("cannot read {}: {e}", path.display())),
    }
}

fn failed(error: &str) -> CheckReport {
    CheckReport { keys: Vec::new(), error: Some(error.to_string()) }
}
