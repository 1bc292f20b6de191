use super::*;

fn key(i: usize) -> InstanceKey {
    InstanceKey::new(&format!("db{i:03}"), 3306).unwrap()
}

fn replica(i: usize, dc: &str) -> ShareInstance {
    ShareInstance { key: key(i), data_center: dc.into(), is_master: false }
}

fn node(id: u64, dc: &str) -> ShareNode {
    ShareNode { id, data_center: dc.into() }
}

fn loads(a: &Assignment, nodes: &[u64]) -> Vec<usize> {
    nodes.iter().map(|n| a.share_of(*n)).collect()
}

#[test]
fn masters_and_unknown_instances_are_probed_by_every_node() {
    let mut instances: Vec<ShareInstance> = (0..6).map(|i| replica(i, "")).collect();
    instances[0].is_master = true;
    let a = assign(&instances, &[node(1, ""), node(2, ""), node(3, "")]);
    for n in 1..=3 {
        assert!(a.probes(n, &key(0)), "the master is probed by node {n}");
        assert!(a.probes(n, &key(99)), "an instance discovered since is probed by node {n}");
    }
    for i in 1..6 {
        let probing: Vec<u64> = (1..=3).filter(|n| a.probes(*n, &key(i))).collect();
        assert_eq!(probing.len(), 1, "replica {i} probed by exactly one node: {probing:?}");
    }
}

#[test]
fn replicas_are_balanced_and_the_rule_is_deterministic() {
    let instances: Vec<ShareInstance> = (0..3000).map(|i| replica(i, "")).collect();
    let nodes = [node(1, ""), node(2, ""), node(3, "")];
    let a = assign(&instances, &nodes);
    let l = loads(&a, &[1, 2, 3]);
    assert_eq!(l.iter().sum::<usize>(), 3000);
    assert!(l.iter().all(|n| (900..=1100).contains(n)), "{l:?}");
    let mut reversed = instances.clone();
    reversed.reverse();
    assert_eq!(assign(&reversed, &nodes), a, "order does not matter");
}

#[test]
fn an_owner_depends_only_on_the_instance_and_the_node_set() {
    // Two nodes that know different instances still agree on the ones they both know.
    let all: Vec<ShareInstance> = (0..50).map(|i| replica(i, "")).collect();
    let nodes = [node(1, ""), node(2, ""), node(3, "")];
    let full = assign(&all, &nodes);
    let part = assign(&all[10..30], &nodes);
    for (k, owner) in &part.owners {
        assert_eq!(full.owners.get(k), Some(owner), "{k:?}");
    }
}

#[test]
fn a_node_that_leaves_moves_only_its_own_replicas_and_takes_them_back() {
    let instances: Vec<ShareInstance> = (0..90).map(|i| replica(i, "")).collect();
    let three = [node(1, ""), node(2, ""), node(3, "")];
    let before = assign(&instances, &three);
    assert!(before.share_of(2) > 0);
    let after = assign(&instances, &[node(1, ""), node(3, "")]);
    assert_eq!(after.share_of(2), 0);
    assert_eq!(loads(&after, &[1, 3]).iter().sum::<usize>(), 90);
    for (k, owner) in &before.owners {
        if *owner != 2 {
            assert_eq!(after.owners.get(k), Some(owner), "{k:?} kept its healthy node");
        }
    }
    // It comes back: exactly what it had, and nothing moves between the others.
    assert_eq!(assign(&instances, &three), before);
}

#[test]
fn replicas_stay_in_their_data_center_when_it_has_a_node() {
    let mut instances: Vec<ShareInstance> = (0..10).map(|i| replica(i, "ams")).collect();
    instances.extend((10..20).map(|i| replica(i, "fra")));
    instances.extend((20..24).map(|i| replica(i, "lon"))); // no node there
    let nodes = [node(1, "ams"), node(2, "ams"), node(3, "fra")];
    let a = assign(&instances, &nodes);
    for i in 0..10 {
        assert!([1, 2].contains(&a.owners[&key(i)]), "ams replica {i} stays in ams");
    }
    for i in 10..20 {
        assert_eq!(a.owners[&key(i)], 3, "fra replica {i} stays in fra");
    }
    for i in 20..24 {
        assert!(a.owners.contains_key(&key(i)), "lon replica {i} still has a node");
    }
    // The only fra node leaves: its replicas go to the ams nodes rather than unprobed.
    let b = assign(&instances, &nodes[..2]);
    assert!((10..20).all(|i| [1, 2].contains(&b.owners[&key(i)])));
}

#[test]
fn golden_three_nodes_six_replicas() {
    let instances: Vec<ShareInstance> = (0..6).map(|i| replica(i, "")).collect();
    let a = assign(&instances, &[node(1, ""), node(2, ""), node(3, "")]);
    let got: Vec<u64> = (0..6).map(|i| a.owners[&key(i)]).collect();
    // Pinned: the rule's hash and order must not change silently (nodes of two builds would
    // disagree), and the order the nodes are listed in does not matter.
    assert_eq!(got, vec![2, 3, 1, 2, 1, 1]);
    let shuffled = [node(3, ""), node(1, ""), node(2, "")];
    assert_eq!(assign(&instances, &shuffled), a);
}

#[test]
fn no_node_means_every_node_probes_everything() {
    let a = assign(&[replica(1, "")], &[]);
    assert!(a.probes(7, &key(1)));
}

#[test]
fn the_committed_node_set_round_trips() {
    let nodes = vec![node(1, "ams"), node(3, "")];
    let cmd = crate::core::Command::ProbeShareNodes(nodes.clone());
    let text = serde_json::to_string(&cmd).unwrap();
    assert!(text.contains("probe-share-nodes"), "{text}");
    assert_eq!(serde_json::from_str::<crate::core::Command>(&text).unwrap(), cmd);
}
