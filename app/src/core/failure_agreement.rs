//! Quorum-agreed failure detection (`ExpectFailureAnalysisConcensus`): the leader recovers a
//! failure only when a majority of the voting nodes, itself included, see it in their own
//! analysis of their own probes.

use serde::{Deserialize, Serialize};

use super::{AnalysisCode, InstanceKey};

/// One failure a node sees now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenFailure {
    /// The failed instance.
    pub key: InstanceKey,
    /// The node's analysis of it.
    pub code: AnalysisCode,
}

/// Whether another node's failures confirm `code` on `key`: it sees the same instance failed
/// in a way the same recovery handles (one node may see `DeadMaster` where another, which
/// lost one more replica, sees `DeadMasterAndSomeReplicas`).
pub fn confirms(seen: &[SeenFailure], key: &InstanceKey, code: AnalysisCode) -> bool {
    let kind = code.recovery_kind();
    seen.iter().any(|s| {
        &s.key == key && (s.code == code || (kind.is_some() && s.code.recovery_kind() == kind))
    })
}

/// How many nodes agree, out of how many voters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Nodes that see the failure, the leader included.
    pub agreeing: usize,
    /// Voting members.
    pub voters: usize,
}

impl Agreement {
    /// Whether the agreeing nodes are a majority of the voters.
    pub fn is_majority(self) -> bool {
        self.agreeing * 2 > self.voters
    }
}

impl std::fmt::Display for Agreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} voting nodes see it", self.agreeing, self.voters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnalysisCode::*;

    fn key(port: u16) -> InstanceKey {
        InstanceKey::new("db", port).expect("key")
    }

    fn seen(port: u16, code: AnalysisCode) -> SeenFailure {
        SeenFailure { key: key(port), code }
    }

    #[test]
    fn the_same_failure_confirms() {
        assert!(confirms(&[seen(1, DeadMaster)], &key(1), DeadMaster));
        assert!(confirms(&[seen(1, DeadMasterAndSomeReplicas)], &key(1), DeadMaster));
    }

    #[test]
    fn another_instance_or_another_failure_does_not() {
        assert!(!confirms(&[seen(2, DeadMaster)], &key(1), DeadMaster));
        assert!(!confirms(&[seen(1, UnreachableMaster)], &key(1), DeadMaster));
        assert!(!confirms(&[seen(1, DeadIntermediateMaster)], &key(1), DeadMaster));
        assert!(!confirms(&[], &key(1), DeadMaster));
    }

    #[test]
    fn a_majority_of_the_voters_is_needed() {
        let cases = [(1, 3, false), (2, 3, true), (3, 3, true), (2, 4, false), (3, 5, true)];
        for (agreeing, voters, majority) in cases {
            assert_eq!(
                Agreement { agreeing, voters }.is_majority(),
                majority,
                "{agreeing}/{voters}"
            );
        }
    }
}
