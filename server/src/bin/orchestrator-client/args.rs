//! Command line and environment, as orchestrator-client reads them.
//!
//! Flags come as `-i value`, `-ivalue`, `--instance value`, `--instance=value` or the single-dash
//! long form (`-path clusters`). Defaults come from `ORCHESTRATOR_API`, `ORCHESTRATOR_INSTANCE`,
//! `ORCHESTRATOR_AUTH_USER` / `ORCHESTRATOR_AUTH_PASSWORD` and `ORCHESTRATOR_AUTH_USER_HEADER`.
//! Empty values count as absent. The word `slave` in a command name becomes `replica`.

use std::collections::BTreeMap;

use crate::error::ClientError;

/// Endpoint used when `ORCHESTRATOR_API` is unset or empty.
pub const DEFAULT_API: &str = "http://localhost:3000";
/// Port used for `-i host` without `:port` when `-D` is not given.
pub const DEFAULT_PORT: u16 = 3306;
/// Downtime duration when `-u` is not given.
pub const DEFAULT_DURATION: &str = "10m";

/// Options that take a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Opt {
    /// `-c`: the command.
    Command,
    /// `-i`: instance (`host[:port]`) or cluster hint.
    Instance,
    /// `-d` / `-s`: destination instance.
    Destination,
    /// `-a`: cluster alias.
    Alias,
    /// `-o`: downtime owner.
    Owner,
    /// `-r`: reason (downtime, acknowledgement comment).
    Reason,
    /// `-u`: downtime duration.
    Duration,
    /// `-R`: promotion rule.
    PromotionRule,
    /// `-t`: tag.
    Tag,
    /// `-l`: pool.
    Pool,
    /// `-H`: hostname (raft operations).
    Hostname,
    /// `-D`: default MySQL port.
    DefaultPort,
    /// `-U`: API endpoint(s), overriding `ORCHESTRATOR_API`.
    Api,
    /// `-P`: raw API path for `-c api`.
    Path,
    /// `-b`: `user:password` for basic auth.
    Auth,
    /// `-e`: `Header: value` for header auth.
    HeadersAuth,
    /// `-q`: query.
    Query,
    /// `-n`: binary log.
    Binlog,
    /// `-S`: seconds.
    Seconds,
    /// `-p`: a MySQL process (connection) id, for `kill-query`; orchestrator-rs only.
    Process,
}

/// One option of the command line, for parsing and for `--help`.
pub struct Flag {
    /// Short letters (`-i`); some options have two.
    pub short: &'static [char],
    /// Long name without dashes.
    pub long: &'static str,
    /// Which option it sets.
    pub opt: Opt,
    /// Placeholder shown in `--help`.
    pub value: &'static str,
    /// One line of help.
    pub help: &'static str,
}

/// Every option taking a value.
pub const FLAGS: &[Flag] = &[
    Flag {
        short: &['c'],
        long: "command",
        opt: Opt::Command,
        value: "command",
        help: "the command to run (see below)",
    },
    Flag {
        short: &['i'],
        long: "instance",
        opt: Opt::Instance,
        value: "host[:port]",
        help: "instance, or cluster hint (default $ORCHESTRATOR_INSTANCE)",
    },
    Flag {
        short: &['d', 's'],
        long: "destination",
        opt: Opt::Destination,
        value: "host[:port]",
        help: "destination / designated instance",
    },
    Flag { short: &['a'], long: "alias", opt: Opt::Alias, value: "alias", help: "cluster alias" },
    Flag {
        short: &['o'],
        long: "owner",
        opt: Opt::Owner,
        value: "owner",
        help: "downtime owner (default $USER)",
    },
    Flag {
        short: &['r'],
        long: "reason",
        opt: Opt::Reason,
        value: "reason",
        help: "downtime reason, acknowledgement comment",
    },
    Flag {
        short: &['u'],
        long: "duration",
        opt: Opt::Duration,
        value: "duration",
        help: "downtime duration, e.g. 30s, 10m, 2h (default 10m)",
    },
    Flag {
        short: &['R'],
        long: "promotion-rule",
        opt: Opt::PromotionRule,
        value: "rule",
        help: "prefer, neutral, prefer_not or must_not",
    },
    Flag {
        short: &['t'],
        long: "tag",
        opt: Opt::Tag,
        value: "tag",
        help: "tag (name or name=value)",
    },
    Flag { short: &['l'], long: "pool", opt: Opt::Pool, value: "pool", help: "pool name" },
    Flag {
        short: &['H'],
        long: "hostname",
        opt: Opt::Hostname,
        value: "hostname",
        help: "host for raft operations (raft-elect-leader)",
    },
    Flag {
        short: &['D'],
        long: "default-port",
        opt: Opt::DefaultPort,
        value: "port",
        help: "port assumed when -i/-d have none (default 3306)",
    },
    Flag {
        short: &['U'],
        long: "api",
        opt: Opt::Api,
        value: "url[ url...]",
        help: "API endpoint(s), overriding $ORCHESTRATOR_API",
    },
    Flag {
        short: &['P'],
        long: "path",
        opt: Opt::Path,
        value: "path",
        help: "API path for -c api",
    },
    Flag {
        short: &['b'],
        long: "auth",
        opt: Opt::Auth,
        value: "user:password",
        help: "basic auth (default $ORCHESTRATOR_AUTH_USER/PASSWORD)",
    },
    Flag {
        short: &['e'],
        long: "headers-auth",
        opt: Opt::HeadersAuth,
        value: "Header: value",
        help: "header auth (default $ORCHESTRATOR_AUTH_USER_HEADER)",
    },
    Flag { short: &['q'], long: "query", opt: Opt::Query, value: "query", help: "query text" },
    Flag {
        short: &['n'],
        long: "binlog",
        opt: Opt::Binlog,
        value: "binlog",
        help: "binary log name",
    },
    Flag { short: &['S'], long: "seconds", opt: Opt::Seconds, value: "seconds", help: "seconds" },
    Flag {
        short: &['p'],
        long: "process",
        opt: Opt::Process,
        value: "id",
        help: "MySQL process id for kill-query (orchestrator-rs only)",
    },
];

