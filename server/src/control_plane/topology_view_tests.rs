//! Tests of the topology views' pure parts: the tree (every instance once, loops cut, orphans as
//! extra roots) and cluster resolution by name or shared alias.

use std::collections::{BTreeMap, HashMap};

use app::core::{AnalysisConfig, Instance, InstanceKey, ProblemContext, Topology};

use super::{resolve, tree, Marks};
use crate::analysis_state::AnalysisSnapshot;

fn key(name: &str) -> InstanceKey {
    InstanceKey::new(name, 3306).expect("valid key")
}

/// `(name, master, last check valid)`.
fn snapshot(rows: &[(&str, Option<&str>, bool)], aliases: &[(&str, &str)]) -> AnalysisSnapshot {
    let topology = Topology::build(rows.iter().map(|&(name, master, valid)| {
        let mut i = Instance::new(key(name));
        i.master_key = master.map(key);
        i.is_last_check_valid = valid;
        i
    }));
    let aliases: BTreeMap<String, String> =
        aliases.iter().map(|(c, a)| (c.to_string(), a.to_string())).collect();
    AnalysisSnapshot { at_ms: 0, topology, analyses: Vec::new(), aliases }
}

fn no_marks() -> Marks {
    let problems = ProblemContext::new(0, &AnalysisConfig::default());
    Marks { downtimes: HashMap::new(), rules: HashMap::new(), problems }
}

#[test]
fn tree_holds_every_member_once_depth_first() {
    let s = snapshot(
        &[
            ("m", None, true),
            ("i", Some("m"), true),
            ("r1", Some("i"), true),
            ("r2", Some("m"), true),
        ],
        &[],
    );
    let cluster = s.topology.cluster("m:3306").expect("cluster");
    let (nodes, roots) =
        tree(&s.topology, &HashMap::new(), &no_marks(), &cluster.members, cluster.master.as_ref());
    let keys: Vec<&str> = nodes.iter().map(|n| n.instance.key.as_str()).collect();
    assert_eq!(keys, ["m:3306", "i:3306", "r1:3306", "r2:3306"]);
    assert_eq!(roots, [0]);
    assert_eq!(nodes[0].children, [1, 3]);
    assert_eq!(nodes[1].children, [2]);
    assert_eq!(nodes[1].instance.replica_count, 1);
    assert!(nodes[2].instance.is_replica && !nodes[0].instance.is_replica);
}

#[test]
fn co_master_loop_is_cut() {
    let s =
        snapshot(&[("a", Some("b"), true), ("b", Some("a"), true), ("r", Some("b"), true)], &[]);
    let cluster = s.topology.clusters().pop().expect("one cluster");
    let (nodes, roots) =
        tree(&s.topology, &HashMap::new(), &no_marks(), &cluster.members, cluster.master.as_ref());
    assert_eq!(nodes.len(), 3, "each instance once: {nodes:?}");
    assert_eq!(roots.len(), 1);
    assert!(nodes.iter().filter(|n| n.instance.is_co_master).count() == 2);
}

#[test]
fn shared_alias_resolves_to_the_live_cluster() {
    // After a failover the dead master is a cluster of its own that still carries the alias.
    let s = snapshot(
        &[("old", None, false), ("new", None, true), ("r", Some("new"), true)],
        &[("old:3306", "shop"), ("new:3306", "shop")],
    );
    assert_eq!(resolve(&s, "shop").map(|c| c.name), Some("new:3306".into()));
    assert_eq!(resolve(&s, "old:3306").map(|c| c.name), Some("old:3306".into()));
    assert_eq!(resolve(&s, "r:3306").map(|c| c.name), Some("new:3306".into()));
    assert!(resolve(&s, "nope").is_none());
}
