//! Setup: MariaDB star m + r1, r2 (GTID); m waits for one semi-sync acknowledgement, r1 and r2
//! acknowledge (`DetectSemiSyncEnforcedQuery: SELECT 1` makes both eligible).
//! Fault: kill -9 the master.
//! Expected: the promoted replica has `rpl_semi_sync_master_enabled` on (it had it off), and a
//! write on it is acknowledged by the other replica.

use server::testkit::fleet::{master_port, Fleet, DEADLINE};
use server::testkit::mariadb::wait_replicated;
use server::testkit::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn semi_sync_survives_a_failover() {
    let extra = r#", "DetectSemiSyncEnforcedQuery": "SELECT 1""#;
    let Some(f) = Fleet::star("semi_sync_survives_a_failover", 3, extra).expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    for r in &f.db[1..] {
        r.sql("SET GLOBAL rpl_semi_sync_slave_enabled = ON; STOP SLAVE IO_THREAD; START SLAVE IO_THREAD")
            .unwrap();
    }
    let m = &f.db[0];
    m.sql(
        "SET GLOBAL rpl_semi_sync_master_timeout = 86400000; \
         SET GLOBAL rpl_semi_sync_master_enabled = ON",
    )
    .unwrap();
    wait_until(DEADLINE, "two semi-sync clients", || async {
        m.sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'")
            .is_ok_and(|s| s.split_whitespace().last() == Some("2"))
    })
    .await;
    m.sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)").unwrap();
    wait_replicated(m, &f.db[1..]).unwrap();
    // Let the leader's store see the master with semi-sync on.
    wait_until(DEADLINE, "semi-sync master observed", || async {
        let (_, v) = f.json(leader, &format!("/api/instance/127.0.0.1/{}", m.port())).await;
        v["SemiSyncMasterEnabled"] == true
    })
    .await;

    f.db[0].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    let successor = Fleet::successor(&recovery);
    let (new, other) = if successor.ends_with(&format!(":{}", f.db[1].port())) {
        (&f.db[1], &f.db[2])
    } else {
        (&f.db[2], &f.db[1])
    };
    assert_eq!(new.sql("SELECT @@rpl_semi_sync_master_enabled").unwrap().trim(), "1");
    wait_until(DEADLINE, "sibling repointed", || async { master_port(other) == Some(new.port()) })
        .await;
    wait_until(DEADLINE, "one semi-sync client on the successor", || async {
        new.sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'")
            .is_ok_and(|s| s.split_whitespace().last() == Some("1"))
    })
    .await;
    new.sql("INSERT INTO app.t VALUES (1)").unwrap();
    let yes = new.sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'").unwrap();
    assert_eq!(yes.split_whitespace().last(), Some("1"), "acknowledged: {yes}");
}
