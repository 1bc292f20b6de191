//! Setup: MariaDB star m + r1, r2; orchestrator with replication credentials configured.
//! Action: graceful-master-takeover of the cluster to r2, through a follower's API.
//! Expected: r2 becomes the writable master, r1 and the old master replicate from it, the old
//! master is read-only; a write on r2 reaches both.

use server::testkit::mariadb::wait_replicated;
use server::testkit::wait_until;

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn graceful_takeover() {
    let Some(f) = Fleet::star("graceful_takeover", 3, "").expect("start the fleet") else { return };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    f.db[0].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1)").unwrap();
    let follower = (0..3).find(|i| *i != leader).unwrap();
    let path =
        format!("/api/graceful-master-takeover/{}/127.0.0.1/{}", key(&f.db[0]), f.db[2].port());
    let (s, b) = f.orc.get(follower, &path).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(f.db[2].sql("SELECT @@read_only").unwrap().trim(), "0");
    assert_eq!(f.db[0].sql("SELECT @@read_only").unwrap().trim(), "1");
    for r in [&f.db[0], &f.db[1]] {
        wait_until(DEADLINE, "replicates from the new master", || async {
            master_port(r) == Some(f.db[2].port())
        })
        .await;
    }
    f.db[2].sql("INSERT INTO app.t VALUES (2)").unwrap();
    wait_replicated(&f.db[2], [&f.db[0], &f.db[1]]).unwrap();
    assert_eq!(f.db[0].sql("SELECT COUNT(*) FROM app.t").unwrap().trim(), "2");
}
