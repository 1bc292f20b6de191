//! Setup: MariaDB star m + r1, r2 (GTID). m has semi-sync on (`rpl_semi_sync_master_enabled`,
//! a one-day timeout, so it never falls back to asynchronous), no replica acknowledges.
//! `RecoverLockedSemiSyncMaster`, `DetectSemiSyncEnforcedQuery: SELECT 1` (every replica may
//! acknowledge), `ReasonableLockedSemiSyncMasterSeconds: 1`.
//! Expected: `LockedSemiSyncMaster` is recovered: semi-sync is enabled on exactly one replica
//! (the wait count), the master has one semi-sync client, and a write on it commits.

use server::testkit::fleet::{Fleet, DEADLINE};
use server::testkit::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn locked_semi_sync_master_is_recovered() {
    let extra = r#", "RecoverLockedSemiSyncMaster": true,
        "DetectSemiSyncEnforcedQuery": "SELECT 1",
        "ReasonableLockedSemiSyncMasterSeconds": 1"#;
    let Some(f) =
        Fleet::star("locked_semi_sync_master_is_recovered", 3, extra).expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let m = &f.db[0];
    m.sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)").unwrap();
    m.sql(
        "SET GLOBAL rpl_semi_sync_master_timeout = 86400000; \
         SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON; \
         SET GLOBAL rpl_semi_sync_master_enabled = ON",
    )
    .unwrap();

    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["AnalysisEntry"]["Analysis"], "LockedSemiSyncMaster", "{recovery}");
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    let clients = || m.sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'").unwrap();
    wait_until(DEADLINE, "one semi-sync client", || async {
        clients().split_whitespace().last() == Some("1")
    })
    .await;
    let enabled: Vec<String> = [&f.db[1], &f.db[2]]
        .iter()
        .map(|r| r.sql("SELECT @@rpl_semi_sync_slave_enabled").unwrap().trim().to_string())
        .collect();
    assert_eq!(enabled.iter().filter(|e| *e == "1").count(), 1, "exactly one: {enabled:?}");
    // The master is no longer locked: a write commits (with the acknowledgement).
    m.sql("INSERT INTO app.t VALUES (1)").unwrap();
    let status = m.sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'").unwrap();
    assert_eq!(status.split_whitespace().last(), Some("1"), "acknowledged: {status}");
}
