//! RecoveryKind: which recovery handles an analysis code, decided in one exhaustive table.
//!
//! A code with a kind is actionable: automated recovery (and a manual `recover`) runs that
//! recovery. A code without one is never registered as a recovery. Among those, the
//! [`DETECT_ONLY`] codes (orchestrator recovers them, this project does not) are still
//! registered as failure detections; the rest are only analysed and shown.

use serde::{Deserialize, Serialize};

use crate::core::analysis_code::AnalysisCode;

/// A recovery this project implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RecoveryKind {
    /// Promote the best replica of a dead master, move the others under it.
    DeadMaster,
    /// Move the replicas of a dead intermediate master up (under its master or a sibling).
    DeadIntermediateMaster,
}

impl RecoveryKind {
    /// Every kind.
    pub const ALL: &'static [RecoveryKind] =
        &[RecoveryKind::DeadMaster, RecoveryKind::DeadIntermediateMaster];

    /// orchestrator's `TopologyRecovery.Type` of this recovery.
    pub fn orchestrator_type(self) -> &'static str {
        match self {
            RecoveryKind::DeadMaster => "MasterRecovery",
            RecoveryKind::DeadIntermediateMaster => "IntermediateMasterRecovery",
        }
    }
}

/// Codes orchestrator recovers and this project only detects: the leader registers a failure
/// detection (audited, `OnFailureDetectionProcesses` run) and never a recovery.
pub const DETECT_ONLY: &[AnalysisCode] = &[
    AnalysisCode::DeadCoMaster,
    AnalysisCode::DeadCoMasterAndSomeReplicas,
    AnalysisCode::LockedSemiSyncMaster,
    AnalysisCode::MasterWithTooManySemiSyncReplicas,
    AnalysisCode::NoWriteableMasterStructureWarning,
];

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
            // Detect-only (`DETECT_ONLY`): orchestrator recovers these, this project does not.
            DeadCoMaster
            | DeadCoMasterAndSomeReplicas
            | LockedSemiSyncMaster
            | MasterWithTooManySemiSyncReplicas
            | NoWriteableMasterStructureWarning => None,
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
