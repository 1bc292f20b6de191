//! The ordered classification rules of failure analysis and the structure warnings, exactly in
//! orchestrator's order (`analysis_dao.go`): the first rule that matches wins.
//!
//! Input is only the gathered `Counts`; nothing here reads instances, downtimes or time.

use crate::core::analysis::AnalysisConfig;
use crate::core::analysis_code::AnalysisCode::{self, *};
use crate::core::analysis_counts::Counts;

/// One rule: a code, its description, and the condition.
type Rule = (AnalysisCode, &'static str, fn(&Counts, &AnalysisConfig) -> bool);

/// The rules, in precedence order. Kept as data so the order is visible in one place.
const RULES: &[Rule] = &[
    // --- master ---
    (DeadMasterWithoutReplicas, "Master cannot be reached by orchestrator and has no replica", |c, _| {
        c.is_master && !c.last_check_valid && c.replicas == 0
    }),
    (DeadMaster, "Master cannot be reached by orchestrator and none of its replicas is replicating", |c, _| {
        c.is_master && !c.last_check_valid && c.valid_replicas == c.replicas && c.valid_replicating_replicas == 0
    }),
    (DeadMasterAndReplicas, "Master cannot be reached by orchestrator and none of its replicas is replicating", |c, _| {
        c.is_master && !c.last_check_valid && c.replicas > 0 && c.valid_replicas == 0 && c.valid_replicating_replicas == 0
    }),
    (
        DeadMasterAndSomeReplicas,
        "Master cannot be reached by orchestrator; some of its replicas are unreachable and none of its reachable replicas is replicating",
        |c, _| c.is_master && !c.last_check_valid && some_valid(c) && c.valid_replicating_replicas == 0,
    ),
    (
        UnreachableMasterWithLaggingReplicas,
        "Master cannot be reached by orchestrator and all of its replicas are lagging",
        |c, _| c.is_master && !c.last_check_valid && all_lagging_and_replicating(c),
    ),
    (
        UnreachableMaster,
        "Master cannot be reached by orchestrator but it has replicating replicas; possibly a network/host issue",
        |c, _| {
            c.is_master
                && !c.last_check_valid
                && c.valid_replicas > 0
                && c.valid_replicating_replicas > 0
                // partial success means the host answers; then require a replica that cannot connect
                && (!c.last_check_partial_success || c.replicas_failing_to_connect > 0)
        },
    ),
    (
        LockedSemiSyncMaster,
        "Semi sync master is locked since it doesn't get enough replica acknowledgements",
        |c, _| c.is_master && semi_sync_short(c) && c.is_stale_binlog_coordinates,
    ),
    (
        LockedSemiSyncMasterHypothesis,
        "Semi sync master seems to be locked, more samplings needed to validate",
        |c, _| c.is_master && semi_sync_short(c),
    ),
    (MasterWithTooManySemiSyncReplicas, "Semi sync master has more semi sync replicas than configured", |c, cfg| {
        cfg.enforce_exact_semi_sync_replicas
            && c.is_master
            && c.semi_sync_master_enabled
            && c.semi_sync_master_status
            && c.semi_sync_master_wait_count > 0
            && c.semi_sync_master_clients > c.semi_sync_master_wait_count
    }),
    (NoWriteableMasterStructureWarning, "Master with replicas is read_only", |c, cfg| {
        c.is_master && c.last_check_valid && c.is_read_only && c.valid_replicating_replicas > 0 && cfg.recover_non_writeable_master
    }),
    (MasterSingleReplicaNotReplicating, "Master is reachable but its single replica is not replicating", |c, _| {
        c.is_master && c.last_check_valid && c.replicas == 1 && c.valid_replicas == 1 && c.valid_replicating_replicas == 0
    }),
    (MasterSingleReplicaDead, "Master is reachable but its single replica is dead", |c, _| {
        c.is_master && c.last_check_valid && c.replicas == 1 && c.valid_replicas == 0
    }),
    (AllMasterReplicasNotReplicating, "Master is reachable but none of its replicas is replicating", |c, _| {
        c.is_master && c.last_check_valid && c.replicas > 1 && c.valid_replicas == c.replicas && c.valid_replicating_replicas == 0
    }),
    (AllMasterReplicasNotReplicatingOrDead, "Master is reachable but none of its replicas is replicating", |c, _| {
        c.is_master && c.last_check_valid && c.replicas > 1 && some_valid(c) && c.valid_replicating_replicas == 0
    }),
    // --- co-master ---
    (DeadCoMaster, "Co-master cannot be reached by orchestrator and none of its replicas is replicating", |c, _| {
        c.is_co_master && !c.last_check_valid && c.replicas > 0 && c.valid_replicas == c.replicas && c.valid_replicating_replicas == 0
    }),
    (
        DeadCoMasterAndSomeReplicas,
        "Co-master cannot be reached by orchestrator; some of its replicas are unreachable and none of its reachable replicas is replicating",
        |c, _| c.is_co_master && !c.last_check_valid && some_valid(c) && c.valid_replicating_replicas == 0,
    ),
    (
        UnreachableCoMaster,
        "Co-master cannot be reached by orchestrator but it has replicating replicas; possibly a network/host issue",
        |c, _| c.is_co_master && !c.last_check_valid && !c.last_check_partial_success && c.valid_replicas > 0 && c.valid_replicating_replicas > 0,
    ),
    (AllCoMasterReplicasNotReplicating, "Co-master is reachable but none of its replicas is replicating", |c, _| {
        c.is_co_master && c.last_check_valid && c.replicas > 0 && c.valid_replicating_replicas == 0
    }),
    // --- intermediate master ---
    (
        DeadIntermediateMasterWithSingleReplicaFailingToConnect,
        "Intermediate master cannot be reached by orchestrator and its (single) replica is failing to connect",
        |c, _| {
            !c.is_master
                && !c.last_check_valid
                && c.replicas == 1
                && c.valid_replicas == 1
                && c.replicas_failing_to_connect == 1
                && c.valid_replicating_replicas == 0
        },
    ),
    (
        DeadIntermediateMasterWithSingleReplica,
        "Intermediate master cannot be reached by orchestrator and its (single) replica is not replicating",
        |c, _| !c.is_master && !c.last_check_valid && c.replicas == 1 && c.valid_replicas == 1 && c.valid_replicating_replicas == 0,
    ),
    (
        DeadIntermediateMaster,
        "Intermediate master cannot be reached by orchestrator and none of its replicas is replicating",
        |c, _| !c.is_master && !c.last_check_valid && c.replicas > 1 && c.valid_replicas == c.replicas && c.valid_replicating_replicas == 0,
    ),
    (
        DeadIntermediateMasterAndSomeReplicas,
        "Intermediate master cannot be reached by orchestrator; some of its replicas are unreachable and none of its reachable replicas is replicating",
        |c, _| !c.is_master && !c.last_check_valid && some_valid(c) && c.valid_replicating_replicas == 0,
    ),
    (
        DeadIntermediateMasterAndReplicas,
        "Intermediate master cannot be reached by orchestrator and all of its replicas are unreachable",
        |c, _| !c.is_master && !c.last_check_valid && c.replicas > 0 && c.valid_replicas == 0,
    ),
    (
        UnreachableIntermediateMasterWithLaggingReplicas,
        "Intermediate master cannot be reached by orchestrator and all of its replicas are lagging",
        |c, _| !c.is_master && !c.last_check_valid && all_lagging_and_replicating(c),
    ),
    (
        UnreachableIntermediateMaster,
        "Intermediate master cannot be reached by orchestrator but it has replicating replicas; possibly a network/host issue",
        |c, _| !c.is_master && !c.last_check_valid && !c.last_check_partial_success && c.valid_replicas > 0 && c.valid_replicating_replicas > 0,
    ),
    (
        AllIntermediateMasterReplicasFailingToConnectOrDead,
        "Intermediate master is reachable but all of its replicas are failing to connect",
        // At least two replicas: the IM itself is reachable, so only the replicas can tell.
        |c, _| {
            !c.is_master
                && c.last_check_valid
                && c.replicas > 1
                && c.valid_replicating_replicas == 0
                && c.replicas_failing_to_connect > 0
                && c.replicas_failing_to_connect == c.valid_replicas
        },
    ),
    (
        AllIntermediateMasterReplicasNotReplicating,
        "Intermediate master is reachable but none of its replicas is replicating",
        |c, _| !c.is_master && c.last_check_valid && c.replicas > 0 && c.valid_replicating_replicas == 0,
    ),
    // --- replica side ---
    (
        FirstTierReplicaFailingToConnectToMaster,
        "1st tier replica (directly replicating from topology master) is unable to connect to the master",
        |c, _| c.depth == 1 && c.is_failing_to_connect_to_master,
    ),
];

/// Some but not all replicas valid.
fn some_valid(c: &Counts) -> bool {
    c.valid_replicas < c.replicas && c.valid_replicas > 0
}

/// Every replica lags, not all of them on purpose (`SQL_Delay`), and some still replicate.
fn all_lagging_and_replicating(c: &Counts) -> bool {
    c.lagging_replicas == c.replicas
        && c.delayed_replicas < c.replicas
        && c.valid_replicating_replicas > 0
}

/// Semi-sync master on and waiting for more acknowledgements than it has clients.
fn semi_sync_short(c: &Counts) -> bool {
    c.semi_sync_master_enabled
        && c.semi_sync_master_status
        && c.semi_sync_master_wait_count > 0
        && c.semi_sync_master_clients < c.semi_sync_master_wait_count
}

/// The first matching code and its description, or `NoProblem`.
pub fn classify(counts: &Counts, config: &AnalysisConfig) -> (AnalysisCode, &'static str) {
    RULES
        .iter()
        .find(|(_, _, applies)| applies(counts, config))
        .map_or((NoProblem, ""), |&(code, description, _)| (code, description))
}

/// Structure warnings, in orchestrator's order.
pub fn structure_warnings(c: &Counts) -> Vec<AnalysisCode> {
    let [statement, mixed, row] = c.logging_by_format;
    let checks = [
        (
            NoLoggingReplicasStructureWarning,
            c.is_master && c.logging_replicas == 0 && c.replicas > 1,
        ),
        (
            // Pseudo-GTID and binlog servers are not supported here, so GTID is the only method.
            NoFailoverSupportStructureWarning,
            c.is_master
                && c.replicas > 1
                && !c.oracle_gtid_immediate_topology()
                && !c.mariadb_gtid_immediate_topology(),
        ),
        (
            StatementAndMixedLoggingReplicasStructureWarning,
            c.is_master && statement > 0 && mixed > 0,
        ),
        (StatementAndRowLoggingReplicasStructureWarning, c.is_master && statement > 0 && row > 0),
        (MixedAndRowLoggingReplicasStructureWarning, c.is_master && mixed > 0 && row > 0),
        (
            MultipleMajorVersionsLoggingReplicasStructureWarning,
            c.is_master && c.distinct_logging_major_versions > 1,
        ),
        (DifferentGTIDModesStructureWarning, c.replicas > 0 && c.replica_gtid_mode_differs),
        (ErrantGTIDStructureWarning, c.replica_has_errant_gtid),
        (NoWriteableMasterStructureWarning, c.is_master && c.is_read_only),
        (
            NotEnoughValidSemiSyncReplicasStructureWarning,
            c.is_master
                && c.semi_sync_master_enabled
                && !c.semi_sync_master_status
                && c.semi_sync_master_wait_count > 0
                && c.semi_sync_master_clients < c.semi_sync_master_wait_count,
        ),
    ];
    checks.into_iter().filter(|&(_, applies)| applies).map(|(code, _)| code).collect()
}
