//! The analysis changelog, on every node: after each analysis, the code of every instance with
//! replicas (orchestrator audits those only; `NoProblem` when it has no problem) is recorded in
//! this node's own store when it changed (`database_instance_analysis_changelog`), and rows
//! older than `UnseenInstanceForgetHours` are pruned every ten minutes, as orchestrator's
//! `auditInstanceAnalysisInChangelog` and `ExpireInstanceAnalysisChangelog` do.

use std::collections::HashMap;

use app::core::{AnalysisCode, InstanceKey};

use crate::analysis_state::AnalysisSnapshot;
use crate::store::{Store, StoreError};

/// Every how many analysis rounds (about a second each) old changelog rows are pruned.
const PRUNE_EVERY_ROUNDS: u64 = 600;

/// What this node last recorded, so an unchanged code costs no backend write.
#[derive(Default)]
pub struct Changelog {
    recorded: HashMap<InstanceKey, AnalysisCode>,
    rounds: u64,
}

/// The code of every instance with replicas in `snapshot`, in key order.
pub fn audited_codes(snapshot: &AnalysisSnapshot) -> Vec<(InstanceKey, AnalysisCode)> {
    let mut codes: HashMap<&InstanceKey, AnalysisCode> = HashMap::new();
    for a in &snapshot.analyses {
        if a.count_replicas > 0 {
            codes.entry(&a.analyzed_instance_key).or_insert(a.analysis);
        }
    }
    let topology = &snapshot.topology;
    for i in topology.instances() {
        if !topology.replicas_of(&i.key).is_empty() {
            codes.entry(&i.key).or_insert(AnalysisCode::NoProblem);
        }
    }
    let mut out: Vec<(InstanceKey, AnalysisCode)> =
        codes.into_iter().map(|(k, c)| (k.clone(), c)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

impl Changelog {
    /// Records the changes `snapshot` shows at `now_ms`; prunes rows older than `keep_ms` now
    /// and then.
    pub async fn record(
        &mut self,
        store: &Store,
        snapshot: &AnalysisSnapshot,
        now_ms: i64,
        keep_ms: i64,
    ) -> Result<(), StoreError> {
        for (key, code) in audited_codes(snapshot) {
            if self.recorded.get(&key) == Some(&code) {
                continue;
            }
            store.record_analysis(&key, code.as_str(), now_ms).await?;
            self.recorded.insert(key, code);
        }
        self.rounds += 1;
        if self.rounds % PRUNE_EVERY_ROUNDS == 1 {
            store.prune_analysis_changelog(now_ms - keep_ms).await?;
        }
        Ok(())
    }
}
