//! Setup: MariaDB star m + r1; `MySQLReplicaUser`/`Password` wrong on purpose, and
//! `ReplicationCredentialsQuery` answering the right ones.
//! Action: graceful-master-takeover to r1.
//! Expected: the demoted master replicates from r1 with the query's credentials (a write on r1
//! reaches it); with the wrong configured ones its IO thread could not connect.

use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::mariadb::wait_replicated;
use server::testkit::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replication_credentials_come_from_the_query() {
    let extra = r#", "MySQLReplicaUser": "nobody", "MySQLReplicaPassword": "wrong",
        "ReplicationCredentialsQuery": "SELECT 'repl', 'replpass'""#;
    let Some(f) = Fleet::star("replication_credentials_query", 2, extra).expect("start the fleet")
    else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 2).await;
    f.db[0].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)").unwrap();
    wait_replicated(&f.db[0], [&f.db[1]]).unwrap();
    let path =
        format!("/api/graceful-master-takeover/{}/127.0.0.1/{}", key(&f.db[0]), f.db[1].port());
    let (s, b) = f.orc.get(leader, &path).await;
    assert_eq!(s, 200, "{b}");
    wait_until(DEADLINE, "old master under r1", || async {
        master_port(&f.db[0]) == Some(f.db[1].port())
    })
    .await;
    f.db[0].wait_replicating(Some(f.db[1].port()), DEADLINE).unwrap();
    f.db[1].sql("INSERT INTO app.t VALUES (1)").unwrap();
    wait_replicated(&f.db[1], [&f.db[0]]).unwrap();
}
