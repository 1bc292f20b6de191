//! Commands that change the topology: instance control, relocation, replica control.

use super::{get, Command};
use crate::output::Out;

/// Control.
pub const CONTROL: &[Command] = &[
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
    get(
        "register-hostname-unresolve",
        "Assign an instance's host a virtual (unresolved) name (-i, -H)",
        "register-hostname-unresolve/{instance}/{hostname}",
        Out::DetailsKey,
    ),
    get(
        "deregister-hostname-unresolve",
        "Remove the virtual name of an instance's host (-i)",
        "deregister-hostname-unresolve/{instance}",
        Out::DetailsKey,
    ),
];

/// Relocation.
pub const RELOCATION: &[Command] = &[
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
];

/// Replica and instance control.
pub const REPLICA_AND_INSTANCE_CONTROL: &[Command] = &[
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
    get(
        "kill-query",
        "Kill the query a connection runs (KILL QUERY) (-i, -p process id); orchestrator-rs only",
        "kill-query/{instance}/{process}",
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
];
