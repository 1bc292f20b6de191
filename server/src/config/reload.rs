//! `reload-configuration`: which keys of a re-read config file may take effect while the node
//! runs (recovery filters, timings and hooks), and which may not (everything else: they need a
//! restart).

use serde_json::Value;

use super::{ConfigError, NodeConfig};

/// Keys a reload applies: the recovery settings the recovery code reads at each use.
pub const RELOADABLE: &[&str] = &[
    "RecoverMasterClusterFilters",
    "RecoverIntermediateMasterClusterFilters",
    "RecoveryPeriodBlockSeconds",
    "FailureDetectionPeriodBlockMinutes",
    "ApplyMySQLPromotionAfterMasterFailover",
    "FailedMasterDowntimeMinutes",
    "PromotionIgnoreHostnameFilters",
    "ProcessesShellCommand",
    "HookTimeoutSeconds",
    "MySQLReplicaUser",
    "MySQLReplicaPassword",
    "ReasonableMaintenanceReplicationLagSeconds",
    "OnFailureDetectionProcesses",
    "PreFailoverProcesses",
    "PostMasterFailoverProcesses",
    "PostIntermediateMasterFailoverProcesses",
    "PostFailoverProcesses",
    "PostUnsuccessfulFailoverProcesses",
    "PreGracefulTakeoverProcesses",
    "PostGracefulTakeoverProcesses",
];

/// The config file's keys as read, for comparing with a reload. Its `Debug` shows key names
/// only: the values include passwords.
#[derive(Clone, Default, PartialEq)]
pub struct RawKeys(pub Value);

impl std::fmt::Debug for RawKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&String> = self.0.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        f.debug_tuple("RawKeys").field(&keys).finish()
    }
}

/// What a reload found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadPlan {
    /// Changed keys that take effect now.
    pub applied: Vec<String>,
    /// Changed keys that need a restart (not applied).
    pub refused: Vec<String>,
}

/// Compares the file's new text with the config the node runs; the new config (validated as a
/// whole: an invalid file changes nothing) and the plan.
pub fn plan(current: &NodeConfig, text: &str) -> Result<(NodeConfig, ReloadPlan), ConfigError> {
    let next = NodeConfig::parse(text)?;
    let empty = serde_json::Map::new();
    let old = current.origin.raw.0.as_object().unwrap_or(&empty);
    let new = next.origin.raw.0.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut plan = ReloadPlan::default();
    for key in keys {
        if old.get(key.as_str()) == new.get(key.as_str()) {
            continue;
        }
        if RELOADABLE.contains(&key.as_str()) {
            plan.applied.push(key.clone());
        } else {
            plan.refused.push(key.clone());
        }
    }
    Ok((next, plan))
}

/// Applies the reloadable part of `next` to `current` (shared by every clone of it).
pub fn apply(current: &NodeConfig, next: &NodeConfig, plan: &ReloadPlan) {
    if !plan.applied.is_empty() {
        current.live_recovery.set(next.recovery.clone());
    }
}

/// A value shown in a reply: secrets are masked.
pub fn shown(key: &str, value: Option<&Value>) -> Value {
    if key.contains("Password") || key.contains("Token") {
        return Value::from("********");
    }
    value.cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> String {
        format!(
            r#"{{"RaftEnabled": true, "RaftDataDir": "/tmp/x", "RaftBind": "10.0.0.1",
                "BackendDB": "sqlite", "SQLite3DataFile": "/tmp/x/orc.db" {extra}}}"#
        )
    }

    #[test]
    fn recovery_keys_apply_others_are_refused() {
        let current =
            NodeConfig::parse(&config(r#", "RecoverMasterClusterFilters": ["a"]"#)).unwrap();
        let text = config(
            r#", "RecoverMasterClusterFilters": ["*"], "PostFailoverProcesses": ["echo x"],
                 "ListenAddress": ":3001""#,
        );
        let (next, plan) = plan(&current, &text).unwrap();
        assert_eq!(plan.applied, ["PostFailoverProcesses", "RecoverMasterClusterFilters"]);
        assert_eq!(plan.refused, ["ListenAddress"]);
        let shared = current.clone();
        apply(&current, &next, &plan);
        assert!(shared.recovery().master_filters.matches("zzz", "zzz"));
        assert_eq!(shared.recovery().hooks.post_failover, ["echo x"]);
        assert!(!current.recovery.master_filters.matches("zzz", "zzz"), "the start value stays");
    }

    #[test]
    fn an_invalid_file_changes_nothing() {
        let current = NodeConfig::parse(&config("")).unwrap();
        let e = plan(&current, &config(r#", "RecoveryPeriodBlockSeconds": "soon""#)).unwrap_err();
        assert_eq!(e.key, "RecoveryPeriodBlockSeconds");
        assert!(plan(&current, "{").is_err());
    }
}
