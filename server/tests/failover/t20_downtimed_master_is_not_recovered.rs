//! Setup: MariaDB star of 3; recovery enabled; the master is downtimed through the API.
//! Fault: kill -9 the master.
//! Expected: every node reports DeadMaster (detected), but no recovery runs and nothing is
//! promoted while the downtime lasts.

use std::time::{Duration, Instant};

use server::testkit::wait_until;

use server::testkit::fleet::Fleet;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn downtimed_master_is_not_recovered() {
    let Some(f) = Fleet::star("downtimed_master_is_not_recovered", 3, "").expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (s, b) = f
        .orc
        .get(
            leader,
            &format!("/api/begin-downtime/127.0.0.1/{}/test/maintenance/1h", f.db[0].port()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    f.db[0].kill9();
    for i in 0..3 {
        wait_until(server::testkit::fleet::DEADLINE, "DeadMaster detected", || async {
            f.analysis(i).await.iter().any(|(_, code)| code == "DeadMaster")
        })
        .await;
    }
    // Watch for a while (several analysis rounds past the grace period): nothing may recover.
    let until = Instant::now() + Duration::from_secs(6);
    while Instant::now() < until {
        assert!(f.recoveries(leader).await.is_empty(), "a downtimed master must not be recovered");
        for r in &f.db[1..] {
            assert_eq!(r.sql("SELECT @@read_only").unwrap().trim(), "1", "no replica promoted");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
