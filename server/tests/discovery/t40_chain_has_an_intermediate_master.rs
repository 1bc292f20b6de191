//! (d) A chain 1 → 2 → 3 found from its bottom: 2 is an intermediate master and the whole chain
//! is one cluster named after the top master's `host:port`.

use std::time::Duration;

use app::core::Topology;
use server::testkit::wait_for;

use crate::harness::{config, key, sandbox, Discovery, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_has_an_intermediate_master() {
    let Some(sb) = sandbox() else { return };
    let s = sb.start(3).expect("start 3 servers");
    sb.chain(&s[0], &s[1]).expect("chain 1 -> 2");
    sb.chain(&s[1], &s[2]).expect("chain 2 -> 3");
    let keys: Vec<_> = s.iter().map(key).collect();
    let top = keys[0].to_string();

    let d = Discovery::start(config(Duration::from_secs(1)), &[keys[2].clone()]).await;
    d.wait_all_valid(&keys).await;
    let stored = wait_for(DEADLINE, "every member stored under the top master's name", || async {
        let all = d.store.all_instances().await.expect("all instances");
        (all.len() == 3 && all.iter().all(|i| i.cluster_name == top)).then_some(all)
    })
    .await;

    let t = Topology::build(stored);
    assert_eq!(t.replicas_of(&keys[0]), &[keys[1].clone()]);
    assert_eq!(t.replicas_of(&keys[1]), &[keys[2].clone()]);
    assert!(t.is_intermediate_master(&keys[1]));
    assert!(!t.is_intermediate_master(&keys[0]) && !t.is_intermediate_master(&keys[2]));
    assert_eq!(t.depth_of(&keys[2]), Some(2));
    let clusters = t.clusters();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].name, top);
    assert_eq!(clusters[0].master, Some(keys[0].clone()));
    let mid = t.instance(&keys[1]).expect("intermediate");
    assert_eq!(mid.replica_hosts, vec![keys[2].clone()]);
    assert_eq!(mid.master_key, Some(keys[0].clone()));
    d.stop().await;
}
