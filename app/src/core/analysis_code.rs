//! AnalysisCode: orchestrator's failure-analysis vocabulary, verbatim (`DeadMaster`,
//! `UnreachableIntermediateMaster`, ...). Which recovery handles each is `core::recovery_kind`.
//!
//! Only names and their fixed properties live here; deciding which code applies is
//! `core::analysis`. Variants are serialized as their orchestrator names and are only ever
//! added, never renamed. Not carried: group replication (`DeadReplicationGroupMemberWithReplicas`),
//! binlog servers (`BinlogServerFailingToConnectToMaster`) and the commented-out
//! `MasterWithoutReplicas`, none of which this project detects.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::core::error::DomainError;

macro_rules! analysis_codes {
    ($( $(#[$doc:meta])* $name:ident ),+ $(,)?) => {
        /// A replication problem (or a structure warning) as orchestrator names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum AnalysisCode {
            $( $(#[$doc])* $name, )+
        }

        impl AnalysisCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [AnalysisCode] = &[ $( AnalysisCode::$name, )+ ];

            /// The orchestrator name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( AnalysisCode::$name => stringify!($name), )+
                }
            }
        }
    };
}

analysis_codes! {
    /// Nothing wrong.
    NoProblem,
    /// Master unreachable and has no replica to confirm it.
    DeadMasterWithoutReplicas,
    /// Master unreachable; all its replicas reachable and none replicating.
    DeadMaster,
    /// Master unreachable and so are all its replicas.
    DeadMasterAndReplicas,
    /// Master unreachable; some replicas unreachable, the reachable ones not replicating.
    DeadMasterAndSomeReplicas,
    /// Master unreachable; its replicas still replicate but all lag.
    UnreachableMasterWithLaggingReplicas,
    /// Master unreachable, but replicas still replicate from it: a network/host issue.
    UnreachableMaster,
    /// Semi-sync master waiting for more acknowledgements than it has clients; not yet stale.
    LockedSemiSyncMasterHypothesis,
    /// Semi-sync master locked: as above and its binlog position has not moved for a while.
    LockedSemiSyncMaster,
    /// More semi-sync replicas than the wait count (only with `EnforceExactSemiSyncReplicas`).
    MasterWithTooManySemiSyncReplicas,
    /// Master is read-only while it has replicating replicas.
    NoWriteableMasterStructureWarning,
    /// Master reachable; its single replica is not replicating.
    MasterSingleReplicaNotReplicating,
    /// Master reachable; its single replica is unreachable.
    MasterSingleReplicaDead,
    /// Master reachable; none of its (several) replicas replicates.
    AllMasterReplicasNotReplicating,
    /// Master reachable; some replicas dead, none of the others replicating.
    AllMasterReplicasNotReplicatingOrDead,
    /// Co-master unreachable; all its replicas reachable and none replicating.
    DeadCoMaster,
    /// Co-master unreachable; some replicas unreachable, the others not replicating.
    DeadCoMasterAndSomeReplicas,
    /// Co-master unreachable but its replicas still replicate.
    UnreachableCoMaster,
    /// Co-master reachable; none of its replicas replicates.
    AllCoMasterReplicasNotReplicating,
    /// Intermediate master unreachable; its single replica fails to connect to it.
    DeadIntermediateMasterWithSingleReplicaFailingToConnect,
    /// Intermediate master unreachable; its single replica is not replicating.
    DeadIntermediateMasterWithSingleReplica,
    /// Intermediate master unreachable; its replicas reachable and none replicating.
    DeadIntermediateMaster,
    /// Intermediate master unreachable; some replicas unreachable, the others not replicating.
    DeadIntermediateMasterAndSomeReplicas,
    /// Intermediate master unreachable and so are all its replicas.
    DeadIntermediateMasterAndReplicas,
    /// Intermediate master unreachable; its replicas replicate but all lag.
    UnreachableIntermediateMasterWithLaggingReplicas,
    /// Intermediate master unreachable but its replicas still replicate.
    UnreachableIntermediateMaster,
    /// Intermediate master reachable; all its replicas fail to connect to it (or are dead).
    AllIntermediateMasterReplicasFailingToConnectOrDead,
    /// Intermediate master reachable; none of its replicas replicates.
    AllIntermediateMasterReplicasNotReplicating,
    /// A direct replica of the top master cannot connect to it.
    FirstTierReplicaFailingToConnectToMaster,
    /// Structure: some logging replicas use STATEMENT and some MIXED.
    StatementAndMixedLoggingReplicasStructureWarning,
    /// Structure: some logging replicas use STATEMENT and some ROW.
    StatementAndRowLoggingReplicasStructureWarning,
    /// Structure: some logging replicas use MIXED and some ROW.
    MixedAndRowLoggingReplicasStructureWarning,
    /// Structure: logging replicas run different major versions.
    MultipleMajorVersionsLoggingReplicasStructureWarning,
    /// Structure: several replicas, none writes binlogs with replica updates: none can be promoted.
    NoLoggingReplicasStructureWarning,
    /// Structure: replicas run a different `gtid_mode` than their master.
    DifferentGTIDModesStructureWarning,
    /// Structure: a (non-downtimed) replica has errant GTIDs.
    ErrantGTIDStructureWarning,
    /// Structure: several replicas, and neither GTID nor another failover method covers them all.
    NoFailoverSupportStructureWarning,
    /// Structure: semi-sync master fell back to async for lack of semi-sync replicas.
    NotEnoughValidSemiSyncReplicasStructureWarning,
}

