//! Probe sharing (`ProbeSharing`): which node probes which instance — masters by every node,
//! each replica by one healthy node, in its own data center where one is, balanced and stable.
//!
//! The rule is pure and deterministic: the same instances, nodes and previous assignment give
//! the same assignment on every node. A replica keeps its node while that node stays healthy,
//! eligible (same data center) and within its fair share (`ceil(replicas / nodes)` of its
//! group); the others go to the eligible node with room that scores highest by rendezvous
//! hashing of (instance, node), so a node that leaves only moves its own replicas.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Instance, InstanceKey};

/// What the rule needs of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareInstance {
    /// The instance.
    pub key: InstanceKey,
    /// Its data center (`DataCenterPattern` / `DetectDataCenterQuery`), empty if unknown.
    pub data_center: String,
    /// A master (top of a cluster or with replicas of its own): probed by every node.
    pub is_master: bool,
}

impl ShareInstance {
    /// The share facts of an observed instance: a master is one that replicates from nobody or
    /// has replicas (an intermediate master counts: its failure is analysed from several views).
    pub fn of(instance: &Instance) -> Self {
        ShareInstance {
            key: instance.key.clone(),
            data_center: instance.data_center.clone(),
            is_master: instance.master_key.is_none() || !instance.replica_hosts.is_empty(),
        }
    }
}

/// A healthy voting node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareNode {
    /// Its raft id.
    pub id: u64,
    /// Its data center (`DataCenterPattern` on its raft host), empty if unknown.
    pub data_center: String,
}

/// Who probes what. Instances it does not name (masters, instances discovered since it was
/// made) are probed by every node, so nothing is ever left unprobed. On the wire a list of
/// (instance, node) pairs (a JSON object's keys must be strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<(InstanceKey, u64)>", into = "Vec<(InstanceKey, u64)>")]
pub struct Assignment {
    /// The one node probing each replica.
    pub owners: BTreeMap<InstanceKey, u64>,
}

impl From<Vec<(InstanceKey, u64)>> for Assignment {
    fn from(pairs: Vec<(InstanceKey, u64)>) -> Self {
        Assignment { owners: pairs.into_iter().collect() }
    }
}

impl From<Assignment> for Vec<(InstanceKey, u64)> {
    fn from(a: Assignment) -> Self {
        a.owners.into_iter().collect()
    }
}

impl Assignment {
    /// Whether `node` probes `key`.
    pub fn probes(&self, node: u64, key: &InstanceKey) -> bool {
        self.owners.get(key).is_none_or(|owner| *owner == node)
    }

    /// How many replicas `node` alone probes.
    pub fn share_of(&self, node: u64) -> usize {
        self.owners.values().filter(|owner| **owner == node).count()
    }
}

/// The assignment of `instances` among the healthy `nodes`, keeping what `previous` gave while
/// it is still fair. No node: empty (every node probes everything).
pub fn assign(
    instances: &[ShareInstance],
    nodes: &[ShareNode],
    previous: &Assignment,
) -> Assignment {
    if nodes.is_empty() {
        return Assignment::default();
    }
    // Each replica's group: the nodes of its data center, else every node (key "" below is
    // "no local node"; a data center name never doubles as it because that group is non-empty).
    let dcs: BTreeSet<&str> =
        nodes.iter().map(|n| n.data_center.as_str()).filter(|d| !d.is_empty()).collect();
    let group_of = |i: &ShareInstance| -> Option<String> {
        dcs.contains(i.data_center.as_str()).then(|| i.data_center.clone())
    };
    let eligible = |group: &Option<String>| -> Vec<u64> {
        nodes
            .iter()
            .filter(|n| group.as_ref().is_none_or(|g| *g == n.data_center))
            .map(|n| n.id)
            .collect()
    };
    let mut replicas: Vec<(&ShareInstance, Option<String>)> =
        instances.iter().filter(|i| !i.is_master).map(|i| (i, group_of(i))).collect();
    replicas.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    replicas.dedup_by(|a, b| a.0.key == b.0.key);
    let mut sizes: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for (_, group) in &replicas {
        *sizes.entry(group.clone()).or_default() += 1;
    }
    let cap = |group: &Option<String>| -> usize {
        let members = eligible(group).len().max(1);
        sizes.get(group).copied().unwrap_or(0).div_ceil(members)
    };
    let mut load: BTreeMap<(Option<String>, u64), usize> = BTreeMap::new();
    let mut owners = BTreeMap::new();
    // Pass 1: keep the previous owner while healthy, eligible and within the fair share.
    let mut rest = Vec::new();
    for (instance, group) in &replicas {
        let kept = previous.owners.get(&instance.key).copied().filter(|prev| {
            eligible(group).contains(prev)
                && load.get(&(group.clone(), *prev)).copied().unwrap_or(0) < cap(group)
        });
        match kept {
            Some(node) => {
                *load.entry((group.clone(), node)).or_default() += 1;
                owners.insert(instance.key.clone(), node);
            }
            None => rest.push((*instance, group.clone())),
        }
    }
    // Pass 2: the rest by rendezvous score among the eligible nodes with room.
    for (instance, group) in rest {
        let mut candidates = eligible(&group);
        candidates.sort_by_key(|node| std::cmp::Reverse((score(&instance.key, *node), *node)));
        let room = candidates
            .iter()
            .copied()
            .find(|node| load.get(&(group.clone(), *node)).copied().unwrap_or(0) < cap(&group));
        if let Some(node) = room.or_else(|| candidates.first().copied()) {
            *load.entry((group.clone(), node)).or_default() += 1;
            owners.insert(instance.key.clone(), node);
        }
    }
    Assignment { owners }
}

/// Rendezvous score of (instance, node): FNV-1a, stable across builds and platforms.
fn score(key: &InstanceKey, node: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = key.hostname.bytes().chain(key.port.to_le_bytes()).chain(node.to_le_bytes());
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
#[path = "probe_share_tests.rs"]
mod tests;
