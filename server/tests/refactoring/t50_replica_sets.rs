//! Setup: MariaDB star m + r1, r2, r3 (GTID); 3 orchestrator nodes.
//! Action (through a follower): regroup-replicas-gtid of m, relocate-replicas of the promoted
//! replica back below m, then move-up-replicas and repoint-replicas on a chain.
//! Expected: regroup promotes one replica and moves its two siblings below it (the message and
//! `Details` name it); the others come back; each step leaves every server replicating from the
//! expected master and a row written on m reaching all of them.

use crate::ops::{hp, ok, wait_seen_under, wait_under, write_reaches};
use server::testkit::fleet::Fleet;
use server::testkit::mariadb::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn regroup_and_move_replica_sets() {
    let Some(f) = Fleet::star("replica_sets", 4, "").expect("start the fleet") else { return };
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 4).await;
    let m = &f.db[0];
    let replicas: Vec<&Server> = f.db[1..].iter().collect();

    let v = ok(&f, &format!("/api/regroup-replicas-gtid/{}", hp(m))).await;
    let promoted_port = v["Details"]["Port"].as_u64().expect("promoted key") as u16;
    assert!(v["Message"].as_str().unwrap().contains("moved: 2"), "{v}");
    let promoted = *replicas.iter().find(|r| r.port() == promoted_port).unwrap();
    let others: Vec<&Server> =
        replicas.iter().copied().filter(|r| r.port() != promoted_port).collect();
    wait_under(promoted, m).await;
    for r in &others {
        wait_under(r, promoted).await;
    }
    write_reaches(m, &replicas, 1);

    for r in &others {
        wait_seen_under(&f, r, promoted).await;
    }
    let v = ok(&f, &format!("/api/relocate-replicas/{}/{}", hp(promoted), hp(m))).await;
    assert_eq!(v["Details"].as_array().map(Vec::len), Some(2), "{v}");
    for r in &others {
        wait_under(r, m).await;
    }
    write_reaches(m, &replicas, 2);

    // A chain m → a → b: move-up-replicas of a brings b up; repoint-replicas keeps positions.
    let (a, b) = (others[0], others[1]);
    wait_seen_under(&f, b, m).await;
    ok(&f, &format!("/api/relocate/{}/{}", hp(b), hp(a))).await;
    wait_under(b, a).await;
    wait_seen_under(&f, b, a).await;
    ok(&f, &format!("/api/repoint-replicas/{}", hp(a))).await;
    wait_under(b, a).await;
    ok(&f, &format!("/api/move-up-replicas/{}", hp(a))).await;
    wait_under(b, m).await;
    write_reaches(m, &replicas, 3);
}
