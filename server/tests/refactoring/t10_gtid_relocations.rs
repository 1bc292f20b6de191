//! Setup: MariaDB star m + r1, r2, r3 replicating by GTID; 3 orchestrator nodes.
//! Action (each through a follower): relocate r1 below r2, move-up r1, move-below-gtid r3 below
//! r1, move-replicas-gtid r1 → r2, take-master r3, make-co-master r1 (m ↔ r1), relocate r2
//! below the read-only co-master r1.
//! Expected: after each step the servers' own SHOW SLAVE STATUS shows the new master with both
//! threads running, a row written on m reaches every replica, every node's audit log has the
//! operation, and no maintenance lock is left.

use crate::ops::{hp, ok, wait_audited, wait_no_locks, wait_seen_under, wait_under, write_reaches};
use server::testkit::fleet::{key, Fleet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gtid_relocations_on_a_star_a_chain_and_a_co_master_pair() {
    let Some(f) = Fleet::star("gtid_relocations", 4, "").expect("start the fleet") else { return };
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 4).await;
    let (m, r1, r2, r3) = (&f.db[0], &f.db[1], &f.db[2], &f.db[3]);

    let v = ok(&f, &format!("/api/relocate/{}/{}", hp(r1), hp(r2))).await;
    assert_eq!(v["Details"]["Key"]["Port"], r1.port(), "{v}");
    assert_eq!(v["Details"]["MasterKey"]["Port"], r2.port(), "{v}");
    assert_eq!(v["Message"], format!("Instance {} relocated below {}", key(r1), key(r2)));
    wait_under(r1, r2).await;
    write_reaches(m, &[r1, r2, r3], 1);
    wait_audited(&f, "relocate", r1).await;

    // A chain m → r2 → r1: back up to the grandparent.
    wait_seen_under(&f, r1, r2).await;
    ok(&f, &format!("/api/move-up/{}", hp(r1))).await;
    wait_under(r1, m).await;
    write_reaches(m, &[r1, r2, r3], 2);
    wait_audited(&f, "move-up", r1).await;

    ok(&f, &format!("/api/move-below-gtid/{}/{}", hp(r3), hp(r1))).await;
    wait_under(r3, r1).await;
    write_reaches(m, &[r1, r2, r3], 3);

    wait_seen_under(&f, r3, r1).await;
    let v = ok(&f, &format!("/api/move-slaves-gtid/{}/{}", hp(r1), hp(r2))).await;
    assert_eq!(v["Details"].as_array().map(Vec::len), Some(1), "{v}");
    wait_under(r3, r2).await;
    write_reaches(m, &[r1, r2, r3], 4);
    wait_audited(&f, "move-replicas-gtid", r1).await;

    // r3 (below r2 below m) takes its master's place: m → r3 → r2.
    wait_seen_under(&f, r3, r2).await;
    ok(&f, &format!("/api/take-master/{}", hp(r3))).await;
    wait_under(r3, m).await;
    wait_under(r2, r3).await;
    write_reaches(m, &[r1, r2, r3], 5);
    wait_audited(&f, "take-master", r3).await;

    // A co-master pair: m replicates from r1 too; m stays the writable one.
    wait_seen_under(&f, r1, m).await;
    ok(&f, &format!("/api/make-co-master/{}", hp(r1))).await;
    wait_under(m, r1).await;
    wait_under(r1, m).await;
    assert_eq!(m.sql("SELECT @@read_only").unwrap().trim(), "0");
    assert_eq!(r1.sql("SELECT @@read_only").unwrap().trim(), "1");
    write_reaches(m, &[r1, r2, r3], 6);
    wait_audited(&f, "make-co-master", r1).await;

    // A replica moves below the read-only co-master.
    wait_seen_under(&f, r2, r3).await;
    ok(&f, &format!("/api/relocate/{}/{}", hp(r2), hp(r1))).await;
    wait_under(r2, r1).await;
    write_reaches(m, &[r1, r2, r3], 7);
    wait_no_locks(&f).await;
}
