//! Setup: MariaDB star of 3; recovery enabled.
//! Fault: kill the master (recovered), then kill the new master inside the block period.
//! Expected: the second failure is detected but not recovered while the first recovery is
//! unacknowledged; acknowledging it (comment required) lets the second recovery run.

use std::time::{Duration, Instant};

use server::testkit::wait_until;

use server::testkit::fleet::{key, Fleet, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn second_failure_blocked_until_acknowledged() {
    let Some(f) =
        Fleet::star("second_failure_blocked_until_acknowledged", 3, "").expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    f.db[0].kill9();
    let first = f.wait_resolved_recovery(leader).await;
    let successor = Fleet::successor(&first);
    let s1 = f.index_of(&successor);
    let other = if s1 == 1 { 2 } else { 1 };
    wait_until(DEADLINE, "survivor replicates from the new master", || async {
        server::testkit::fleet::master_port(&f.db[other]) == Some(f.db[s1].port())
    })
    .await;
    wait_until(DEADLINE, "new topology discovered", || async {
        let (_, v) = f.json(leader, &format!("/api/master/{}", key(&f.db[other]))).await;
        v["Key"]["Port"] == f.db[s1].port()
    })
    .await;

    f.db[s1].kill9();
    wait_until(DEADLINE, "second failure detected", || async {
        f.analysis(leader)
            .await
            .iter()
            .any(|(k, code)| k == &successor && code.starts_with("DeadMaster"))
    })
    .await;
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        assert_eq!(f.recoveries(leader).await.len(), 1, "blocked while unacknowledged");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (s, b) = f.orc.get(leader, "/api/ack-all-recoveries").await;
    assert_eq!(s, 400, "a comment is required: {b}");
    let follower = (0..3).find(|i| *i != leader).unwrap();
    let (s, b) = f.orc.get(follower, "/api/ack-all-recoveries?comment=checked").await;
    assert_eq!(s, 200, "{b}");
    wait_until(DEADLINE, "second recovery after acknowledgement", || async {
        f.recoveries(leader).await.len() == 2
    })
    .await;
}
