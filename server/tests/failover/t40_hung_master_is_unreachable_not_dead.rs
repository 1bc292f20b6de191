//! Setup: MariaDB star of 3, replicas with a long `slave_net_timeout` (they keep believing in a
//! silent master for a minute, as with default settings); recovery enabled.
//! Fault: SIGSTOP the master (hung, not dead; no FIN reaches anyone).
//! Expected: orchestrator cannot reach it, but the replicas still replicate from it as far as
//! they know: `UnreachableMaster`, and no failover.

use std::time::{Duration, Instant};

use server::testkit::wait_until;

use server::testkit::fleet::{Fleet, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hung_master_is_unreachable_not_dead() {
    let Some(f) = Fleet::star(
        "hung_master_is_unreachable_not_dead",
        3,
        r#", "MySQLConnectTimeoutSeconds": 1"#,
    )
    .expect("start the fleet") else {
        return;
    };
    for r in &f.db[1..] {
        r.sql("STOP SLAVE; SET GLOBAL slave_net_timeout = 60; CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD = 30; START SLAVE").unwrap();
    }
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    f.db[0].sigstop().unwrap();
    wait_until(DEADLINE, "UnreachableMaster reported", || async {
        f.analysis(leader).await.iter().any(|(_, code)| code == "UnreachableMaster")
    })
    .await;
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let codes = f.analysis(leader).await;
        assert!(!codes.iter().any(|(_, c)| c.starts_with("DeadMaster")), "not dead: {codes:?}");
        assert!(f.recoveries(leader).await.is_empty(), "no failover of a hung master");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    f.db[0].sigcont().unwrap();
}
