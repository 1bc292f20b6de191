//! Topology: the replication graph built from a set of `Instance` observations — master/replica
//! edges, cluster membership and naming, co-masters, depth, aliases.
//!
//! It only derives structure from what was observed; it never decides whether anything is
//! broken (that is `core::analysis`) and never reads a clock or a server.
//!
//! Naming follows orchestrator: a cluster is named after its top master `host:port`; an
//! instance whose master is unknown is a top master. Loops (co-masters, rings) are named after a
//! deterministic member: the only writable one (`read_only=0`), else the smallest key. Unlike
//! orchestrator, which keeps whichever name a co-master pair had before, this does not depend on
//! history, so every node derives the same name from the same observations.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::core::instance::Instance;
use crate::core::instance_key::InstanceKey;

/// One cluster: its name, alias and members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// `host:port` of the top master (or chosen co-master).
    pub name: String,
    /// `suggested_cluster_alias` of its best member, or the name when none suggests one.
    pub alias: String,
    /// The instance the cluster is named after, when it is known.
    pub master: Option<InstanceKey>,
    /// Every member, in key order.
    pub members: Vec<InstanceKey>,
}

/// Derived placement of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placement {
    cluster_name: String,
    depth: u32,
}

/// The replication graph of every instance this node knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    /// Instances by key, with `cluster_name` and `is_co_master` recomputed.
    instances: BTreeMap<InstanceKey, Instance>,
    /// master key → known instances replicating from it, in key order.
    replicas: BTreeMap<InstanceKey, Vec<InstanceKey>>,
    /// key → cluster name and depth.
    placement: BTreeMap<InstanceKey, Placement>,
}

impl Topology {
    /// Builds the graph. When a key appears twice, the later record wins. The `cluster_name`
    /// and `is_co_master` fields of the stored copies are overwritten with derived values.
    pub fn build(instances: impl IntoIterator<Item = Instance>) -> Self {
        let mut by_key: BTreeMap<InstanceKey, Instance> = BTreeMap::new();
        for instance in instances {
            by_key.insert(instance.key.clone(), instance);
        }
        let mut replicas: BTreeMap<InstanceKey, Vec<InstanceKey>> = BTreeMap::new();
        for instance in by_key.values() {
            if let Some(master) = &instance.master_key {
                if master != &instance.key {
                    replicas.entry(master.clone()).or_default().push(instance.key.clone());
                }
            }
        }
        // BTreeMap iteration is in key order, so each replica list is already sorted.
        let placement: BTreeMap<InstanceKey, Placement> =
            by_key.keys().map(|key| (key.clone(), place(&by_key, key))).collect();
        let co_masters: BTreeSet<InstanceKey> =
            by_key.keys().filter(|key| is_co_master_in(&by_key, key)).cloned().collect();
        for (key, instance) in by_key.iter_mut() {
            if let Some(p) = placement.get(key) {
                instance.cluster_name = p.cluster_name.clone();
            }
            instance.is_co_master = co_masters.contains(key);
        }
        Topology { instances: by_key, replicas, placement }
    }

    /// The instance with this key.
    pub fn instance(&self, key: &InstanceKey) -> Option<&Instance> {
        self.instances.get(key)
    }

    /// Every instance, in key order.
    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// Number of instances.
    pub fn len(&self) -> usize {
        self.instances.len()
    }

    /// Whether there is no instance.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    /// The master this instance replicates from, as it reports it (known or not).
    pub fn master_of(&self, key: &InstanceKey) -> Option<&InstanceKey> {
        self.instances.get(key).and_then(|i| i.master_key.as_ref())
    }

    /// Known instances replicating directly from `key`, in key order.
    pub fn replicas_of(&self, key: &InstanceKey) -> &[InstanceKey] {
        self.replicas.get(key).map_or(&[], Vec::as_slice)
    }

    /// Name of the cluster the instance belongs to.
    pub fn cluster_of(&self, key: &InstanceKey) -> Option<&str> {
        self.placement.get(key).map(|p| p.cluster_name.as_str())
    }

    /// Replication depth: 0 for the top master (or the co-master the cluster is named after).
    pub fn depth_of(&self, key: &InstanceKey) -> Option<u32> {
        self.placement.get(key).map(|p| p.depth)
    }

    /// Whether the instance and its master replicate from each other.
    pub fn is_co_master(&self, key: &InstanceKey) -> bool {
        self.instances.get(key).is_some_and(|i| i.is_co_master)
    }

    /// Whether the instance replicates from a master and has replicas of its own
    /// (co-masters excluded: each has the other as replica).
    pub fn is_intermediate_master(&self, key: &InstanceKey) -> bool {
        self.master_of(key).is_some()
            && !self.is_co_master(key)
            && !self.replicas_of(key).is_empty()
    }

