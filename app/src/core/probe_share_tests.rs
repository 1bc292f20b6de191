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
    let a = assign(&instances, &[node(1, ""), node(2, ""), node(3, "")], &Assignment::default());
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
    let instances: Vec<ShareInstance> = (0..100).map(|i| replica(i, "")).collect();
    let nodes = [node(1, ""), node(2, ""), node(3, "")];
    let a = assign(&instances, &nodes, &Assignment::default());
    let l = loads(&a, &[1, 2, 3]);
    assert_eq!(l.iter().sum::<usize>(), 100);
    assert!(l.iter().all(|n| *n <= 34), "{l:?}");
    let mut reversed = instances.clone();
    reversed.reverse();
    assert_eq!(assign(&reversed, &nodes, &Assignment::default()), a, "order does not matter");
}

#[test]
fn a_node_that_leaves_moves_only_its_own_replicas() {
    let instances: Vec<ShareInstance> = (0..90).map(|i| replica(i, "")).collect();
    let before =
        assign(&instances, &[node(1, ""), node(2, ""), node(3, "")], &Assignment::default());
    let after = assign(&instances, &[node(1, ""), node(3, "")], &before);
    assert_eq!(after.share_of(2), 0);
    assert_eq!(loads(&after, &[1, 3]).iter().sum::<usize>(), 90);
    for (k, owner) in &before.owners {
        if *owner != 2 {
            assert_eq!(after.owners.get(k), Some(owner), "{k:?} kept its healthy node");
        }
    }
    // It comes back: it gets a fair share again, taken from the others' excess only.
    let back = assign(&instances, &[node(1, ""), node(2, ""), node(3, "")], &after);
    assert_eq!(loads(&back, &[1, 2, 3]), vec![30, 30, 30]);
}

#[test]
fn replicas_stay_in_their_data_center_when_it_has_a_node() {
    let mut instances: Vec<ShareInstance> = (0..10).map(|i| replica(i, "ams")).collect();
    instances.extend((10..20).map(|i| replica(i, "fra")));
    instances.extend((20..24).map(|i| replica(i, "lon"))); // no node there
    let nodes = [node(1, "ams"), node(2, "ams"), node(3, "fra")];
    let a = assign(&instances, &nodes, &Assignment::default());
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
    let b = assign(&instances, &nodes[..2], &a);
    assert!((10..20).all(|i| [1, 2].contains(&b.owners[&key(i)])));
}

#[test]
fn golden_three_nodes_six_replicas() {
    let instances: Vec<ShareInstance> = (0..6).map(|i| replica(i, "")).collect();
    let a = assign(&instances, &[node(1, ""), node(2, ""), node(3, "")], &Assignment::default());
    let got: Vec<u64> = (0..6).map(|i| a.owners[&key(i)]).collect();
    assert_eq!(loads(&a, &[1, 2, 3]), vec![2, 2, 2], "{got:?}");
    // Pinned: the rule's hash and order must not change silently (nodes of two builds would
    // disagree), and the order the nodes are listed in does not matter.
    assert_eq!(got, vec![1, 1, 2, 3, 2, 3]);
    let shuffled = [node(3, ""), node(1, ""), node(2, "")];
    assert_eq!(assign(&instances, &shuffled, &Assignment::default()), a);
}

#[test]
fn no_node_means_every_node_probes_everything() {
    let a = assign(&[replica(1, "")], &[], &Assignment::default());
    assert!(a.probes(7, &key(1)));
}

#[test]
fn an_assignment_crosses_the_wire_as_pairs() {
    let instances: Vec<ShareInstance> = (0..4).map(|i| replica(i, "")).collect();
    let a = assign(&instances, &[node(1, ""), node(2, "")], &Assignment::default());
    let text = serde_json::to_string(&a).unwrap();
    assert!(text.starts_with("[["), "{text}");
    assert_eq!(serde_json::from_str::<Assignment>(&text).unwrap(), a);
}