impl AnalysisCode {
    /// Whether automated recovery acts on this code: it has a [`recovery_kind`](Self::recovery_kind)
    /// (orchestrator's recoverable codes, restricted to the recoveries this project implements).
    pub fn is_actionable(self) -> bool {
        self.recovery_kind().is_some()
    }

    /// Whether this is one of the structure warnings listed in `StructureAnalysis`.
    pub fn is_structure_warning(self) -> bool {
        self.as_str().ends_with("StructureWarning")
    }

    /// Codes about the replicas rather than the analyzed instance: when every replica is
    /// downtimed, such an analysis is skippable (orchestrator's `IsReplicasDowntimed`).
    pub fn is_about_replicas(self) -> bool {
        use AnalysisCode::*;
        matches!(
            self,
            AllMasterReplicasNotReplicating
                | AllMasterReplicasNotReplicatingOrDead
                | MasterSingleReplicaDead
                | AllCoMasterReplicasNotReplicating
                | DeadIntermediateMasterWithSingleReplica
                | DeadIntermediateMasterWithSingleReplicaFailingToConnect
                | DeadIntermediateMasterAndReplicas
                | DeadIntermediateMasterAndSomeReplicas
                | AllIntermediateMasterReplicasFailingToConnectOrDead
                | AllIntermediateMasterReplicasNotReplicating
        )
    }
}

impl fmt::Display for AnalysisCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AnalysisCode {
    type Err = DomainError;

    /// Parses an orchestrator name, exactly (case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AnalysisCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| DomainError::field("analysis", format!("unknown analysis code {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for &code in AnalysisCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<AnalysisCode>(&json).unwrap(), code);
            assert_eq!(code.as_str().parse::<AnalysisCode>().unwrap(), code);
        }
        assert!("deadmaster".parse::<AnalysisCode>().is_err());
    }

    #[test]
    fn keeps_orchestrator_spellings() {
        let cases = [
            (AnalysisCode::DeadMasterAndSomeReplicas, "DeadMasterAndSomeReplicas"),
            (
                AnalysisCode::DifferentGTIDModesStructureWarning,
                "DifferentGTIDModesStructureWarning",
            ),
            (
                AnalysisCode::DeadIntermediateMasterWithSingleReplicaFailingToConnect,
                "DeadIntermediateMasterWithSingleReplicaFailingToConnect",
            ),
        ];
        for (code, name) in cases {
            assert_eq!(code.to_string(), name);
        }
    }

    #[test]
    fn classifies_codes() {
        assert!(AnalysisCode::DeadMaster.is_actionable());
        assert!(!AnalysisCode::UnreachableMaster.is_actionable());
        assert!(!AnalysisCode::DeadMasterAndReplicas.is_actionable());
        assert!(AnalysisCode::ErrantGTIDStructureWarning.is_structure_warning());
        assert!(!AnalysisCode::DeadMaster.is_structure_warning());
        assert!(AnalysisCode::AllMasterReplicasNotReplicating.is_about_replicas());
        assert!(!AnalysisCode::DeadMaster.is_about_replicas());
    }
}
