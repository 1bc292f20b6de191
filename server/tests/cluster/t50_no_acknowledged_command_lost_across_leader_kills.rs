//! Setup: 3 nodes; a workload of concurrent writers through every node.
//! Fault: the leader is stopped three times in a row (restarted each time).
//! Expected: every command acknowledged to a writer is present on every node at the end.

use std::sync::{Arc, Mutex};

use app::core::{InstanceKey, PromotionRule, Proposal};

use crate::harness::{Options, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_acknowledged_command_lost_across_leader_kills() {
    let mut cluster = TestCluster::start(Options::default()).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut seq = 0u32;
    for _round in 0..3 {
        let leader = cluster.wait_for_leader().await;
        // A burst of concurrent writes through every running node.
        let mut tasks = Vec::new();
        for i in cluster.running() {
            for _ in 0..10 {
                seq += 1;
                let host = format!("c{seq:04}");
                let node = cluster.node(i).clone();
                let acked = acked.clone();
                tasks.push(tokio::spawn(async move {
                    let key = InstanceKey::new(&host, 3306).unwrap();
                    let p = Proposal::RegisterCandidate { key, promotion_rule: PromotionRule::Prefer };
                    if node.submit(p).await.is_ok() {
                        acked.lock().unwrap().push(host);
                    }
                }));
            }
        }
        cluster.stop(leader).await;
        for t in tasks {
            let _ = t.await;
        }
        cluster.wait_for_new_leader(leader).await;
        cluster.restart(leader).await;
    }
    cluster.wait_for_leader().await;
    cluster.wait_converged().await;
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty(), "some writes were acknowledged");
    for i in 0..3 {
        let node = cluster.node(i);
        let present: Vec<String> = node
            .store
            .active_candidates(node.clock.now_ms())
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.hostname)
            .collect();
        for host in &acked {
            assert!(present.contains(host), "node {i} lost acknowledged command for {host}");
        }
    }
}