    /// Keys of every instance below `key` (replicas, their replicas, ...), depth-first in key
    /// order, stopping at loops.
    pub fn descendants_of(&self, key: &InstanceKey) -> Vec<InstanceKey> {
        let mut seen: BTreeSet<&InstanceKey> = BTreeSet::from([key]);
        let mut out = Vec::new();
        let mut stack: Vec<&InstanceKey> = self.replicas_of(key).iter().rev().collect();
        while let Some(next) = stack.pop() {
            if seen.insert(next) {
                out.push(next.clone());
                stack.extend(self.replicas_of(next).iter().rev());
            }
        }
        out
    }

    /// Every cluster, by name.
    pub fn clusters(&self) -> Vec<ClusterInfo> {
        let mut members: BTreeMap<&str, Vec<InstanceKey>> = BTreeMap::new();
        for (key, p) in &self.placement {
            members.entry(p.cluster_name.as_str()).or_default().push(key.clone());
        }
        members.into_iter().map(|(name, keys)| self.cluster_info(name, keys)).collect()
    }

    /// One cluster by name.
    pub fn cluster(&self, name: &str) -> Option<ClusterInfo> {
        let keys: Vec<InstanceKey> = self
            .placement
            .iter()
            .filter(|(_, p)| p.cluster_name == name)
            .map(|(k, _)| k.clone())
            .collect();
        (!keys.is_empty()).then(|| self.cluster_info(name, keys))
    }

    /// One cluster by name or by alias (name first).
    pub fn cluster_by_name_or_alias(&self, name_or_alias: &str) -> Option<ClusterInfo> {
        self.cluster(name_or_alias)
            .or_else(|| self.clusters().into_iter().find(|c| c.alias == name_or_alias))
    }

    fn cluster_info(&self, name: &str, members: Vec<InstanceKey>) -> ClusterInfo {
        let master = members.iter().find(|k| k.to_string() == name).cloned();
        let alias = self.cluster_alias(name, &members);
        ClusterInfo { name: name.to_string(), alias, master, members }
    }

    /// orchestrator's `UpdateClusterAliases`, made deterministic: the suggested alias of the
    /// member that is valid, then writable, then has the most replicas, then the smallest key.
    /// (orchestrator also skips downtimed "lost-in-recovery" masters; the topology does not
    /// know downtimes, and a demoted master carries no alias once re-probed.)
    fn cluster_alias(&self, name: &str, members: &[InstanceKey]) -> String {
        members
            .iter()
            .filter_map(|k| self.instances.get(k))
            .filter(|i| !i.suggested_cluster_alias.is_empty())
            .min_by_key(|i| {
                (
                    !i.is_last_check_valid,
                    i.read_only,
                    std::cmp::Reverse(self.replicas_of(&i.key).len()),
                    i.key.clone(),
                )
            })
            .map_or_else(|| name.to_string(), |i| i.suggested_cluster_alias.clone())
    }
}

/// Whether `key`'s master replicates from `key` (a two-member loop).
fn is_co_master_in(instances: &BTreeMap<InstanceKey, Instance>, key: &InstanceKey) -> bool {
    let Some(master) = instances.get(key).and_then(|i| i.master_key.as_ref()) else {
        return false;
    };
    master != key && instances.get(master).and_then(|m| m.master_key.as_ref()) == Some(key)
}

/// Walks up the known masters of `key` to find its cluster name and depth.
fn place(instances: &BTreeMap<InstanceKey, Instance>, key: &InstanceKey) -> Placement {
    let mut path: Vec<&InstanceKey> = vec![key];
    let mut current = key;
    loop {
        let master = instances.get(current).and_then(|i| i.master_key.as_ref());
        let Some(master) = master.filter(|m| *m != current && instances.contains_key(*m)) else {
            // Top of the chain: no master, or a master this node has never seen.
            return Placement {
                cluster_name: current.to_string(),
                depth: depth_u32(path.len() - 1),
            };
        };
        if let Some(loop_start) = path.iter().position(|k| *k == master) {
            let named = loop_name(instances, master, &path[loop_start + 1..]);
            let depth = path.iter().position(|k| *k == named).unwrap_or(loop_start);
            return Placement { cluster_name: named.to_string(), depth: depth_u32(depth) };
        }
        path.push(master);
        current = master;
    }
}

/// The member a replication loop is named after: the only writable one, else the smallest key.
/// `first` is any member (the loop is never empty; taking it separately keeps this total).
fn loop_name<'a>(
    instances: &BTreeMap<InstanceKey, Instance>,
    first: &'a InstanceKey,
    rest: &[&'a InstanceKey],
) -> &'a InstanceKey {
    let members = || std::iter::once(first).chain(rest.iter().copied());
    let writable: Vec<&'a InstanceKey> =
        members().filter(|k| instances.get(*k).is_some_and(|i| !i.read_only)).collect();
    match writable.as_slice() {
        [only] => only,
        _ => members().min().unwrap_or(first),
    }
}

