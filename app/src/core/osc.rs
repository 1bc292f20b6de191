//! orchestrator's `GetClusterOSCReplicas`: the heuristic choice of control replicas for an
//! online-schema-change (pt-online-schema-change) of a cluster, over a topology.
//!
//! In order: up to two intermediate masters (depth 1 with replicas; most replicas first), then
//! two replicas of the one intermediate master, or one replica of each of the two; then up to two
//! replicas at depth 3 (most replicas first); then up to two depth-1 leaves. A candidate is passed
//! over when it matches `OSCIgnoreHostnameFilters` or its last check is not valid. The replica
//! count is the instance's own `SHOW SLAVE HOSTS` list, as orchestrator's `num_slave_hosts`.
//! Ties keep `hostname, port` order.

use crate::core::host_filter::HostnameFilters;
use crate::core::instance::Instance;
use crate::core::topology::Topology;
use crate::core::InstanceKey;

/// The OSC control replicas of `cluster`, in orchestrator's order (an instance may appear twice
/// only if it is picked by two rules, as in orchestrator).
pub fn osc_replicas(
    topology: &Topology,
    cluster: &str,
    ignore: &HostnameFilters,
) -> Vec<InstanceKey> {
    let mut result: Vec<InstanceKey> = Vec::new();
    let (with_replicas, leaves): (Vec<&Instance>, Vec<&Instance>) =
        at_depth(topology, cluster, 1).into_iter().partition(|i| !i.replica_hosts.is_empty());
    let ims: Vec<&Instance> =
        usable(busiest_first(with_replicas), ignore).into_iter().take(2).collect();
    result.extend(ims.iter().map(|i| i.key.clone()));
    match ims.as_slice() {
        [im] => result.extend(
            usable(busiest_first(replicas_of(topology, &im.key)), ignore)
                .into_iter()
                .take(2)
                .map(|i| i.key.clone()),
        ),
        [a, b] => {
            for im in [a, b] {
                let replicas = usable(busiest_first(replicas_of(topology, &im.key)), ignore);
                if let Some(first) = replicas.first() {
                    result.push(first.key.clone());
                }
            }
        }
        _ => {}
    }
    let third = usable(busiest_first(at_depth(topology, cluster, 3)), ignore);
    result.extend(third.into_iter().take(2).map(|i| i.key.clone()));
    result.extend(usable(leaves, ignore).into_iter().take(2).map(|i| i.key.clone()));
    result
}

/// The cluster's instances at `depth`, in key order.
fn at_depth<'a>(topology: &'a Topology, cluster: &str, depth: u32) -> Vec<&'a Instance> {
    let mut v: Vec<&Instance> = topology
        .instances()
        .filter(|i| topology.cluster_of(&i.key) == Some(cluster))
        .filter(|i| topology.depth_of(&i.key) == Some(depth))
        .collect();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    v
}

/// The known instances replicating from `key`, in key order.
fn replicas_of<'a>(topology: &'a Topology, key: &InstanceKey) -> Vec<&'a Instance> {
    let mut v: Vec<&Instance> =
        topology.replicas_of(key).iter().filter_map(|k| topology.instance(k)).collect();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    v
}

/// Most replicas first (stable: ties keep their order).
fn busiest_first(mut v: Vec<&Instance>) -> Vec<&Instance> {
    v.sort_by_key(|i| std::cmp::Reverse(i.replica_hosts.len()));
    v
}

/// orchestrator's `filterOSCInstances`: not ignored, last check valid.
fn usable<'a>(v: Vec<&'a Instance>, ignore: &HostnameFilters) -> Vec<&'a Instance> {
    v.into_iter().filter(|i| !ignore.matches(&i.key) && i.is_last_check_valid).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(host: &str) -> InstanceKey {
        InstanceKey::new(host, 3306).unwrap()
    }

    fn inst(host: &str, master: Option<&str>, replicas: &[&str]) -> Instance {
        let mut i = Instance::new(key(host));
        i.master_key = master.map(key);
        i.replica_hosts = replicas.iter().map(|r| key(r)).collect();
        i.is_last_check_valid = true;
        i
    }

    fn names(keys: &[InstanceKey]) -> Vec<&str> {
        keys.iter().map(|k| k.hostname.as_str()).collect()
    }

    #[test]
    fn star_gives_two_first_level_leaves() {
        let t = Topology::build(vec![
            inst("m", None, &["r1", "r2", "r3"]),
            inst("r1", Some("m"), &[]),
            inst("r2", Some("m"), &[]),
            inst("r3", Some("m"), &[]),
        ]);
        let cluster = t.cluster_of(&key("m")).unwrap().to_string();
        let got = osc_replicas(&t, &cluster, &HostnameFilters::default());
        assert_eq!(names(&got), ["r1", "r2"]);
    }

    #[test]
    fn intermediate_masters_then_their_replicas_then_depth_three_then_leaves() {
        let mut bad = inst("leaf0", Some("m"), &[]);
        bad.is_last_check_valid = false;
        let t = Topology::build(vec![
            inst("m", None, &["im1", "im2", "leaf0", "leaf1", "leaf2", "leaf3"]),
            inst("im1", Some("m"), &["a1"]),
            inst("im2", Some("m"), &["b1", "b2"]),
            inst("a1", Some("im1"), &["c1"]),
            inst("b1", Some("im2"), &[]),
            inst("b2", Some("im2"), &[]),
            inst("c1", Some("a1"), &[]),
            bad,
            inst("leaf1", Some("m"), &[]),
            inst("leaf2", Some("m"), &[]),
            inst("leaf3", Some("m"), &[]),
        ]);
        let cluster = t.cluster_of(&key("m")).unwrap().to_string();
        let ignore = HostnameFilters::parse(&["leaf2"]).unwrap();
        let got = osc_replicas(&t, &cluster, &ignore);
        // im2 has more replicas; one replica of each IM; c1 at depth 3; two usable leaves.
        assert_eq!(names(&got), ["im2", "im1", "b1", "a1", "c1", "leaf1", "leaf3"]);
    }

    #[test]
    fn a_single_intermediate_master_gives_two_of_its_replicas() {
        let t = Topology::build(vec![
            inst("m", None, &["im"]),
            inst("im", Some("m"), &["x", "y", "z"]),
            inst("x", Some("im"), &[]),
            inst("y", Some("im"), &[]),
            inst("z", Some("im"), &[]),
        ]);
        let cluster = t.cluster_of(&key("m")).unwrap().to_string();
        let got = osc_replicas(&t, &cluster, &HostnameFilters::default());
        assert_eq!(names(&got), ["im", "x", "y"]);
        assert!(osc_replicas(&t, "other", &HostnameFilters::default()).is_empty());
    }
}
