//! The promotion plan: what a master recovery would do if the cluster's master died now —
//! which replica is promoted, which move under it, which are lost and why every other one is
//! passed over. Computed by [`choose_candidate_with`], the function the recovery itself calls,
//! so plan and action cannot disagree on the same observations.

use serde::{Deserialize, Serialize};

use crate::core::candidate::{
    can_replicate_from, choose_candidate_with, NoCandidate, PositionBasis, PromotionConstraints,
};
use crate::core::instance::Instance;
use crate::core::instance_key::InstanceKey;
use crate::core::promotion_rule::PromotionRule;

/// One replica and what would become of it, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEntry {
    /// The replica.
    pub key: InstanceKey,
    /// Why (the rule, data center, lag, errant GTID, version or binlog format at fault; or
    /// "ahead of the promoted replica").
    pub reason: String,
}

/// The plan for one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionPlan {
    /// The master whose death is supposed.
    pub master: InstanceKey,
    /// The replica that would be promoted (`None`: the recovery would refuse, see `refusal`).
    pub promoted: Option<InstanceKey>,
    /// Why nothing would be promoted.
    pub refusal: Option<String>,
    /// How positions were compared.
    pub basis: Option<PositionBasis>,
    /// Replicas that would move under the promoted one.
    pub moved: Vec<InstanceKey>,
    /// Replicas that would be lost, with the reason.
    pub lost: Vec<PlanEntry>,
    /// Replicas ranked before the promoted one that may not be promoted, with the reason.
    pub passed_over: Vec<PlanEntry>,
}

/// The plan for the death of `master`, whose replicas are `replicas`.
pub fn promotion_plan(
    master: &InstanceKey,
    replicas: &[Instance],
    rules: &dyn Fn(&InstanceKey) -> PromotionRule,
    constraints: &PromotionConstraints,
) -> PromotionPlan {
    let entry = |key: &InstanceKey, reason: String| PlanEntry { key: key.clone(), reason };
    let mut plan = PromotionPlan {
        master: master.clone(),
        promoted: None,
        refusal: None,
        basis: None,
        moved: Vec::new(),
        lost: Vec::new(),
        passed_over: Vec::new(),
    };
    match choose_candidate_with(master, replicas, rules, constraints) {
        Ok(choice) => {
            let chosen = replicas.iter().find(|i| i.key == choice.chosen);
            plan.moved = choice.equal.iter().chain(&choice.later).cloned().collect();
            plan.moved.sort();
            for key in &choice.ahead {
                plan.lost.push(entry(
                    key,
                    format!("ahead of {}: would lose its transactions if moved", choice.chosen),
                ));
            }
            for key in &choice.cannot_replicate {
                let why = match (replicas.iter().find(|i| &i.key == key), chosen) {
                    (Some(r), Some(c)) => match can_replicate_from(r, c) {
                        Err(blocker) => format!("cannot replicate from {}: {blocker}", c.key),
                        Ok(()) => format!("cannot replicate from {}", c.key),
                    },
                    _ => "cannot replicate from the promoted replica".to_string(),
                };
                plan.lost.push(entry(key, why));
            }
            plan.lost.sort_by(|a, b| a.key.cmp(&b.key));
            plan.passed_over =
                choice.passed_over.iter().map(|r| entry(&r.key, r.reason.to_string())).collect();
            plan.basis = Some(choice.basis);
            plan.promoted = Some(choice.chosen);
        }
        Err(e) => {
            if let NoCandidate::NoneEligible { rejected, .. } = &e {
                plan.passed_over =
                    rejected.iter().map(|r| entry(&r.key, r.reason.to_string())).collect();
            }
            if let NoCandidate::PromotionRefused { refused, .. } = &e {
                plan.passed_over = vec![entry(&refused.key, refused.reason.to_string())];
            }
            plan.refusal = Some(e.to_string());
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::binlog::BinlogFormat;
    use crate::core::instance::{Flavor, ThreadState, UsingGtid};

    fn key(h: &str) -> InstanceKey {
        InstanceKey::new(h, 3306).unwrap()
    }

    fn replica(h: &str, pos: u64, dc: &str) -> Instance {
        let mut r = Instance::new(key(h));
        r.master_key = Some(key("m"));
        r.flavor = Flavor::MariaDB;
        r.version = "10.11.6-MariaDB-log".into();
        r.server_id = pos;
        r.log_bin = true;
        r.log_slave_updates = true;
        r.binlog_format = BinlogFormat::Row;
        r.using_gtid = UsingGtid::SlavePos;
        r.gtid_slave_pos = format!("0-1-{pos}");
        r.executed_gtid_set = r.gtid_slave_pos.clone();
        r.slave_io_running = ThreadState::Yes;
        r.slave_sql_running = ThreadState::Yes;
        r.is_last_check_valid = true;
        r.data_center = dc.into();
        r
    }

    #[test]
    fn says_who_is_promoted_lost_and_passed_over() {
        let replicas =
            [replica("a", 120, "dc2"), replica("b", 100, "dc1"), replica("c", 90, "dc1")];
        let constraints = PromotionConstraints {
            failed_data_center: "dc1".into(),
            prevent_cross_data_center: true,
            ..Default::default()
        };
        let plan = promotion_plan(&key("m"), &replicas, &|_| PromotionRule::Neutral, &constraints);
        assert_eq!(plan.promoted, Some(key("b")));
        assert_eq!(plan.moved, vec![key("c")]);
        assert_eq!(plan.lost.len(), 1);
        assert!(plan.lost[0].reason.starts_with("ahead of b:3306"), "{:?}", plan.lost);
        assert!(plan.passed_over[0].reason.contains("PreventCrossDataCenterMasterFailover"));
    }

    #[test]
    fn a_refusal_is_explained() {
        let replicas = [replica("a", 120, "dc2")];
        let constraints = PromotionConstraints {
            failed_data_center: "dc1".into(),
            prevent_cross_data_center: true,
            ..Default::default()
        };
        let plan = promotion_plan(&key("m"), &replicas, &|_| PromotionRule::Neutral, &constraints);
        assert_eq!(plan.promoted, None);
        assert!(plan.refusal.as_deref().is_some_and(|r| r.contains("can be promoted")));
        assert_eq!(plan.passed_over.len(), 1);
    }
}