/// The parsed command line with environment defaults applied.
#[derive(Debug, Clone)]
pub struct Options {
    values: BTreeMap<Opt, String>,
    /// `-h` / `--help`.
    pub help: bool,
    /// `--debug`: requests and retries on stderr.
    pub debug: bool,
    /// `-D`, else 3306.
    pub default_port: u16,
    /// `-U`, else `ORCHESTRATOR_API`, else [`DEFAULT_API`].
    pub api: String,
    /// Basic auth (user, password), from `-b` or the environment.
    pub basic_auth: Option<(String, String)>,
    /// Header auth (`Name: value`), from `-e` or the environment.
    pub header_auth: Option<String>,
}

impl Options {
    /// A non-empty option value.
    pub fn get(&self, opt: Opt) -> Option<&str> {
        self.values.get(&opt).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The command name with `slave` rewritten to `replica` (first occurrence, as the original).
    pub fn command(&self) -> Option<String> {
        self.get(Opt::Command).map(|c| c.replacen("slave", "replica", 1))
    }
}

fn flag_by_long(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.long == name)
}

fn flag_by_short(c: char) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.short.contains(&c))
}

fn unset(values: &BTreeMap<Opt, String>, opt: Opt) -> bool {
    values.get(&opt).is_none_or(|v| v.is_empty())
}

fn missing_value(name: &str) -> ClientError {
    ClientError::Usage(format!("option {name} needs a value"))
}

