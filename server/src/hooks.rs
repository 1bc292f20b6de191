//! Hooks (orchestrator's `*Processes`, run by recoveries, failure detection and take-master):
//! run with `{placeholder}` substitution and `ORC_*` environment variables, without ever letting
//! a value become shell syntax.
//!
//! A placeholder is not pasted into the command text: it is replaced by a quoted expansion of
//! its environment variable (`{failedHost}` → `"${ORC_FAILED_HOST}"`). The shell expands it as
//! one word and never parses the value, so a host or reason like `$(touch pwned)` stays text.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// (placeholder, environment variable) pairs orchestrator defines.
const VARS: &[(&str, &str)] = &[
    ("failureType", "ORC_FAILURE_TYPE"),
    ("instanceType", "ORC_INSTANCE_TYPE"),
    ("isMaster", "ORC_IS_MASTER"),
    ("isCoMaster", "ORC_IS_CO_MASTER"),
    ("failureDescription", "ORC_FAILURE_DESCRIPTION"),
    ("command", "ORC_COMMAND"),
    ("failedHost", "ORC_FAILED_HOST"),
    ("failedPort", "ORC_FAILED_PORT"),
    ("failureCluster", "ORC_FAILURE_CLUSTER"),
    ("failureClusterAlias", "ORC_FAILURE_CLUSTER_ALIAS"),
    ("failureClusterDomain", "ORC_FAILURE_CLUSTER_DOMAIN"),
    ("countReplicas", "ORC_COUNT_REPLICAS"),
    ("countSlaves", "ORC_COUNT_REPLICAS"),
    ("isDowntimed", "ORC_IS_DOWNTIMED"),
    ("autoMasterRecovery", "ORC_AUTO_MASTER_RECOVERY"),
    ("autoIntermediateMasterRecovery", "ORC_AUTO_INTERMEDIATE_MASTER_RECOVERY"),
    ("orchestratorHost", "ORC_ORCHESTRATOR_HOST"),
    ("recoveryUID", "ORC_RECOVERY_UID"),
    ("isSuccessful", "ORC_IS_SUCCESSFUL"),
    ("lostReplicas", "ORC_LOST_REPLICAS"),
    ("lostSlaves", "ORC_LOST_REPLICAS"),
    ("countLostReplicas", "ORC_COUNT_LOST_REPLICAS"),
    ("replicaHosts", "ORC_REPLICA_HOSTS"),
    ("slaveHosts", "ORC_REPLICA_HOSTS"),
    ("successorHost", "ORC_SUCCESSOR_HOST"),
    ("successorPort", "ORC_SUCCESSOR_PORT"),
    ("successorAlias", "ORC_SUCCESSOR_ALIAS"),
];

/// Values for one hook run, by environment variable name.
#[derive(Debug, Clone, Default)]
pub struct HookContext {
    values: Vec<(&'static str, String)>,
}

impl HookContext {
    /// Sets the value of the variable behind `placeholder` (e.g. `"failedHost"`).
    pub fn set(&mut self, placeholder: &str, value: impl Into<String>) -> &mut Self {
        if let Some((_, env)) = VARS.iter().find(|(p, _)| *p == placeholder) {
            let value = value.into();
            self.values.retain(|(e, _)| e != env);
            self.values.push((env, value));
        }
        self
    }

