//! Setup: MariaDB star m + r1, r2 (GTID); 3 orchestrator nodes.
//! Action: unsafe moves (m below its own replica, r1 with a smaller binlog format than r2),
//! a move of an instance under an operator's maintenance lock, and a move whose target dies
//! while the leader waits for it to catch up.
//! Expected: unsafe moves are refused with the reason (400) and nothing changes; the lock is
//! replicated to every node and blocks the move until ended; the interrupted move answers a
//! 500 saying replication was not left stopped, leaves a `relocate-failed` audit line on every
//! node, no maintenance lock, and r1 still replicating from m.

use std::time::Duration;

use crate::ops::{
    call, follower, hp, ok, running_under, wait_audited, wait_no_locks, wait_under, write_reaches,
};
use server::testkit::fleet::{key, Fleet, DEADLINE};
use server::testkit::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsafe_moves_are_refused_and_interrupted_ones_leave_no_lock() {
    let Some(f) = Fleet::star("refused_and_interrupted", 3, "").expect("start the fleet") else {
        return;
    };
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (m, r1, r2) = (&f.db[0], &f.db[1], &f.db[2]);

    let (code, v) = call(&f, &format!("/api/relocate/{}/{}", hp(m), hp(r1))).await;
    assert_eq!(code, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().contains("loop"), "{v}");
    assert!(m.slave_status().map(|s| s.is_empty()).unwrap_or(true));

    r1.sql("STOP SLAVE; SET GLOBAL binlog_format='STATEMENT'; START SLAVE").unwrap();
    for i in 0..3 {
        wait_until(DEADLINE, "nodes see the statement binlog format", || async {
            let (_, v) = f.json(i, &format!("/api/instance/{}", hp(r1))).await;
            v["Binlog_format"] == "STATEMENT"
        })
        .await;
    }
    let (code, v) = call(&f, &format!("/api/relocate/{}/{}", hp(r1), hp(r2))).await;
    assert_eq!(code, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().contains("binlog format"), "{v}");
    assert_eq!(running_under(r1), Some(m.port()));
    r1.sql("STOP SLAVE; SET GLOBAL binlog_format='ROW'; START SLAVE").unwrap();

    // An operator's lock, replicated to every node, blocks the move until ended.
    ok(&f, &format!("/api/begin-maintenance/{}/ops/disk%20swap", hp(r1))).await;
    for i in 0..3 {
        wait_until(DEADLINE, &format!("node {i} lists the lock"), || async {
            let (_, v) = f.json(i, &format!("/api/in-maintenance/{}", hp(r1))).await;
            v["Message"] == "true"
        })
        .await;
    }
    let (code, v) = call(&f, &format!("/api/begin-maintenance/{}/other/again", hp(r1))).await;
    assert_eq!(code, 400, "{v}");
    let (code, v) = call(&f, &format!("/api/relocate/{}/{}", hp(r1), hp(r2))).await;
    assert_eq!(code, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().contains("maintenance"), "{v}");
    assert_eq!(running_under(r1), Some(m.port()));
    ok(&f, &format!("/api/end-maintenance/{}", hp(r1))).await;
    wait_no_locks(&f).await;

    // r2 falls behind r1, then dies while the leader waits for it to catch up.
    r2.sql("STOP SLAVE SQL_THREAD").unwrap();
    write_reaches(m, &[r1], 1);
    let node = follower(&f).await;
    let url = format!("{}/api/relocate/{}/{}", f.orc.url(node), hp(r1), hp(r2));
    let request = tokio::spawn(async move {
        let r =
            reqwest::Client::new().get(url).timeout(Duration::from_secs(120)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    wait_until(DEADLINE, "the move holds r1's lock", || async {
        f.json(node, &format!("/api/in-maintenance/{}", hp(r1))).await.1["Message"] == "true"
    })
    .await;
    r2.kill9();
    let (code, body) = request.await.unwrap();
    assert_eq!(code, 500, "{body}");
    assert!(body.contains("nothing was changed") || body.contains("restarted"), "{body}");
    wait_audited(&f, "relocate-failed", r1).await;
    wait_no_locks(&f).await;
    wait_under(r1, m).await;
    assert_eq!(running_under(r1), Some(m.port()), "{}", key(r1));
}

/// Setup: star m + r1, r2; r2's SQL thread stopped, so it never catches up with r1.
/// Action: relocate r1 below r2 through a follower, which waits longer than an answer may take.
/// Expected: the caller gets a 504 saying the operation is still running; the operation is not
/// cancelled by that: it ends on its own (the catch-up times out), records `relocate-failed` on
/// every node, releases its lock, and r1 never stopped replicating from m.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_operation_outlives_its_answer_and_still_cleans_up() {
    let Some(f) = Fleet::star("outlives_its_answer", 3, "").expect("start the fleet") else {
        return;
    };
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (m, r1, r2) = (&f.db[0], &f.db[1], &f.db[2]);
    r2.sql("STOP SLAVE SQL_THREAD").unwrap();
    write_reaches(m, &[r1], 1);
    let node = follower(&f).await;
    let url = format!("{}/api/relocate/{}/{}", f.orc.url(node), hp(r1), hp(r2));
    let started = std::time::Instant::now();
    let r = reqwest::Client::new().get(url).timeout(Duration::from_secs(120)).send().await.unwrap();
    let (code, body) = (r.status().as_u16(), r.text().await.unwrap());
    assert_eq!(code, 504, "{body}");
    assert!(body.contains("still running"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(40), "answered after {:?}", started.elapsed());
    wait_audited(&f, "relocate-failed", r1).await;
    wait_no_locks(&f).await;
    assert_eq!(running_under(r1), Some(m.port()), "{}", key(r1));
}
