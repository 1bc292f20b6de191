//! Setup: 3 nodes; writers keep registering candidates through every node, each recording the
//! commands acknowledged to it.
//! Fault: the leader is stopped in the middle of the load, three times (restarted each time).
//! Expected: every acknowledged command is present on every node at the end.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use app::core::{InstanceKey, PromotionRule, Proposal};

use crate::harness::{wait_until, Options, TestCluster, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_acknowledged_command_lost_across_leader_kills() {
    let mut cluster = TestCluster::start(Options::default()).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let seq = Arc::new(AtomicU32::new(0));
    for _round in 0..3 {
        let leader = cluster.wait_for_leader().await;
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for i in cluster.running() {
            for _ in 0..3 {
                let (node, acked, seq, stop) =
                    (cluster.node(i).clone(), acked.clone(), seq.clone(), stop.clone());
                writers.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let host = format!("c{:05}", seq.fetch_add(1, Ordering::Relaxed));
                        let key = InstanceKey::new(&host, 3306).unwrap();
                        let p = Proposal::RegisterCandidate {
                            key,
                            promotion_rule: PromotionRule::Prefer,
                        };
                        match node.submit(p).await {
                            Ok(_) => acked.lock().unwrap().push(host),
                            Err(_) => {
                                tokio::time::sleep(std::time::Duration::from_millis(20)).await
                            }
                        }
                    }
                }));
            }
        }
        let before = acked.lock().unwrap().len();
        wait_until(DEADLINE, "writes flowing", || async {
            acked.lock().unwrap().len() >= before + 20
        })
        .await;
        cluster.stop(leader).await; // in the middle of the load
        cluster.wait_for_new_leader(leader).await;
        let mid = acked.lock().unwrap().len();
        wait_until(DEADLINE, "writes flowing again", || async {
            acked.lock().unwrap().len() >= mid + 20
        })
        .await;
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            let _ = w.await;
        }
        cluster.restart(leader).await;
    }
    cluster.wait_for_leader().await;
    cluster.wait_converged().await;
    let acked = acked.lock().unwrap().clone();
    for i in 0..3 {
        let node = cluster.node(i);
        let present: std::collections::HashSet<String> = node
            .store
            .active_candidates(node.clock.now_ms())
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.key.hostname)
            .collect();
        let lost: Vec<&String> = acked.iter().filter(|h| !present.contains(*h)).collect();
        assert!(lost.is_empty(), "node {i} lost {} acknowledged commands: {lost:?}", lost.len());
    }
}
