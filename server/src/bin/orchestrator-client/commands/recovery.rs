//! Commands of maintenance, recovery and the raft group.

use super::{cmd, get, Command, Kind};
use crate::output::Out;

/// Maintenance.
pub const MAINTENANCE: &[Command] = &[
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
];

/// Recovery.
pub const RECOVERY: &[Command] = &[
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
];

/// Raft.
pub const RAFT: &[Command] = &[
    get("raft-leader", "Output the raft address of the raft leader", "raft-leader", Out::Text),
    get(
        "raft-health",
        "Whether the node is part of a healthy raft group",
        "raft-health",
        Out::Text,
    ),
    cmd("raft-leader-hostname", "Output the host of the raft leader", Kind::RaftLeaderHostname),
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
    get("raft-snapshot", "Take a raft snapshot on the node now", "raft-snapshot", Out::Text),
    get(
        "submit-masters-to-kv-stores",
        "Submit a cluster's master (-a/-i), or every cluster's, to the KV stores",
        "submit-masters-to-kv-stores[/{hint}]",
        Out::KvPairs,
    ),
];
