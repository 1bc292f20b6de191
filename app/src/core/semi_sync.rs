//! Semi-sync replica decisions (orchestrator's `AnalyzeSemiSyncReplicaTopology`): which replicas
//! of a semi-sync master should acknowledge (`rpl_semi_sync_slave_enabled`), for the
//! `LockedSemiSyncMaster` and `MasterWithTooManySemiSyncReplicas` recoveries.
//!
//! Replicas that are valid and replicating are candidates; those with a semi-sync priority
//! (`DetectSemiSyncEnforcedQuery`, > 0) are ordered by priority (highest first), promotion rule
//! (best first), then key; those with priority 0 are always asynchronous; the rest (down, not
//! replicating) are left alone. `exact` (`EnforceExactSemiSyncReplicas`): the first
//! `wait_for_replica_count` candidates are enabled and every other replica disabled. Otherwise
//! (`RecoverLockedSemiSyncMaster`) only enough candidates are enabled to reach the wait count;
//! nothing is disabled.

use serde::{Deserialize, Serialize};

use crate::core::instance::Instance;
use crate::core::instance_key::InstanceKey;

/// One change to make: set `rpl_semi_sync_slave_enabled` of `key` to `enable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SemiSyncAction {
    /// The replica.
    pub key: InstanceKey,
    /// The value to set.
    pub enable: bool,
}

/// The changes that bring `master`'s semi-sync replicas to its wait count: enables first, then
/// disables (so the master is never left without enough acknowledgers in between). Only
/// instances in `replicas` whose master is `master` are considered.
pub fn semi_sync_actions(
    master: &Instance,
    replicas: &[Instance],
    exact: bool,
) -> Vec<SemiSyncAction> {
    let mine = replicas.iter().filter(|r| r.master_key.as_ref() == Some(&master.key));
    let usable = |r: &&Instance| r.is_last_check_valid && r.replication_running();
    let mut candidates: Vec<&Instance> =
        mine.clone().filter(usable).filter(|r| r.semi_sync.priority > 0).collect();
    candidates.sort_by(|a, b| {
        b.semi_sync
            .priority
            .cmp(&a.semi_sync.priority)
            .then(a.promotion_rule.cmp(&b.promotion_rule))
            .then_with(|| a.key.cmp(&b.key))
    });
    let asynchronous = mine.filter(usable).filter(|r| r.semi_sync.priority == 0);
    let wait = master.semi_sync.master_wait_for_replica_count as usize;
    let mut enable = Vec::new();
    let mut disable = Vec::new();
    if exact {
        for (i, r) in candidates.iter().enumerate() {
            match (i < wait, r.semi_sync.replica_enabled) {
                (true, false) => enable.push(r.key.clone()),
                (false, true) => disable.push(r.key.clone()),
                _ => {}
            }
        }
        disable.extend(asynchronous.filter(|r| r.semi_sync.replica_enabled).map(|r| r.key.clone()));
    } else {
        let missing = wait.saturating_sub(master.semi_sync.master_clients as usize);
        enable.extend(
            candidates
                .iter()
                .filter(|r| !r.semi_sync.replica_enabled)
                .take(missing)
                .map(|r| r.key.clone()),
        );
    }
    enable
        .into_iter()
        .map(|key| SemiSyncAction { key, enable: true })
        .chain(disable.into_iter().map(|key| SemiSyncAction { key, enable: false }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::instance::ThreadState;
    use crate::core::promotion_rule::PromotionRule;

    fn key(h: &str) -> InstanceKey {
        InstanceKey::new(h, 3306).unwrap()
    }

    fn master(wait: u32, clients: u32) -> Instance {
        let mut m = Instance::new(key("m"));
        m.is_last_check_valid = true;
        m.semi_sync.master_enabled = true;
        m.semi_sync.master_status = true;
        m.semi_sync.master_wait_for_replica_count = wait;
        m.semi_sync.master_clients = clients;
        m
    }

    fn replica(h: &str, priority: u32, enabled: bool) -> Instance {
        let mut r = Instance::new(key(h));
        r.master_key = Some(key("m"));
        r.is_last_check_valid = true;
        r.slave_io_running = ThreadState::Yes;
        r.slave_sql_running = ThreadState::Yes;
        r.semi_sync.priority = priority;
        r.semi_sync.replica_enabled = enabled;
        r
    }

    fn act(list: &[(&str, bool)]) -> Vec<SemiSyncAction> {
        list.iter().map(|(h, e)| SemiSyncAction { key: key(h), enable: *e }).collect()
    }

    #[test]
    fn locked_master_gets_enough_acknowledgers_by_priority() {
        let replicas = [replica("a", 1, false), replica("b", 2, false), replica("c", 0, false)];
        assert_eq!(semi_sync_actions(&master(1, 0), &replicas, false), act(&[("b", true)]));
    }

    #[test]
    fn exact_enables_the_first_and_disables_the_rest() {
        let mut a = replica("a", 1, true);
        a.promotion_rule = PromotionRule::PreferNot;
        let b = replica("b", 1, false);
        let c = replica("c", 0, true);
        let got = semi_sync_actions(&master(1, 2), &[a, b, c], true);
        assert_eq!(got, act(&[("b", true), ("a", false), ("c", false)]));
    }

    #[test]
    fn down_or_stopped_replicas_are_left_alone() {
        let mut a = replica("a", 1, false);
        a.is_last_check_valid = false;
        let mut b = replica("b", 1, false);
        b.slave_sql_running = ThreadState::No;
        assert!(semi_sync_actions(&master(1, 0), &[a, b], true).is_empty());
    }
}
