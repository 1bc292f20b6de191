//! Probe sharing (`ProbeSharing`): which node probes which instance — masters by every node,
//! each replica by one healthy node, in its own data center where one is, balanced and stable.
//!
//! The leader commits the healthy node set (`Command::ProbeShareNodes`) when it changes; every
//! node derives each replica's owner from that set alone by rendezvous hashing, so the nodes
//! agree on the assignment without it ever travelling instance by instance.

use std::collections::BTreeMap;

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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShareNode {
    /// Its raft id.
    pub id: u64,
    /// Its data center (`DataCenterPattern` on its raft host), empty if unknown.
    pub data_center: String,
}

/// Who probes what, as this node derived it. Instances it does not name (masters, instances
/// discovered since it was made) are probed by every node, so nothing is ever left unprobed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// The one node probing each replica.
    pub owners: BTreeMap<InstanceKey, u64>,
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

/// The assignment of `instances` among the healthy `nodes`: each replica goes to the eligible
/// node (its data center's, else any) that scores highest by rendezvous hashing of (instance,
/// node). It depends on nothing else, so every node that holds the same committed node set
/// derives the same owner for a replica whatever else it knows, a node that leaves moves only
/// its own replicas, and one that comes back takes only its own back. No node: empty (every
/// node probes everything).
pub fn assign(instances: &[ShareInstance], nodes: &[ShareNode]) -> Assignment {
    let owners = instances
        .iter()
        .filter(|i| !i.is_master)
        .filter_map(|i| owner_of(i, nodes).map(|node| (i.key.clone(), node)))
        .collect();
    Assignment { owners }
}

/// The node that probes replica `instance`: the highest rendezvous score among the nodes of
/// its data center, or among every node when none is in it.
pub fn owner_of(instance: &ShareInstance, nodes: &[ShareNode]) -> Option<u64> {
    let local = |n: &&ShareNode| !n.data_center.is_empty() && n.data_center == instance.data_center;
    let pool: Vec<&ShareNode> = if nodes.iter().any(|n| local(&n)) {
        nodes.iter().filter(local).collect()
    } else {
        nodes.iter().collect()
    };
    pool.iter().map(|n| n.id).max_by_key(|id| (score(&instance.key, *id), *id))
}

/// Rendezvous score of (instance, node): FNV-1a of the key, mixed with the node id by
/// MurmurHash3's 64-bit finalizer (FNV alone spreads the last bytes poorly); stable across builds
/// and platforms.
fn score(key: &InstanceKey, node: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.hostname.bytes().chain(key.port.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h ^ mix(node.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// MurmurHash3's `fmix64`.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
#[path = "probe_share_tests.rs"]
mod tests;
