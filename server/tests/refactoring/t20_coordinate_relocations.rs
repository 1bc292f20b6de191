//! Setup: MariaDB star m + r1, r2, r3 switched to binlog file/position replication
//! (`MASTER_USE_GTID=no`); 3 orchestrator nodes.
//! Action (through a follower): move-below r1 below its sibling r2, move-up r1, take-siblings
//! r2, take-master r1, repoint r3 to its own master, relocate r3 to its grandparent.
//! Expected: each uses binlog coordinates (stop, START SLAVE UNTIL, CHANGE MASTER TO file:pos):
//! the servers replicate from the new master with both threads running and still without GTID,
//! and a row written on m reaches every replica after each step.

use crate::ops::{hp, ok, wait_audited, wait_no_locks, wait_seen_under, wait_under, write_reaches};
use server::testkit::fleet::{key, Fleet, DEADLINE};
use server::testkit::mariadb::Server;
use server::testkit::wait_until;

fn by_coordinates(s: &Server) -> bool {
    s.slave_status().is_ok_and(|st| st.get("Using_Gtid").is_some_and(|v| v == "No"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn coordinate_relocations_use_start_slave_until() {
    let Some(f) = Fleet::star("coordinate_relocations", 4, "").expect("start the fleet") else {
        return;
    };
    let (m, r1, r2, r3) = (&f.db[0], &f.db[1], &f.db[2], &f.db[3]);
    for r in [r1, r2, r3] {
        r.sql("STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=no; START SLAVE").unwrap();
        assert!(by_coordinates(r), "{}", key(r));
        wait_under(r, m).await;
    }
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 4).await;
    for i in 0..3 {
        wait_until(DEADLINE, "nodes see binlog-coordinate replication", || async {
            let (_, v) = f.json(i, &format!("/api/instance/{}", hp(r1))).await;
            v["UsingMariaDBGTID"] == false && v["Slave_SQL_Running"] == true
        })
        .await;
    }
    write_reaches(m, &[r1, r2, r3], 1);

    let v = ok(&f, &format!("/api/move-below/{}/{}", hp(r1), hp(r2))).await;
    assert_eq!(v["Details"]["MasterKey"]["Port"], r2.port(), "{v}");
    wait_under(r1, r2).await;
    assert!(by_coordinates(r1));
    write_reaches(m, &[r1, r2, r3], 2);
    wait_audited(&f, "move-below", r1).await;

    wait_seen_under(&f, r1, r2).await;
    ok(&f, &format!("/api/move-up/{}", hp(r1))).await;
    wait_under(r1, m).await;
    assert!(by_coordinates(r1));
    write_reaches(m, &[r1, r2, r3], 3);

    wait_seen_under(&f, r1, m).await;
    let v = ok(&f, &format!("/api/take-siblings/{}", hp(r2))).await;
    assert_eq!(v["Message"], format!("Took 2 siblings of {}", key(r2)), "{v}");
    wait_under(r1, r2).await;
    wait_under(r3, r2).await;
    write_reaches(m, &[r1, r2, r3], 4);

    // r1 below r2 below m: r1 takes r2's place (m → r1 → r2 → r3).
    wait_seen_under(&f, r1, r2).await;
    ok(&f, &format!("/api/take-master/{}", hp(r1))).await;
    wait_under(r1, m).await;
    wait_under(r2, r1).await;
    write_reaches(m, &[r1, r2, r3], 5);
    assert!(by_coordinates(r1) && by_coordinates(r2));

    wait_seen_under(&f, r3, r2).await;
    ok(&f, &format!("/api/repoint/{}/{}", hp(r3), hp(r2))).await;
    wait_under(r3, r2).await;
    write_reaches(m, &[r1, r2, r3], 6);

    // r3 (below r2 below r1): relocate to its grandparent picks move-up.
    wait_seen_under(&f, r2, r1).await;
    ok(&f, &format!("/api/relocate/{}/{}", hp(r3), hp(r1))).await;
    wait_under(r3, r1).await;
    assert!(by_coordinates(r3));
    write_reaches(m, &[r1, r2, r3], 7);
    wait_audited(&f, "relocate", r3).await;
    wait_no_locks(&f).await;
}