    /// Every `ORC_*` variable, unset ones empty.
    fn env(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> =
            VARS.iter().map(|(_, e)| (*e, String::new())).collect();
        out.dedup_by_key(|(e, _)| *e);
        for (env, value) in &self.values {
            for slot in out.iter_mut().filter(|(e, _)| e == env) {
                slot.1 = value.clone();
            }
        }
        out
    }
}

/// Replaces each `{placeholder}` with an expansion of its variable that the shell reads as one
/// word whatever the value holds, taking the surrounding quotes into account: outside quotes
/// `"${VAR}"`, inside double quotes `${VAR}`, inside single quotes `'"${VAR}"'`. Unknown braces
/// stay as written.
pub fn render(command: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(command.len() + 32);
    let mut quote = Quote::None;
    let mut rest = command;
    while let Some(c) = rest.chars().next() {
        if c == '{' {
            if let Some((placeholder, env)) = VARS
                .iter()
                .find(|(p, _)| rest[1..].starts_with(p) && rest[1 + p.len()..].starts_with('}'))
            {
                out.push_str(&match quote {
                    Quote::None => format!("\"${{{env}}}\""),
                    Quote::Double => format!("${{{env}}}"),
                    Quote::Single => format!("'\"${{{env}}}\"'"),
                });
                rest = &rest[placeholder.len() + 2..];
                continue;
            }
        }
        match (quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::Single, '\'') => quote = Quote::None,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Double, '"') => quote = Quote::None,
            (Quote::None | Quote::Double, '\\') => {
                // An escaped character is copied as is, whatever it is.
                out.push(c);
                rest = &rest[1..];
                if let Some(next) = rest.chars().next() {
                    out.push(next);
                    rest = &rest[next.len_utf8()..];
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// How one hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookResult {
    /// The command as configured.
    pub command: String,
    /// Exit code (`None` when killed by timeout or a signal, or not started).
    pub code: Option<i32>,
    /// Combined output (truncated), or why it did not run.
    pub output: String,
}

impl HookResult {
    /// Exited with code 0.
    pub fn succeeded(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs `commands` in order with `shell -c`, each bounded by `timeout`.
pub async fn run_all(
    commands: &[String],
    ctx: &HookContext,
    shell: &str,
    timeout: Duration,
) -> Vec<HookResult> {
    let mut results = Vec::with_capacity(commands.len());
    for command in commands {
        results.push(run_one(command, ctx, shell, timeout).await);
    }
    results
}

async fn run_one(command: &str, ctx: &HookContext, shell: &str, timeout: Duration) -> HookResult {
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(render(command))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (env, value) in ctx.env() {
        cmd.env(env, value);
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return HookResult {
                command: command.into(),
                code: None,
                output: format!("cannot start {shell}: {e}"),
            }
        }
    };
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            text.truncate(2_000);
            HookResult { command: command.into(), code: out.status.code(), output: text }
        }
        Ok(Err(e)) => HookResult { command: command.into(), code: None, output: e.to_string() },
        Err(_) => HookResult {
            command: command.into(),
            code: None,
            output: format!("killed after {timeout:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn placeholders_are_values_never_shell() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("pwned");
        let mut ctx = HookContext::default();
        ctx.set("failedHost", format!("$(touch {})", marker.display())).set("failedPort", "3306");
        let out_file = dir.path().join("out");
        let out = out_file.display();
        let cmds = vec![
            format!("echo {{failedHost}}:{{failedPort}} > {out}"),
            format!("echo \"host={{failedHost}} port={{failedPort}}\" >> {out}"),
            format!("echo 'host={{failedHost}}' >> {out}"),
            format!("echo \"$ORC_FAILED_PORT\" >> {out}"),
        ];
        let results = run_all(&cmds, &ctx, "sh", Duration::from_secs(10)).await;
        assert!(results.iter().all(HookResult::succeeded), "{results:?}");
        assert!(!marker.exists(), "a placeholder value must never run as a command");
        let written = std::fs::read_to_string(&out_file).unwrap();
        let host = format!("$(touch {})", marker.display());
        assert_eq!(written, format!("{host}:3306\nhost={host} port=3306\nhost={host}\n3306\n"));
    }

    #[test]
    fn renders_by_quote_context() {
        assert_eq!(render("a {failedHost} b"), "a \"${ORC_FAILED_HOST}\" b");
        assert_eq!(render("a \"x{failedHost}\""), "a \"x${ORC_FAILED_HOST}\"");
        assert_eq!(render("a '{failedHost}'"), "a ''\"${ORC_FAILED_HOST}\"''");
        assert_eq!(render("a \\{failedHost} {nope}"), "a \\{failedHost} {nope}");
    }

    #[tokio::test]
    async fn failures_and_timeouts_are_reported() {
        let ctx = HookContext::default();
        let r = run_all(&["exit 3".into()], &ctx, "sh", Duration::from_secs(5)).await;
        assert_eq!(r[0].code, Some(3));
        let r = run_all(&["sleep 5".into()], &ctx, "sh", Duration::from_millis(100)).await;
        assert_eq!(r[0].code, None);
        assert!(!r[0].succeeded());
    }
}
