//! The command table: every command's name, one line of help, the API path it calls (a
//! [`template`](crate::template)) and how its answer is printed; plus the `--help` text.

mod read;
mod recovery;
mod topology;

use crate::args::FLAGS;
use crate::output::Out;

/// What a command does.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Print the usage text.
    Help,
    /// Print the endpoint the client would use.
    WhichApi,
    /// GET the `-P` path and print the raw JSON.
    Api,
    /// GET the expanded template on the chosen endpoint and print it as [`Out`] says.
    Get(&'static str, Out),
    /// Print the host part of the raft leader's address.
    RaftLeaderHostname,
    /// GET the expanded template on the raft leader itself (for paths that are never proxied).
    OnRaftLeader(&'static str, Out),
    /// A command of orchestrator's client this one does not run, and why (exit 1, no request).
    Unsupported(&'static str),
}

/// One command.
#[derive(Debug)]
pub struct Command {
    /// Name given with `-c`.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// What it does.
    pub kind: Kind,
}

const fn cmd(name: &'static str, help: &'static str, kind: Kind) -> Command {
    Command { name, help, kind }
}

const fn get(name: &'static str, help: &'static str, path: &'static str, out: Out) -> Command {
    Command { name, help, kind: Kind::Get(path, out) }
}

/// Every command, by group.
pub const GROUPS: &[(&str, &[Command])] = &[
    ("Meta", read::META),
    ("Discovery", read::DISCOVERY),
    ("Views", read::VIEWS),
    ("Control", topology::CONTROL),
    ("Relocation", topology::RELOCATION),
    ("Replica and instance control", topology::REPLICA_AND_INSTANCE_CONTROL),
    ("Tags", read::TAGS),
    ("Maintenance", recovery::MAINTENANCE),
    ("Recovery", recovery::RECOVERY),
    ("Raft", recovery::RAFT),
];

const fn unsupported(name: &'static str, reason: &'static str) -> Command {
    Command { name, help: reason, kind: Kind::Unsupported(reason) }
}

const PSEUDO_GTID: &str = "not supported: Pseudo-GTID is not implemented (GTID is)";

/// orchestrator's client commands this client lists but does not run, with the reason.
const UNSUPPORTED: &[Command] = &[
    unsupported("match", PSEUDO_GTID),
    unsupported("match-up", PSEUDO_GTID),
    unsupported("match-up-replicas", PSEUDO_GTID),
    unsupported("last-pseudo-gtid", PSEUDO_GTID),
    unsupported("submit-pool-instances", "not supported: instance pools are not implemented"),
    unsupported(
        "which-heuristic-cluster-pool-instances",
        "not supported: instance pools are not implemented",
    ),
];

/// Every command, in table order.
pub fn all() -> impl Iterator<Item = &'static Command> {
    GROUPS.iter().flat_map(|(_, commands)| commands.iter()).chain(UNSUPPORTED.iter())
}

/// The command named `name` (already `slave`→`replica` rewritten).
pub fn find(name: &str) -> Option<&'static Command> {
    all().find(|c| c.name == name)
}

/// Environment variables shown in `--help`.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "ORCHESTRATOR_API",
        "endpoint(s), space separated, /api appended when missing (default http://localhost:3000)",
    ),
    ("ORCHESTRATOR_INSTANCE", "default for -i"),
    ("ORCHESTRATOR_AUTH_USER", "basic auth user, with ORCHESTRATOR_AUTH_PASSWORD"),
    ("ORCHESTRATOR_AUTH_USER_HEADER", "header auth, as 'Header-Name: value'"),
];

/// The `--help` text: usage, environment, flags, then every command with one line each.
pub fn usage() -> String {
    let mut text = String::from(
        "Usage: orchestrator-client -c <command> [flags...]\n\
         Example: orchestrator-client -c which-master -i some.replica:3306\n\n\
         Environment:\n",
    );
    for (name, help) in ENVIRONMENT {
        text.push_str(&format!("  {name:<30} {help}\n"));
    }
    text.push_str("\nFlags:\n");
    text.push_str(&format!("  {:<42} {}\n", "-h, --help", "print this help"));
    text.push_str(&format!("  {:<42} {}\n", "    --debug", "print requests and retries on stderr"));
    for flag in FLAGS {
        let shorts: Vec<String> = flag.short.iter().map(|c| format!("-{c}")).collect();
        let left = format!("{}, --{} <{}>", shorts.join(", "), flag.long, flag.value);
        text.push_str(&format!("  {left:<42} {}\n", flag.help));
    }
    text.push_str("\nCommands (\"slave\" in a command name is read as \"replica\"):\n");
    for (group, commands) in GROUPS.iter().chain(std::iter::once(&("Not supported", UNSUPPORTED))) {
        text.push_str(&format!("  {group}:\n"));
        for command in *commands {
            text.push_str(&format!("    {:<30} {}\n", command.name, command.help));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_help_is_one_line() {
        let mut names: Vec<&str> = all().map(|c| c.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(all().all(|c| !c.help.is_empty() && !c.help.contains('\n')));
    }
}
