//! Setup: MariaDB star m + r1, r2 (GTID); recovery on for every cluster; the cluster's automated
//! recovery disabled with the client's `disable-cluster-recovery` (through a follower).
//! Fault: kill -9 the master.
//! Expected: the failure is detected but not recovered (for three analysis passes);
//! `enable-cluster-recovery` then lets the next pass fail over, to r1 or r2.

use std::time::Duration;

use server::testkit::fleet::{key, Fleet, DEADLINE};
use server::testkit::Wait;

async fn client(f: &Fleet, args: &[&str]) -> std::process::Output {
    let api = f.orc.urls().join(" ");
    tokio::process::Command::new(env!("CARGO_BIN_EXE_orchestrator-client"))
        .args(args)
        .env("ORCHESTRATOR_API", api)
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn per_cluster_switch_stops_then_allows_a_failover() {
    let Some(f) = Fleet::star("per_cluster_switch", 3, "").expect("start the fleet") else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let m = key(&f.db[0]);
    let out = client(&f, &["-c", "disable-cluster-recovery", "-i", &m]).await;
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), m, "the cluster (no alias: its name): {text}");
    for i in 0..3 {
        Wait::new(DEADLINE, format!("node {i} shows the cluster's recovery disabled"))
            .until(|| async {
                let (_, v) = f.json(i, &format!("/api/cluster-info/{m}")).await;
                v["HasAutomatedMasterRecovery"] == false
            })
            .await
            .unwrap();
    }

    f.db[0].kill9();
    Wait::new(DEADLINE, "the dead master is detected")
        .until(|| async {
            let (_, v) = f.json(leader, "/api/audit-failure-detection").await;
            v.to_string().contains("DeadMaster")
        })
        .await
        .unwrap();
    let recovered = Wait::new(Duration::from_secs(3), "no recovery while disabled")
        .until(|| async { !f.recoveries(leader).await.is_empty() })
        .await;
    assert!(recovered.is_err(), "recovered while disabled: {:?}", f.recoveries(leader).await);

    let out = client(&f, &["-c", "enable-cluster-recovery", "-i", &m]).await;
    assert!(out.status.success(), "{out:?}");
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    let successor = Fleet::successor(&recovery);
    assert!(successor == key(&f.db[1]) || successor == key(&f.db[2]), "{recovery}");
}