fn depth_u32(depth: usize) -> u32 {
    u32::try_from(depth).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> InstanceKey {
        InstanceKey::new(name, 3306).unwrap()
    }

    /// `(name, master, read_only)`
    fn topo(rows: &[(&str, Option<&str>, bool)]) -> Topology {
        Topology::build(rows.iter().map(|&(name, master, read_only)| {
            let mut i = Instance::new(key(name));
            i.master_key = master.map(key);
            i.read_only = read_only;
            i.is_last_check_valid = true;
            i
        }))
    }

    #[test]
    fn names_clusters_after_top_master_with_depth() {
        let t = topo(&[
            ("m", None, false),
            ("r1", Some("m"), true),
            ("r2", Some("r1"), true),
            ("x", Some("gone"), true),
        ]);
        let cases =
            [("m", "m:3306", 0), ("r1", "m:3306", 1), ("r2", "m:3306", 2), ("x", "x:3306", 0)];
        for (name, cluster, depth) in cases {
            assert_eq!(t.cluster_of(&key(name)), Some(cluster), "{name}");
            assert_eq!(t.depth_of(&key(name)), Some(depth), "{name}");
        }
        assert_eq!(t.replicas_of(&key("m")), &[key("r1")]);
        assert!(t.is_intermediate_master(&key("r1")));
        assert!(!t.is_intermediate_master(&key("m")));
        assert_eq!(t.descendants_of(&key("m")), vec![key("r1"), key("r2")]);
        assert_eq!(t.master_of(&key("x")), Some(&key("gone")));
    }

    #[test]
    fn names_co_masters_after_writable_else_smallest() {
        let cases = [
            // (read_only of a, read_only of b, expected name)
            (true, false, "b:3306"),
            (false, true, "a:3306"),
            (false, false, "a:3306"),
            (true, true, "a:3306"),
        ];
        for (a_ro, b_ro, expected) in cases {
            let t = topo(&[("a", Some("b"), a_ro), ("b", Some("a"), b_ro), ("r", Some("b"), true)]);
            for name in ["a", "b", "r"] {
                assert_eq!(
                    t.cluster_of(&key(name)),
                    Some(expected),
                    "{name} with ro=({a_ro},{b_ro})"
                );
            }
            let named = if expected == "a:3306" { "a" } else { "b" };
            assert_eq!(t.depth_of(&key(named)), Some(0));
            assert!(t.is_co_master(&key("a")) && t.is_co_master(&key("b")));
            assert!(!t.is_co_master(&key("r")));
            assert_eq!(t.instance(&key("r")).unwrap().cluster_name, expected);
        }
    }

    #[test]
    fn rings_terminate_and_are_not_co_masters() {
        let t = topo(&[("c", Some("a"), true), ("a", Some("b"), true), ("b", Some("c"), true)]);
        for name in ["a", "b", "c"] {
            assert_eq!(t.cluster_of(&key(name)), Some("a:3306"));
            assert!(!t.is_co_master(&key(name)));
        }
        assert_eq!(t.depth_of(&key("b")), Some(2));
        assert_eq!(t.descendants_of(&key("a")).len(), 2);
    }

    #[test]
    fn lists_clusters_with_alias_choice() {
        let mut rows: Vec<Instance> = Vec::new();
        for (name, master, alias, valid, ro) in [
            ("m1", None, "", true, false),
            ("r1", Some("m1"), "", true, true),
            ("m2", None, "shop", false, false),
            ("r2", Some("m2"), "shop-old", true, true),
            ("r3", Some("m2"), "shop-new", true, false),
        ] {
            let mut i = Instance::new(key(name));
            i.master_key = master.map(key);
            i.suggested_cluster_alias = alias.to_string();
            i.is_last_check_valid = valid;
            i.read_only = ro;
            rows.push(i);
        }
        let t = Topology::build(rows);
        let clusters = t.clusters();
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters[0].name, "m1:3306");
        assert_eq!(clusters[0].alias, "m1:3306");
        assert_eq!(clusters[0].members, vec![key("m1"), key("r1")]);
        assert_eq!(clusters[1].alias, "shop-new");
        assert_eq!(clusters[1].master, Some(key("m2")));
        assert_eq!(
            t.cluster_by_name_or_alias("shop-new").map(|c| c.name),
            Some("m2:3306".to_string())
        );
        assert!(t.cluster("nope:1").is_none());
    }

    #[test]
    fn later_duplicate_wins() {
        let mut first = Instance::new(key("m"));
        first.version = "old".into();
        let mut second = Instance::new(key("m"));
        second.version = "new".into();
        let t = Topology::build([first, second]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.instance(&key("m")).unwrap().version, "new");
    }
}
