//! Command line of the `orchestrator` binary: `--config FILE http`, and CLI mode (`-c command`),
//! which refuses to run when raft is enabled, as orchestrator does.

use std::path::PathBuf;

use thiserror::Error;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `http`: run a node.
    Http {
        /// `--config` / `-config`, or the default search path.
        config: Option<PathBuf>,
    },
    /// `-c <command> ...`: orchestrator's CLI mode.
    Cli {
        /// Config file.
        config: Option<PathBuf>,
        /// The command name.
        command: String,
        /// `--ignore-raft-setup` given.
        ignore_raft_setup: bool,
    },
    /// `reset-raft-state`: set this node's raft log, vote and snapshots aside so that it rejoins
    /// as a new member by snapshot (only while the node is stopped).
    ResetRaftState {
        /// Config file.
        config: Option<PathBuf>,
    },
    /// `check-config`: print every key of the config file with its status here; exit
    /// non-zero when a node would refuse it.
    CheckConfig {
        /// Config file.
        config: Option<PathBuf>,
    },
    /// `--help`.
    Help,
    /// `--version`.
    Version,
}

/// A command-line error (exit code 2).
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Usage text.
pub const USAGE: &str = "\
usage: orchestrator [--config FILE] http
       orchestrator [--config FILE] check-config
       orchestrator [--config FILE] reset-raft-state
       orchestrator [--config FILE] -c <command> [options]

  --config FILE, -config FILE   orchestrator JSON config (default: /etc/orchestrator.conf.json,
                                conf/orchestrator.conf.json, orchestrator.conf.json)
  http                          run this node: raft member, HTTP API and dashboard
  check-config                  print every key of the config file as honoured, ignored-harmless
                                or refused (and any other error); exit 1 if a node would refuse it
  reset-raft-state              with the node stopped: set RaftDataDir's log, vote and snapshots
                                aside (into RaftDataDir/discarded-*); the next start rejoins the
                                cluster as a new member and receives a snapshot from the leader
  -c <command>                  CLI mode (refused when RaftEnabled is true: use the HTTP API
                                or orchestrator-client against the raft leader)
  --version, --help";

/// Parses arguments (without the program name). Single- and double-dash long options both work,
/// as with Go's flag package, and `--config=FILE` too.
pub fn parse(args: &[String]) -> Result<Invocation, UsageError> {
    let mut config = None;
    let mut command = None;
    let mut http = false;
    let mut reset = false;
    let mut check = false;
    let mut ignore_raft_setup = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let flag = arg.trim_start_matches('-');
        let dashed = arg.starts_with('-');
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) if dashed => (n, Some(v.to_string())),
            _ => (flag, None),
        };
        let mut value = |what: &str| -> Result<String, UsageError> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| UsageError(format!("{what} needs a value")))
        };
        match (dashed, name) {
            (true, "config") => config = Some(PathBuf::from(value("--config")?)),
            (true, "c") => command = Some(value("-c")?),
            (true, "ignore-raft-setup") => ignore_raft_setup = true,
            (true, "help" | "h") => return Ok(Invocation::Help),
            (true, "version") => return Ok(Invocation::Version),
            (true, "debug" | "verbose" | "stack" | "quiet") => {}
            (false, "http") => http = true,
            (false, "reset-raft-state") if command.is_none() => reset = true,
            (false, "check-config") if command.is_none() => check = true,
            (false, _) if command.is_some() => {} // CLI-mode arguments
            (true, _) if command.is_some() => {
                // CLI-mode options such as -i host:port take a value.
                if inline.is_none() && args.get(i + 1).is_some_and(|a| !a.starts_with('-')) {
                    i += 1;
                }
            }
            _ => return Err(UsageError(format!("unexpected argument {arg:?}\n\n{USAGE}"))),
        }
        i += 1;
    }
    if check {
        if http || reset || command.is_some() {
            return Err(UsageError("check-config runs alone, without http or -c".into()));
        }
        return Ok(Invocation::CheckConfig { config });
    }
    if reset {
        if http || command.is_some() {
            return Err(UsageError("reset-raft-state runs alone, without http or -c".into()));
        }
        return Ok(Invocation::ResetRaftState { config });
    }
    match (http, command) {
        (true, Some(_)) => Err(UsageError("give either http or -c <command>, not both".into())),
        (true, None) => Ok(Invocation::Http { config }),
        (false, Some(command)) => Ok(Invocation::Cli { config, command, ignore_raft_setup }),
        (false, None) => Err(UsageError(format!("nothing to do\n\n{USAGE}"))),
    }
}

/// Finds the config file: the given one, else orchestrator's default locations.
pub fn find_config(given: Option<PathBuf>) -> Result<PathBuf, UsageError> {
    if let Some(path) = given {
        return Ok(path);
    }
    ["/etc/orchestrator.conf.json", "conf/orchestrator.conf.json", "orchestrator.conf.json"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| UsageError("no --config given and no orchestrator.conf.json found".into()))
}

/// The message CLI mode prints when raft is enabled.
pub const CLI_REFUSED_IN_RAFT: &str = "orchestrator CLI mode is not supported when RaftEnabled is true: changes made \
this way would reach only this node's backend and never be replicated. Use the HTTP API of the raft leader \
(any node proxies writes to it), or orchestrator-client with ORCHESTRATOR_API listing the nodes.";

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn accepts_both_config_spellings() {
        let want = Invocation::Http { config: Some(PathBuf::from("/x.json")) };
        assert_eq!(parse(&args("--config /x.json http")).unwrap(), want);
        assert_eq!(parse(&args("-config /x.json http")).unwrap(), want);
        assert_eq!(parse(&args("--config=/x.json http")).unwrap(), want);
        assert_eq!(parse(&args("http --config /x.json")).unwrap(), want);
    }

    #[test]
    fn cli_mode() {
        match parse(&args("-config /x.json -c begin-downtime -i h:1 --duration 10m")).unwrap() {
            Invocation::Cli { command, .. } => assert_eq!(command, "begin-downtime"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reset_raft_state() {
        let want = Invocation::ResetRaftState { config: Some(PathBuf::from("/x.json")) };
        assert_eq!(parse(&args("--config /x.json reset-raft-state")).unwrap(), want);
        assert!(parse(&args("--config /x.json reset-raft-state http")).is_err());
    }

    #[test]
    fn errors() {
        assert!(parse(&args("")).is_err());
        assert!(parse(&args("--config")).is_err());
        assert!(parse(&args("serve")).is_err());
    }
}
