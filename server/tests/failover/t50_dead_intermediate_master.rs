//! Setup: MariaDB m → im → (r1, r2), m → r3 (chain through an intermediate master); recovery on.
//! Fault: kill -9 the intermediate master.
//! Expected: `DeadIntermediateMaster*` is recovered by moving r1 and r2 under m; a write on m
//! reaches them.

use server::testkit::mariadb::{wait_replicated, Sandbox};
use server::testkit::wait_until;

use server::testkit::fleet::{master_port, Fleet, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_intermediate_master() {
    if let Err(why) = Sandbox::available() {
        eprintln!("SKIPPED dead_intermediate_master: MariaDB is not installed ({why})");
        return;
    }
    let sandbox = Sandbox::new().unwrap();
    let db = sandbox.start(5).unwrap();
    sandbox.chain(&db[0], &db[1]).unwrap();
    sandbox.chain(&db[1], &db[2]).unwrap();
    sandbox.chain(&db[1], &db[3]).unwrap();
    sandbox.chain(&db[0], &db[4]).unwrap();
    let f = Fleet::manage(sandbox, db, 2, "");
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 5).await;
    f.db[0].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)").unwrap();
    wait_replicated(&f.db[0], [&f.db[1], &f.db[4]]).unwrap();
    wait_replicated(&f.db[1], [&f.db[2], &f.db[3]]).unwrap();

    f.db[1].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    for r in [&f.db[2], &f.db[3]] {
        wait_until(DEADLINE, "orphan moved under the master", || async {
            master_port(r) == Some(f.db[0].port())
        })
        .await;
    }
    f.db[0].sql("INSERT INTO app.t VALUES (1)").unwrap();
    wait_replicated(&f.db[0], [&f.db[2], &f.db[3], &f.db[4]]).unwrap();
}
