//! Setup: MariaDB star m + r1, r2, r3 (GTID); 3 orchestrator nodes, recovery enabled for all
//! clusters, discovery seeded with one replica; r1 registered `must_not`, r3 `prefer`.
//! Fault: kill -9 the master.
//! Expected: every node discovers the whole cluster; exactly one recovery, run by the leader,
//! promotes r3 (`prefer` among equals; `must_not` never); r1 and r2 replicate from it and a
//! write on the new master reaches them; the hook file holds the placeholders' values; every
//! node's `/metrics` passes `promtool check metrics` and the leader counted the recovery.

use server::testkit::mariadb::wait_replicated;
use server::testkit::wait_until;

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_master_fails_over_once() {
    let Some(f) = Fleet::star("dead_master_fails_over_once", 4, "").expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 4).await;
    let follower = (0..3).find(|i| *i != leader).unwrap();
    let (s, b) = f
        .orc
        .get(follower, &format!("/api/register-candidate/127.0.0.1/{}/must_not", f.db[1].port()))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = f
        .orc
        .get(follower, &format!("/api/register-candidate/127.0.0.1/{}/prefer", f.db[3].port()))
        .await;
    assert_eq!(s, 200, "{b}");
    f.db[0].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1)").unwrap();
    wait_replicated(&f.db[0], &f.db[1..]).unwrap();

    let master = key(&f.db[0]);
    f.db[0].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    assert_eq!(
        recovery["ProcessingNodeToken"],
        f.orc.raft_addr(leader),
        "the failover was run by the leader: {recovery}"
    );
    let successor = Fleet::successor(&recovery);
    assert_eq!(successor, key(&f.db[3]), "prefer wins among equals, must_not never: {recovery}");

    let new_master = &f.db[3];
    assert_eq!(
        new_master.sql("SELECT @@read_only").unwrap().trim(),
        "0",
        "promoted replica is writable"
    );
    for r in [&f.db[1], &f.db[2]] {
        wait_until(DEADLINE, "replica repointed", || async {
            master_port(r) == Some(new_master.port())
        })
        .await;
    }
    new_master.sql("INSERT INTO app.t VALUES (2)").unwrap();
    wait_replicated(new_master, [&f.db[1], &f.db[2]]).unwrap();
    assert_eq!(f.db[1].sql("SELECT COUNT(*) FROM app.t").unwrap().trim(), "2");

    // Exactly one recovery, everywhere, for this failure.
    for i in 0..3 {
        wait_until(DEADLINE, "recovery replicated to every node", || async {
            !f.recoveries(i).await.is_empty()
        })
        .await;
        let rs = f.recoveries(i).await;
        assert_eq!(rs.len(), 1, "node {i}: exactly one recovery: {rs:?}");
    }
    wait_until(DEADLINE, "hook ran", || async {
        std::fs::read_to_string(&f.hook_file).is_ok_and(|t| !t.is_empty())
    })
    .await;
    let hook = std::fs::read_to_string(&f.hook_file).unwrap();
    assert!(hook.starts_with("DeadMaster"), "{hook}");
    assert!(
        hook.contains(&master) && hook.contains(&successor),
        "placeholders substituted: {hook}"
    );
    crate::metrics::after_failover(&f.orc, leader, "DeadMaster").await;
}
