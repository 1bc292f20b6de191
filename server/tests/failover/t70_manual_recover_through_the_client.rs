//! Setup: MariaDB star of 3; automated recovery disabled (no cluster filters); 3 nodes.
//! Fault: kill -9 the master; nothing recovers it on its own.
//! Action: `orchestrator-client -c recover -i <master>` with ORCHESTRATOR_API listing every node.
//! Expected: the client finds the leader, prints the promoted replica's key, and that replica is
//! writable with the other one replicating from it; `which-master` agrees.

use server::testkit::wait_until;

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};

use crate::client;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn manual_recover_through_the_client() {
    let extra =
        r#", "RecoverMasterClusterFilters": [], "RecoverIntermediateMasterClusterFilters": []"#;
    let Some(f) =
        Fleet::star("manual_recover_through_the_client", 3, extra).expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let master = key(&f.db[0]);
    f.db[0].kill9();
    wait_until(DEADLINE, "DeadMaster detected", || async {
        f.analysis(leader).await.iter().any(|(k, code)| k == &master && code == "DeadMaster")
    })
    .await;
    assert!(f.recoveries(leader).await.is_empty(), "automated recovery is off");

    let (code, promoted, err) =
        tokio::task::block_in_place(|| client(&f, &["-c", "recover", "-i", &master]));
    assert_eq!(code, 0, "recover failed: {err}");
    let p = f.index_of(&promoted);
    assert!(p == 1 || p == 2, "promoted one of the replicas, got {promoted}");
    let other = 3 - p;
    assert_eq!(f.db[p].sql("SELECT @@read_only").unwrap().trim(), "0");
    wait_until(DEADLINE, "the other replica follows the promoted one", || async {
        master_port(&f.db[other]) == Some(f.db[p].port())
    })
    .await;
    wait_until(DEADLINE, "which-master names the new master", || async {
        let (code, out, _) = tokio::task::block_in_place(|| {
            client(&f, &["-c", "which-master", "-i", &key(&f.db[other])])
        });
        code == 0 && out == promoted
    })
    .await;
}
