//! The data version of the pulse: a hash of what the pages show (raft role and applied index,
//! and the latest analysis of this node's observations), so that a polling page refetches its
//! data only when something changed. The topology part is computed once per analysis pass and
//! cached per node.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::analysis_state::AnalysisSnapshot;

type Cache = Mutex<HashMap<u64, (Weak<AnalysisSnapshot>, u64)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Hash of everything an instance box or cluster card shows.
fn topology_hash(snapshot: &AnalysisSnapshot) -> u64 {
    let mut h = DefaultHasher::new();
    for i in snapshot.topology.instances() {
        i.key.hash(&mut h);
        i.master_key.hash(&mut h);
        (i.read_only, i.is_last_check_valid, i.replication_lag_seconds, i.seconds_behind_master)
            .hash(&mut h);
        (i.slave_io_running, i.slave_sql_running, i.using_gtid, i.promotion_rule).hash(&mut h);
        (&i.version, &i.data_center, &i.gtid_mode, &i.last_io_error, &i.last_sql_error)
            .hash(&mut h);
    }
    for a in &snapshot.analyses {
        a.analyzed_instance_key.hash(&mut h);
        a.analysis.hash(&mut h);
        a.structure_analysis.hash(&mut h);
        a.is_downtimed.hash(&mut h);
    }
    snapshot.aliases.hash(&mut h);
    h.finish()
}

/// The version for `node_id` given its latest `snapshot` and raft facts.
pub fn version(node_id: u64, snapshot: &Arc<AnalysisSnapshot>, raft: impl Hash) -> u64 {
    let topology = {
        let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(&node_id) {
            Some((weak, hash)) if weak.upgrade().is_some_and(|s| Arc::ptr_eq(&s, snapshot)) => {
                *hash
            }
            _ => {
                let hash = topology_hash(snapshot);
                cache.insert(node_id, (Arc::downgrade(snapshot), hash));
                hash
            }
        }
    };
    let mut h = DefaultHasher::new();
    topology.hash(&mut h);
    raft.hash(&mut h);
    h.finish()
}