/// Parses `args` (without the program name); `env` looks up environment variables.
pub fn parse<I>(args: I, env: &dyn Fn(&str) -> Option<String>) -> Result<Options, ClientError>
where
    I: IntoIterator<Item = String>,
{
    let mut values = BTreeMap::new();
    let mut help = false;
    let mut debug = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, shown, inline) = if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "help" => {
                    help = true;
                    continue;
                }
                "debug" => {
                    debug = true;
                    continue;
                }
                _ => {}
            }
            let flag = flag_by_long(name)
                .ok_or_else(|| ClientError::Usage(format!("unknown option --{name}")))?;
            (flag, format!("--{name}"), inline)
        } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            match short {
                "debug" => {
                    debug = true;
                    continue;
                }
                "help" => {
                    help = true;
                    continue;
                }
                _ => {}
            }
            if let Some(flag) = flag_by_long(short).filter(|_| short.len() > 1) {
                (flag, arg.clone(), None)
            } else {
                let mut chars = short.chars();
                let letter = chars.next().unwrap_or('-');
                if letter == 'h' && chars.as_str().is_empty() {
                    help = true;
                    continue;
                }
                let flag = flag_by_short(letter)
                    .ok_or_else(|| ClientError::Usage(format!("unknown option -{letter}")))?;
                let rest = chars.as_str();
                (flag, format!("-{letter}"), (!rest.is_empty()).then(|| rest.to_string()))
            }
        } else {
            return Err(ClientError::Usage(format!("unexpected argument {arg:?}")));
        };
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or_else(|| missing_value(&shown))?,
        };
        values.insert(flag.opt, value);
    }
    let from_env = |name: &str| env(name).filter(|v| !v.is_empty());
    if unset(&values, Opt::Instance) {
        if let Some(instance) = from_env("ORCHESTRATOR_INSTANCE") {
            values.insert(Opt::Instance, instance);
        }
    }
    if unset(&values, Opt::Owner) {
        if let Some(user) = from_env("USER").or_else(|| from_env("LOGNAME")) {
            values.insert(Opt::Owner, user);
        }
    }
    if unset(&values, Opt::Duration) {
        values.insert(Opt::Duration, DEFAULT_DURATION.to_string());
    }
    let default_port = match values.get(&Opt::DefaultPort).filter(|v| !v.is_empty()) {
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| ClientError::Usage(format!("invalid default port {text:?}")))?,
        None => DEFAULT_PORT,
    };
    let api = values
        .get(&Opt::Api)
        .filter(|v| !v.trim().is_empty())
        .cloned()
        .or_else(|| from_env("ORCHESTRATOR_API").filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| DEFAULT_API.to_string());
    let basic_auth = match values.get(&Opt::Auth).filter(|v| !v.is_empty()) {
        Some(pair) => Some(match pair.split_once(':') {
            Some((user, password)) => (user.to_string(), password.to_string()),
            None => (pair.clone(), String::new()),
        }),
        None => {
            let user = from_env("ORCHESTRATOR_AUTH_USER").unwrap_or_default();
            let password = from_env("ORCHESTRATOR_AUTH_PASSWORD").unwrap_or_default();
            (!user.is_empty() || !password.is_empty()).then_some((user, password))
        }
    };
    let header_auth = values
        .get(&Opt::HeadersAuth)
        .filter(|v| !v.is_empty())
        .cloned()
        .or_else(|| from_env("ORCHESTRATOR_AUTH_USER_HEADER"));
    Ok(Options { values, help, debug, default_port, api, basic_auth, header_auth })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(args: &[&str], env: &[(&str, &str)]) -> Result<Options, ClientError> {
        let env: Vec<(String, String)> =
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        parse(args.iter().map(|s| s.to_string()), &lookup)
    }

    #[test]
    fn short_long_inline_and_single_dash_long_forms() {
        let o = parse_with(
            &["-c", "api", "-path", "clusters", "--instance=db:3307", "-odba", "--reason", "x"],
            &[],
        )
        .unwrap();
        assert_eq!(o.command().as_deref(), Some("api"));
        assert_eq!(o.get(Opt::Path), Some("clusters"));
        assert_eq!(o.get(Opt::Instance), Some("db:3307"));
        assert_eq!(o.get(Opt::Owner), Some("dba"));
        assert_eq!(o.get(Opt::Reason), Some("x"));
        assert_eq!(o.get(Opt::Duration), Some("10m"));
        assert_eq!(o.api, DEFAULT_API);
    }

    #[test]
    fn environment_defaults_and_overrides() {
        let env = [
            ("ORCHESTRATOR_API", "http://a:3000 http://b:3000"),
            ("ORCHESTRATOR_INSTANCE", "db1"),
            ("ORCHESTRATOR_AUTH_USER", "u"),
            ("ORCHESTRATOR_AUTH_PASSWORD", "p"),
            ("USER", "me"),
        ];
        let o = parse_with(&["-c", "start-slave"], &env).unwrap();
        assert_eq!(o.command().as_deref(), Some("start-replica"));
        assert_eq!(o.get(Opt::Instance), Some("db1"));
        assert_eq!(o.get(Opt::Owner), Some("me"));
        assert_eq!(o.basic_auth, Some(("u".into(), "p".into())));
        let o =
            parse_with(&["-c", "x", "-i", "db2", "-b", "a:b:c", "-U", "http://z"], &env).unwrap();
        assert_eq!(o.get(Opt::Instance), Some("db2"));
        assert_eq!(o.basic_auth, Some(("a".into(), "b:c".into())));
        assert_eq!(o.api, "http://z");
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        for args in [&["-x", "1"][..], &["--nope"], &["-c"], &["stray"], &["-D", "abc"]] {
            let e = parse_with(args, &[]).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        }
        assert!(parse_with(&["-h"], &[]).unwrap().help);
        assert!(parse_with(&["--debug"], &[]).unwrap().debug);
    }
}
