//! Setup: MariaDB star m → r1, r2 (GTID); `ReplicationLagQuery` says both replicas lag two
//! hours; `FailMasterPromotionOnLagMinutes: 60`.
//! Fault: kill -9 m.
//! Expected: the DeadMaster recovery runs and fails without promoting anyone, recording the
//! lag rule as its error; both replicas stay read-only replicas of the dead master.

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lagging_candidate_refused() {
    let extra = r#", "ReplicationLagQuery": "SELECT IF(@@read_only = 1, 7200, 0)",
        "FailMasterPromotionOnLagMinutes": 60"#;
    let Some(f) = Fleet::star("lagging_candidate_refused", 3, extra).expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let fleet = &f;
    let lag_of = |i: usize| async move {
        let path = format!("/api/instance/{}", key(&fleet.db[i]).replace(':', "/"));
        fleet.json(leader, &path).await.1["ReplicationLagSeconds"]["Int64"].as_i64()
    };
    wait_until(DEADLINE, "replicas lag 7200 s", || async {
        lag_of(1).await == Some(7200) && lag_of(2).await == Some(7200)
    })
    .await;

    f.db[0].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], false, "{recovery}");
    assert_eq!(recovery["AnalysisEntry"]["Analysis"], "DeadMaster", "{recovery}");
    let errors = recovery["AllErrors"].to_string();
    assert!(errors.contains("FailMasterPromotionOnLagMinutes"), "{recovery}");
    let successor = Fleet::successor(&recovery);
    assert!(f.db.iter().all(|s| key(s) != successor), "no successor: {recovery}");
    for r in &f.db[1..] {
        assert_eq!(master_port(r), Some(f.db[0].port()), "{} still under the dead master", key(r));
        assert_eq!(r.sql("SELECT @@read_only").unwrap(), "1", "{} not promoted", key(r));
    }
}
