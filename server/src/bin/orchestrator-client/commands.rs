//! The command table: every command's name, one line of help, the API path it calls (a
//! [`template`](crate::template)) and how its answer is printed; plus the `--help` text.

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
    (
        "Meta",
        &[
            cmd("help", "Show available commands", Kind::Help),
            cmd(
                "which-api",
                "Output the API endpoint the client uses (the leader when several are given)",
                Kind::WhichApi,
            ),
            cmd(
                "api",
                "Invoke any API path given with -P/--path and print the raw JSON response",
                Kind::Api,
            ),
        ],
    ),
    (
        "Discovery",
        &[
            get(
                "discover",
                "Probe an instance now and add it to the inventory (-i)",
                "discover/{instance}",
                Out::DetailsKey,
            ),
            get(
                "async-discover",
                "Probe an instance in the background (-i)",
                "async-discover/{instance}",
                Out::DetailsKey,
            ),
            get("forget", "Forget an instance (-i)", "forget/{instance}", Out::Nothing),
            get(
                "forget-cluster",
                "Forget every instance of a cluster (-i or -a)",
                "forget-cluster/{hint}",
                Out::Nothing,
            ),
        ],
    ),
    (
        "Views",
        &[
            get(
                "clusters",
                "List all clusters known to orchestrator",
                "clusters-info",
                Out::ClusterNames,
            ),
            get(
                "clusters-alias",
                "List all clusters as name,alias",
                "clusters-info",
                Out::ClusterAliases,
            ),
            get(
                "all-clusters-masters",
                "List the writable master of every cluster",
                "masters",
                Out::Keys,
            ),
            get("all-instances", "List every known instance", "all-instances", Out::Keys),
            get(
                "topology",
                "Show the ASCII tree of a cluster (-i member or cluster name, or -a)",
                "topology/{hint}",
                Out::Text,
            ),
            get(
                "topology-tabulated",
                "Show the ASCII tree of a cluster, tabulated (-i or -a)",
                "topology-tabulated/{hint}",
                Out::Text,
            ),
            get(
                "topology-tags",
                "Show the ASCII tree of a cluster with instance tags (-i or -a)",
                "topology-tags/{hint}",
                Out::Text,
            ),
            get(
                "search",
                "List instances whose name contains the text given with -i",
                "search?s={text}",
                Out::Keys,
            ),
            get(
                "instance",
                "Output host:port of an instance orchestrator knows, or fail (-i)",
                "instance/{instance}",
                Out::Key,
            ),
            get("which-instance", "Same as instance (-i)", "instance/{instance}", Out::Key),
            get(
                "dominant-dc",
                "Output the data center where most writable masters are",
                "masters",
                Out::DominantDc,
            ),
            get(
                "which-master",
                "Output the master of an instance (-i)",
                "instance/{instance}",
                Out::MasterKey,
            ),
            get(
                "which-replicas",
                "Output the replicas of an instance (-i)",
                "instance-replicas/{instance}",
                Out::Keys,
            ),
            get(
                "which-cluster",
                "Output the name of the cluster of an instance (-i or -a)",
                "cluster-info/{hint}",
                Out::Field("ClusterName"),
            ),
            get(
                "which-cluster-alias",
                "Output the alias of the cluster of an instance (-i or -a)",
                "cluster-info/{hint}",
                Out::Field("ClusterAlias"),
            ),
            get(
                "which-cluster-master",
                "Output the writable master of a cluster (-i or -a)",
                "master/{hint}",
                Out::Key,
            ),
            get(
                "which-cluster-instances",
                "Output every instance of a cluster (-i or -a)",
                "cluster/{hint}",
                Out::Keys,
            ),
            get(
                "downtimed",
                "List downtimed instances, optionally of one cluster (-i or -a)",
                "downtimed[/{hint}]",
                Out::Keys,
            ),
        ],
    ),
    (
        "Control",
        &[
            get(
                "begin-downtime",
                "Put an instance in downtime (-i, -o, -r, -u)",
                "begin-downtime/{instance}/{owner}/{reason}/{duration}",
                Out::DetailsKey,
            ),
            get(
                "end-downtime",
                "End the downtime of an instance (-i)",
                "end-downtime/{instance}",
                Out::DetailsKey,
            ),
            get(
                "register-candidate",
                "Register a promotion rule for an instance (-i, -R)",
                "register-candidate/{instance}/{rule}",
                Out::DetailsKey,
            ),
            get(
                "deregister-candidate",
                "Remove an instance's promotion rule (-i); orchestrator-rs only",
                "deregister-candidate/{instance}",
                Out::DetailsKey,
            ),
        ],
    ),
    (
        "Relocation",
        &[
            get(
                "relocate",
                "Move an instance below another, by whatever method applies (-i, -d)",
                "relocate/{instance}/{destination}",
                Out::Relocated,
            ),
            get(
                "relocate-replicas",
                "Move the replicas of an instance below another (-i, -d)",
                "relocate-replicas/{instance}/{destination}",
                Out::DetailsKeys,
            ),
            get(
                "move-up",
                "Move an instance one level up, below its grandparent (-i)",
                "move-up/{instance}",
                Out::Relocated,
            ),
            get(
                "move-up-replicas",
                "Move the replicas of an instance one level up (-i)",
                "move-up-replicas/{instance}",
                Out::DetailsKeys,
            ),
            get(
                "move-below",
                "Move an instance below its sibling (-i, -d)",
                "move-below/{instance}/{destination}",
                Out::Relocated,
            ),
            get(
                "move-equivalent",
                "Move an instance below another at equivalent coordinates (GTID here) (-i, -d)",
                "move-equivalent/{instance}/{destination}",
                Out::Relocated,
            ),
            get(
                "move-gtid",
                "Move an instance below another by GTID (-i, -d)",
                "move-below-gtid/{instance}/{destination}",
                Out::Relocated,
            ),
            get(
                "move-replicas-gtid",
                "Move the replicas of an instance below another by GTID (-i, -d)",
                "move-replicas-gtid/{instance}/{destination}",
                Out::DetailsKeys,
            ),
            get(
                "repoint",
                "Point an instance at its master again, or at another one by GTID (-i, -d)",
                "repoint/{instance}/{destination}",
                Out::Relocated,
            ),
            get(
                "repoint-replicas",
                "Repoint the replicas of an instance at it (-i)",
                "repoint-replicas/{instance}",
                Out::DetailsKeys,
            ),
            get(
                "take-siblings",
                "Make the siblings of an instance its replicas (-i)",
                "take-siblings/{instance}",
                Out::Relocated,
            ),
            get(
                "take-master",
                "Swap an instance with its master (-i)",
                "take-master/{instance}",
                Out::Relocated,
            ),
            get(
                "make-co-master",
                "Make the master of an instance replicate from it (-i)",
                "make-co-master/{instance}",
                Out::Relocated,
            ),
            get(
                "regroup-replicas",
                "Promote the best replica of an instance above its siblings (-i)",
                "regroup-replicas/{instance}",
                Out::DetailsKey,
            ),
            get(
                "regroup-replicas-gtid",
                "Promote the best replica of an instance above its siblings, by GTID (-i)",
                "regroup-replicas-gtid/{instance}",
                Out::DetailsKey,
            ),
            get(
                "can-replicate-from",
                "Output the destination if the instance could replicate from it (-i, -d)",
                "can-replicate-from/{instance}/{destination}",
                Out::DetailsKey,
            ),
            get(
                "can-replicate-from-gtid",
                "Output the destination if the instance could move below it by GTID (-i, -d)",
                "can-replicate-from-gtid/{instance}/{destination}",
                Out::DetailsKey,
            ),
        ],
    ),
    (
        "Replica and instance control",
        &[
            get(
                "start-replica",
                "Start replication on an instance (-i)",
                "start-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "stop-replica",
                "Stop replication on an instance (-i)",
                "stop-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "stop-replica-nice",
                "Stop replication once the SQL thread applied what the IO thread read (-i)",
                "stop-replica-nice/{instance}",
                Out::DetailsKey,
            ),
            get(
                "restart-replica",
                "Restart replication on an instance (-i)",
                "restart-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "reset-replica",
                "Make an instance forget its master (RESET SLAVE ALL); use with care (-i)",
                "reset-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "detach-replica",
                "Stop replication and point it at an impossible, reversible host (-i)",
                "detach-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "reattach-replica",
                "Undo detach-replica (-i)",
                "reattach-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "detach-replica-master-host",
                "Same as detach-replica (-i)",
                "detach-replica-master-host/{instance}",
                Out::DetailsKey,
            ),
            get(
                "reattach-replica-master-host",
                "Same as reattach-replica (-i)",
                "reattach-replica-master-host/{instance}",
                Out::DetailsKey,
            ),
            get(
                "skip-query",
                "Skip the failed statement of a replica (binlog coordinates) (-i)",
                "skip-query/{instance}",
                Out::DetailsKey,
            ),
            get(
                "enable-gtid",
                "Make a replica replicate by GTID (-i); orchestrator-rs only",
                "enable-gtid/{instance}",
                Out::DetailsKey,
            ),
            get(
                "disable-gtid",
                "Make a replica replicate by binlog coordinates (-i); orchestrator-rs only",
                "disable-gtid/{instance}",
                Out::DetailsKey,
            ),
            get(
                "delay-replication",
                "Set MASTER_DELAY, keeping the threads as they were (-i, -S seconds)",
                "delay-replication/{instance}/{seconds}",
                Out::Details,
            ),
            get(
                "restart-replica-statements",
                "Print the statements that apply -q with replication stopped and restored (-i, -q)",
                "restart-replica-statements/{instance}?q={query}",
                Out::DetailsLines,
            ),
            get(
                "set-read-only",
                "Make an instance read-only (-i)",
                "set-read-only/{instance}",
                Out::DetailsKey,
            ),
            get(
                "set-writeable",
                "Make an instance writeable (-i)",
                "set-writeable/{instance}",
                Out::DetailsKey,
            ),
            get(
                "flush-binary-logs",
                "Flush the binary logs of an instance (-i)",
                "flush-binary-logs/{instance}",
                Out::DetailsKey,
            ),
            get(
                "purge-binary-logs",
                "Purge binary logs up to a file, or 'latest', unless a replica needs them (-i, -n)",
                "purge-binary-logs/{instance}/{binlog}",
                Out::DetailsKey,
            ),
            get(
                "enable-semi-sync-master",
                "Enable semi-sync on the master side (-i)",
                "enable-semi-sync-master/{instance}",
                Out::DetailsKey,
            ),
            get(
                "disable-semi-sync-master",
                "Disable semi-sync on the master side (-i)",
                "disable-semi-sync-master/{instance}",
                Out::DetailsKey,
            ),
            get(
                "enable-semi-sync-replica",
                "Enable semi-sync on the replica side (-i)",
                "enable-semi-sync-replica/{instance}",
                Out::DetailsKey,
            ),
            get(
                "disable-semi-sync-replica",
                "Disable semi-sync on the replica side (-i)",
                "disable-semi-sync-replica/{instance}",
                Out::DetailsKey,
            ),
            get("refresh", "Probe an instance now (-i)", "refresh/{instance}", Out::DetailsKey),
            get(
                "locate-gtid-errant",
                "Output the binary logs holding the errant GTIDs of an instance (-i)",
                "locate-gtid-errant/{instance}",
                Out::DetailsLines,
            ),
            get(
                "gtid-errant-reset-master",
                "Remove errant GTIDs of a replica without replicas by RESET MASTER (-i)",
                "gtid-errant-reset-master/{instance}",
                Out::DetailsKey,
            ),
            get(
                "gtid-errant-inject-empty",
                "Inject empty transactions for errant GTIDs on the cluster master (-i; MySQL)",
                "gtid-errant-inject-empty/{instance}",
                Out::DetailsKey,
            ),
            get(
                "is-replicating",
                "Output the instance if both replication threads run (-i)",
                "instance/{instance}",
                Out::KeyIfThreads(1),
            ),
            get(
                "is-replication-stopped",
                "Output the instance if both replication threads are stopped (-i)",
                "instance/{instance}",
                Out::KeyIfThreads(0),
            ),
            get(
                "which-broken-replicas",
                "Output the replicas of an instance with a stopped thread and an error (-i)",
                "instance-replicas/{instance}",
                Out::BrokenKeys,
            ),
            get(
                "which-gtid-errant",
                "Output the errant GTIDs of an instance (-i)",
                "instance/{instance}",
                Out::Field("GtidErrant"),
            ),
        ],
    ),
    (
        "Maintenance",
        &[
            get(
                "begin-maintenance",
                "Take a maintenance lock on an instance (-i, -o, -r)",
                "begin-maintenance/{instance}/{owner}/{reason}",
                Out::DetailsKey,
            ),
            get(
                "end-maintenance",
                "Release the maintenance lock of an instance (-i)",
                "end-maintenance/{instance}",
                Out::DetailsKey,
            ),
            get(
                "in-maintenance",
                "Output the instance if it is under maintenance (-i); orchestrator-rs only",
                "in-maintenance/{instance}",
                Out::Details,
            ),
            get(
                "maintenance",
                "List the instances under maintenance; orchestrator-rs only",
                "maintenance",
                Out::Keys,
            ),
        ],
    ),
    (
        "Recovery",
        &[
            get(
                "replication-analysis",
                "Show the current failure analysis of all topologies",
                "replication-analysis",
                Out::Analysis,
            ),
            get(
                "recover",
                "Recover a failed instance that analysis reports (-i, optional -d candidate)",
                "recover/{instance}[/{destination}]",
                Out::DetailsKey,
            ),
            get(
                "graceful-master-takeover",
                "Promote a replica of a healthy master (-i or -a; -d designated)",
                "graceful-master-takeover/{hint}[/{destination}]",
                Out::Successor,
            ),
            get(
                "graceful-master-takeover-auto",
                "Promote a replica orchestrator picks (-i or -a; optional -d)",
                "graceful-master-takeover-auto/{hint}[/{destination}]",
                Out::Successor,
            ),
            get(
                "force-master-failover",
                "Fail over a master even if nothing is wrong (-i or -a)",
                "force-master-failover/{hint}",
                Out::Successor,
            ),
            get(
                "force-master-takeover",
                "Fail over a master onto a given replica (-i or -a, -d)",
                "force-master-takeover/{hint}/{destination}",
                Out::Successor,
            ),
            get(
                "ack-cluster-recoveries",
                "Acknowledge the recoveries of a cluster (-i or -a, -r comment)",
                "ack-recovery/cluster/{hint}?comment={reason}",
                Out::Text,
            ),
            get(
                "ack-all-recoveries",
                "Acknowledge all recoveries (-r comment)",
                "ack-all-recoveries?comment={reason}",
                Out::Text,
            ),
            get(
                "disable-global-recoveries",
                "Stop orchestrator from running any recovery",
                "disable-global-recoveries",
                Out::Text,
            ),
            get(
                "enable-global-recoveries",
                "Allow orchestrator to run recoveries",
                "enable-global-recoveries",
                Out::Text,
            ),
            get(
                "check-global-recoveries",
                "Show whether recoveries are enabled or disabled",
                "check-global-recoveries",
                Out::Text,
            ),
            get(
                "disable-cluster-recovery",
                "Stop automated recovery of one cluster (-i or -a); the global switch stays",
                "disable-cluster-recovery/{hint}",
                Out::Text,
            ),
            get(
                "enable-cluster-recovery",
                "Allow automated recovery of one cluster again (-i or -a)",
                "enable-cluster-recovery/{hint}",
                Out::Text,
            ),
        ],
    ),
    (
        "Raft",
        &[
            get(
                "raft-leader",
                "Output the raft address of the raft leader",
                "raft-leader",
                Out::Text,
            ),
            get(
                "raft-health",
                "Whether the node is part of a healthy raft group",
                "raft-health",
                Out::Text,
            ),
            cmd(
                "raft-leader-hostname",
                "Output the host of the raft leader",
                Kind::RaftLeaderHostname,
            ),
            cmd(
                "raft-elect-leader",
                "Ask the leader to hand over to the node matching -H",
                Kind::OnRaftLeader("raft-yield-hint/{hostname}", Out::Text),
            ),
            get(
                "raft-add-peer",
                "Add the raft node at -H host[:port] (learner until caught up, then voter)",
                "raft-add-peer/{hostname}",
                Out::Text,
            ),
            get(
                "raft-remove-peer",
                "Remove the raft member -H host:port (the leader too: it steps down)",
                "raft-remove-peer/{hostname}",
                Out::Text,
            ),
            get(
                "raft-snapshot",
                "Take a raft snapshot on the node now",
                "raft-snapshot",
                Out::Text,
            ),
            get(
                "submit-masters-to-kv-stores",
                "Submit a cluster's master (-a/-i), or every cluster's, to the KV stores",
                "submit-masters-to-kv-stores[/{hint}]",
                Out::KvPairs,
            ),
        ],
    ),
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
    unsupported("snapshot-topologies", "not supported: topology history is not kept"),
    unsupported("submit-pool-instances", "not supported: instance pools are not implemented"),
    unsupported(
        "which-heuristic-cluster-pool-instances",
        "not supported: instance pools are not implemented",
    ),
    unsupported("tags", "not supported: instance tags are not implemented yet"),
    unsupported("tag-value", "not supported: instance tags are not implemented yet"),
    unsupported("tag", "not supported: instance tags are not implemented yet"),
    unsupported("untag", "not supported: instance tags are not implemented yet"),
    unsupported("untag-all", "not supported: instance tags are not implemented yet"),
    unsupported("tagged", "not supported: instance tags are not implemented yet"),
    unsupported(
        "register-hostname-unresolve",
        "not supported: hostnames are used as the topology reports them",
    ),
    unsupported(
        "deregister-hostname-unresolve",
        "not supported: hostnames are used as the topology reports them",
    ),
    unsupported(
        "which-cluster-osc-replicas",
        "not supported: the online-schema-change replica heuristic is not implemented",
    ),
    unsupported(
        "which-cluster-osc-running-replicas",
        "not supported: the online-schema-change replica heuristic is not implemented",
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
