//! Setup: MariaDB star of 3 (m → r1, r2); automated recovery disabled (no cluster filters);
//! 3 nodes. r1 is registered `prefer`, so a free choice would promote r1.
//! Action: `orchestrator-client -c force-master-takeover -i <m> -d <r2>` while m is alive and
//! healthy (orchestrator's forced failover onto a named replica).
//! Expected: the client prints r2's key; r2 is writable, r1 replicates from r2 with both
//! threads running, and a row written on r2 reaches r1; the recovery is recorded as
//! `force-master-takeover`'s DeadMaster recovery with r2 as its successor.

use server::testkit::wait_until;

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};

use crate::client;

fn threads_running(s: &server::testkit::mariadb::Server) -> bool {
    s.slave_status().is_ok_and(|st| {
        st.get("Slave_IO_Running").map(String::as_str) == Some("Yes")
            && st.get("Slave_SQL_Running").map(String::as_str) == Some("Yes")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn force_master_takeover_onto_a_named_replica() {
    let extra =
        r#", "RecoverMasterClusterFilters": [], "RecoverIntermediateMasterClusterFilters": []"#;
    let Some(f) = Fleet::star("force_master_takeover", 3, extra).expect("start the fleet") else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (master, r1, r2) = (key(&f.db[0]), key(&f.db[1]), key(&f.db[2]));

    let (code, _, err) = tokio::task::block_in_place(|| {
        client(&f, &["-c", "register-candidate", "-i", &r1, "-R", "prefer"])
    });
    assert_eq!(code, 0, "register-candidate failed: {err}");
    wait_until(DEADLINE, "r1 is a registered candidate on the leader", || async {
        let (status, body) = f.json(leader, "/api/candidates").await;
        status == 200
            && body.as_array().is_some_and(|cs| {
                cs.iter().any(|c| c["Port"] == f.db[1].port() && c["PromotionRule"] == "prefer")
            })
    })
    .await;

    let (code, promoted, err) = tokio::task::block_in_place(|| {
        client(&f, &["-c", "force-master-takeover", "-i", &master, "-d", &r2])
    });
    assert_eq!(code, 0, "force-master-takeover failed: {err}");
    assert_eq!(promoted, r2, "the named replica is promoted, not the preferred one");

    assert_eq!(f.db[2].sql("SELECT @@read_only").unwrap().trim(), "0", "r2 writable");
    wait_until(DEADLINE, "r1 replicates from r2", || async {
        master_port(&f.db[1]) == Some(f.db[2].port()) && threads_running(&f.db[1])
    })
    .await;
    f.db[2]
        .sql(
            "CREATE DATABASE IF NOT EXISTS forced; \
             CREATE TABLE forced.t (id INT PRIMARY KEY); INSERT INTO forced.t VALUES (7)",
        )
        .expect("write on the new master");
    wait_until(DEADLINE, "r2's write reaches r1", || async {
        f.db[1].sql("SELECT id FROM forced.t").map(|o| o.trim() == "7").unwrap_or(false)
    })
    .await;

    let recoveries = f.recoveries(leader).await;
    assert_eq!(recoveries.len(), 1, "one recovery: {recoveries:?}");
    let r = &recoveries[0];
    assert_eq!(Fleet::successor(r), r2, "{r}");
    assert_eq!(r["AnalysisEntry"]["Analysis"], "DeadMaster", "{r}");
    assert_eq!(master_port(&f.db[2]), None, "r2 no longer replicates: {r}");
}
