//! Proposals: validated user intents, turned into stamped raft commands by the proposing node.

use serde::{Deserialize, Serialize};

use crate::core::command::{Command, CommandEnvelope};
use crate::core::downtime::DowntimeRequest;
use crate::core::instance_key::InstanceKey;
use crate::core::promotion_rule::{CandidateRegistration, PromotionRule};
use crate::core::recovery::{AckSelector, RecoveryAck};

/// A user intent that passed validation but has no times yet. The HTTP API and the dashboard's
/// server functions both produce these; the control plane stamps and proposes them, so there is
/// exactly one path into raft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "value", rename_all = "kebab-case")]
pub enum Proposal {
    /// `begin-downtime`.
    BeginDowntime(DowntimeRequest),
    /// `end-downtime`.
    EndDowntime(InstanceKey),
    /// `register-candidate`.
    RegisterCandidate {
        /// The instance.
        key: InstanceKey,
        /// The rule.
        promotion_rule: PromotionRule,
    },
    /// `deregister-candidate`: drop a registration.
    DeregisterCandidate(InstanceKey),
    /// `forget`.
    Forget(InstanceKey),
    /// `disable-global-recoveries` (false) / `enable-global-recoveries` (true).
    SetGlobalRecoveries {
        /// Whether automated recoveries are allowed.
        enabled: bool,
    },
    /// `ack-recovery` / `ack-all-recoveries` (validated: non-empty comment).
    AckRecovery {
        /// What to acknowledge.
        selector: AckSelector,
        /// Who.
        owner: String,
        /// Why (required).
        comment: String,
    },
    /// `forget-cluster`, with the cluster's instances as the proposer knows them.
    ForgetCluster {
        /// The cluster.
        cluster_name: String,
        /// Its instances.
        keys: Vec<InstanceKey>,
    },
    /// `set-cluster-alias` (empty alias removes the override).
    SetClusterAlias {
        /// Cluster name.
        cluster_name: String,
        /// Alias.
        alias: String,
    },
}

impl Proposal {
    /// Stamps the proposal into a raft command at `now_ms` on node `proposer`.
    /// `candidate_expire_ms` is `CandidateInstanceExpireMinutes` in milliseconds.
    pub fn stamp(self, now_ms: i64, proposer: u64, candidate_expire_ms: i64) -> CommandEnvelope {
        let command = match self {
            Proposal::BeginDowntime(req) => Command::BeginDowntime(req.stamp(now_ms)),
            Proposal::EndDowntime(key) => Command::EndDowntime(key),
            Proposal::RegisterCandidate { key, promotion_rule } => {
                Command::RegisterCandidate(CandidateRegistration {
                    key,
                    promotion_rule,
                    last_suggested_ms: now_ms,
                    expires_at_ms: now_ms.saturating_add(candidate_expire_ms),
                })
            }
            Proposal::Forget(key) => Command::Forget(key),
            Proposal::DeregisterCandidate(key) => Command::DeregisterCandidate(key),
            Proposal::SetGlobalRecoveries { enabled: true } => Command::EnableGlobalRecoveries,
            Proposal::SetGlobalRecoveries { enabled: false } => Command::DisableGlobalRecoveries,
            Proposal::AckRecovery { selector, owner, comment } => {
                Command::AckRecovery(RecoveryAck { selector, owner, comment, at_ms: now_ms })
            }
            Proposal::ForgetCluster { cluster_name, keys } => {
                Command::ForgetCluster { cluster_name, keys }
            }
            Proposal::SetClusterAlias { cluster_name, alias } => {
                Command::SetClusterAlias { cluster_name, alias }
            }
        };
        CommandEnvelope::new(command, now_ms, proposer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_times_from_the_proposer() {
        let key = InstanceKey::new("db", 3306).unwrap();
        let req = DowntimeRequest::parse(key.clone(), "o", "r", "1m").unwrap();
        let env = Proposal::BeginDowntime(req).stamp(1_000, 3, 0);
        match env.command {
            Command::BeginDowntime(d) => {
                assert_eq!((d.begins_at_ms, d.ends_at_ms), (1_000, 61_000));
            }
            other => panic!("unexpected {other:?}"),
        }
        let env = Proposal::RegisterCandidate { key, promotion_rule: PromotionRule::MustNot }
            .stamp(10, 1, 100);
        match env.command {
            Command::RegisterCandidate(c) => {
                assert_eq!((c.last_suggested_ms, c.expires_at_ms), (10, 110))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(env.issued_at_ms, 10);
        assert_eq!(env.proposer, 1);
    }
}
