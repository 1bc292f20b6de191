//! RecoveryKind: which recovery handles an analysis code, decided in one exhaustive table.
//!
//! A code with a kind is actionable: automated recovery (and a manual `recover`) runs that
//! recovery. A code without one is never registered as a recovery: it is only analysed and
//! shown. [`DETECT_ONLY`] lists codes orchestrator recovers and this project does not (none
//! today); they would still be registered as failure detections.

use serde::{Deserialize, Serialize};

use crate::core::analysis_code::AnalysisCode;

/// A recovery this project implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RecoveryKind {
    /// Promote the best replica of a dead master, move the others under it.
    DeadMaster,
    /// Move the replicas of a dead intermediate master up (under its master or a sibling).
    DeadIntermediateMaster,
    /// A dead co-master: promote the other co-master (or, when allowed, a replica) and move
    /// the dead one's replicas under it (orchestrator's `RecoverDeadCoMaster`).
    DeadCoMaster,
    /// A read-only master with replicas: make it writeable (`RecoverNonWriteableMaster`).
    NonWriteableMaster,
    /// A semi-sync master with too few (locked) or too many semi-sync replicas: enable/disable
    /// `rpl_semi_sync_slave_enabled` on replicas to match its wait count.
    SemiSyncReplicas,
}

impl RecoveryKind {
    /// Every kind.
    pub const ALL: &'static [RecoveryKind] = &[
        RecoveryKind::DeadMaster,
        RecoveryKind::DeadIntermediateMaster,
        RecoveryKind::DeadCoMaster,
        RecoveryKind::NonWriteableMaster,
        RecoveryKind::SemiSyncReplicas,
    ];

    /// orchestrator's `TopologyRecovery.Type` of this recovery.
    pub fn orchestrator_type(self) -> &'static str {
        match self {
            RecoveryKind::DeadMaster => "MasterRecovery",
            RecoveryKind::DeadIntermediateMaster => "IntermediateMasterRecovery",
            RecoveryKind::DeadCoMaster => "CoMasterRecovery",
            // orchestrator leaves `Type` empty for these two.
            RecoveryKind::NonWriteableMaster | RecoveryKind::SemiSyncReplicas => "",
        }
    }

    /// Whether this recovery changes which server is the master (failovers), as opposed to
    /// fixing a setting on live servers.
    pub fn is_failover(self) -> bool {
        matches!(
            self,
            RecoveryKind::DeadMaster
                | RecoveryKind::DeadIntermediateMaster
                | RecoveryKind::DeadCoMaster
        )
    }
}

/// Codes orchestrator recovers and this project only detects: the leader registers a failure
/// detection (audited, `OnFailureDetectionProcesses` run) and never a recovery.
pub const DETECT_ONLY: &[AnalysisCode] = &[];

impl AnalysisCode {
    /// The recovery that handles this code, if any. Exhaustive on purpose: a new code does not
    /// compile until it is placed here.
    pub fn recovery_kind(self) -> Option<RecoveryKind> {
        use AnalysisCode::*;
        match self {
            DeadMaster | DeadMasterAndSomeReplicas => Some(RecoveryKind::DeadMaster),
            DeadIntermediateMaster
            | DeadIntermediateMasterAndSomeReplicas
            | DeadIntermediateMasterWithSingleReplicaFailingToConnect
            | AllIntermediateMasterReplicasFailingToConnectOrDead => {
                Some(RecoveryKind::DeadIntermediateMaster)
            }
            DeadCoMaster | DeadCoMasterAndSomeReplicas => Some(RecoveryKind::DeadCoMaster),
            // Analysed only when `RecoverNonWriteableMaster` is set.
            NoWriteableMasterStructureWarning => Some(RecoveryKind::NonWriteableMaster),
            // `LockedSemiSyncMaster` is acted upon only with `RecoverLockedSemiSyncMaster` or
            // `EnforceExactSemiSyncReplicas` (`recovery::decide`); the other only arises with
            // `EnforceExactSemiSyncReplicas`.
            LockedSemiSyncMaster | MasterWithTooManySemiSyncReplicas => {
                Some(RecoveryKind::SemiSyncReplicas)
            }
            // Not actionable in orchestrator either: nothing to do, or nothing that can be done
            // (every replica is gone too, or the instance is only unreachable).
            NoProblem
            | DeadMasterWithoutReplicas
            | DeadMasterAndReplicas
            | UnreachableMasterWithLaggingReplicas
            | UnreachableMaster
            | LockedSemiSyncMasterHypothesis
            | MasterSingleReplicaNotReplicating
            | MasterSingleReplicaDead
            | AllMasterReplicasNotReplicating
            | AllMasterReplicasNotReplicatingOrDead
            | UnreachableCoMaster
            | AllCoMasterReplicasNotReplicating
            | DeadIntermediateMasterWithSingleReplica
            | DeadIntermediateMasterAndReplicas
            | UnreachableIntermediateMasterWithLaggingReplicas
            | UnreachableIntermediateMaster
            | AllIntermediateMasterReplicasNotReplicating
            | FirstTierReplicaFailingToConnectToMaster
            | StatementAndMixedLoggingReplicasStructureWarning
            | StatementAndRowLoggingReplicasStructureWarning
            | MixedAndRowLoggingReplicasStructureWarning
            | MultipleMajorVersionsLoggingReplicasStructureWarning
            | NoLoggingReplicasStructureWarning
            | DifferentGTIDModesStructureWarning
            | ErrantGTIDStructureWarning
            | NoFailoverSupportStructureWarning
            | NotEnoughValidSemiSyncReplicasStructureWarning => None,
        }
    }

    /// Whether the leader registers a failure detection for this code: every code with a
    /// recovery, and the [`DETECT_ONLY`] ones.
    pub fn registers_detection(self) -> bool {
        self.recovery_kind().is_some() || DETECT_ONLY.contains(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orchestrators_recovered_codes_all_have_a_recovery() {
        use AnalysisCode::*;
        for code in [
            DeadCoMaster,
            DeadCoMasterAndSomeReplicas,
            LockedSemiSyncMaster,
            MasterWithTooManySemiSyncReplicas,
            NoWriteableMasterStructureWarning,
        ] {
            assert!(code.recovery_kind().is_some(), "{code}");
        }
    }

    #[test]
    fn detect_only_codes_have_no_recovery() {
        for &code in DETECT_ONLY {
            assert_eq!(code.recovery_kind(), None, "{code}");
            assert!(code.registers_detection() && !code.is_actionable(), "{code}");
        }
    }

    #[test]
    fn every_kind_handles_some_code() {
        for &kind in RecoveryKind::ALL {
            assert!(AnalysisCode::ALL.iter().any(|c| c.recovery_kind() == Some(kind)), "{kind:?}");
        }
        assert_eq!(RecoveryKind::DeadMaster.orchestrator_type(), "MasterRecovery");
    }
}
