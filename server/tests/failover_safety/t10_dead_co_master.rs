//! Setup: co-masters n1 <-> n2 (n1 writeable, n2 read-only), r1 under n1, r2 under n2 (GTID);
//! recovery on for every cluster.
//! Fault: kill -9 n2.
//! Expected: `DeadCoMaster` is recovered (not refused): the other co-master n1 is promoted
//! (`CoMasterRecoveryMustPromoteOtherCoMaster` defaults to true), r2 moves under n1, and a
//! write on n1 reaches r1 and r2.

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::mariadb::{wait_replicated, Sandbox};
use server::testkit::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_co_master_is_recovered() {
    if let Err(why) = Sandbox::available() {
        eprintln!("SKIPPED dead_co_master_is_recovered: MariaDB is not installed ({why})");
        return;
    }
    let sandbox = Sandbox::new().unwrap();
    let db = sandbox.start(4).unwrap();
    let (n1, n2, r1, r2) = (&db[0], &db[1], &db[2], &db[3]);
    sandbox.chain(n1, n2).unwrap();
    sandbox.chain(n1, r1).unwrap();
    sandbox.chain(n2, r2).unwrap();
    n1.sql("SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos").unwrap();
    n1.replicate_from(n2).unwrap();
    n1.sql("SET GLOBAL read_only = OFF").unwrap();
    n1.sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1)")
        .unwrap();
    wait_replicated(n1, [n2, r1]).unwrap();
    wait_replicated(n2, [r2]).unwrap();

    let f = Fleet::manage(sandbox, db, 2, "");
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(2, 4).await;

    f.db[1].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["AnalysisEntry"]["Analysis"], "DeadCoMaster", "{recovery}");
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    assert_eq!(Fleet::successor(&recovery), key(&f.db[0]), "the other co-master: {recovery}");

    let (n1, r1, r2) = (&f.db[0], &f.db[2], &f.db[3]);
    wait_until(DEADLINE, "r2 replicates from n1", || async { master_port(r2) == Some(n1.port()) })
        .await;
    r2.wait_replicating(Some(n1.port()), DEADLINE).unwrap();
    assert_eq!(n1.sql("SELECT @@read_only").unwrap().trim(), "0", "n1 writeable");
    n1.sql("INSERT INTO app.t VALUES (2)").unwrap();
    wait_replicated(n1, [r1, r2]).unwrap();
    assert_eq!(r2.sql("SELECT COUNT(*) FROM app.t").unwrap().trim(), "2");
}
