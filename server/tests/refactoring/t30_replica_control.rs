//! Setup: MariaDB star m + r1, r2 (GTID); 3 orchestrator nodes.
//! Action (through a follower, some by their `slave` synonym): stop/start/restart/stop-nice,
//! GTID off and on,
//! read-only and writeable, semi-sync master and replica on and off, delay, detach and
//! reattach the master host, flush and purge binary logs (refused while a replica still needs
//! them), restart-replica-statements, kill-query, skip-query (refused under MariaDB GTID),
//! refresh, async-discover, reset-replica.
//! Expected: each changes the server as asked, seen in its own variables and SHOW SLAVE
//! STATUS, and answers orchestrator's JSON with the instance as read after.

use std::time::Duration;

use crate::ops::{call, hp, ok, running_under, wait_audited, wait_under, write_reaches};
use server::testkit::fleet::{key, Fleet, DEADLINE};
use server::testkit::mariadb::Server;
use server::testkit::wait_until;

fn var(s: &Server, name: &str) -> String {
    s.sql(&format!("SELECT @@GLOBAL.{name}")).unwrap().trim().to_string()
}

fn status(s: &Server, field: &str) -> String {
    s.slave_status().unwrap().get(field).cloned().unwrap_or_default()
}

fn binlog_file(s: &Server) -> String {
    s.sql("SHOW MASTER STATUS").unwrap().split('\t').next().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replica_and_instance_control() {
    let Some(f) = Fleet::star("replica_control", 3, "").expect("start the fleet") else { return };
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (m, r1, r2) = (&f.db[0], &f.db[1], &f.db[2]);

    let v = ok(&f, &format!("/api/stop-slave/{}", hp(r1))).await;
    assert_eq!(v["Details"]["Slave_SQL_Running"], false, "{v}");
    assert_eq!(
        (status(r1, "Slave_IO_Running"), status(r1, "Slave_SQL_Running")),
        ("No".into(), "No".into())
    );
    let v = ok(&f, &format!("/api/start-replica/{}", hp(r1))).await;
    assert_eq!(v["Message"], format!("Replica started: {}", key(r1)));
    assert_eq!(running_under(r1), Some(m.port()));
    ok(&f, &format!("/api/restart-replica/{}", hp(r1))).await;
    assert_eq!(running_under(r1), Some(m.port()));
    ok(&f, &format!("/api/stop-replica-nice/{}", hp(r1))).await;
    assert_eq!(status(r1, "Slave_SQL_Running"), "No");
    ok(&f, &format!("/api/start-slave/{}", hp(r1))).await;

    ok(&f, &format!("/api/set-writeable/{}", hp(r1))).await;
    assert_eq!(var(r1, "read_only"), "0");
    let v = ok(&f, &format!("/api/set-read-only/{}", hp(r1))).await;
    assert_eq!(v["Message"], "Server set as read-only");
    assert_eq!(var(r1, "read_only"), "1");

    ok(&f, &format!("/api/enable-semi-sync-master/{}", hp(m))).await;
    assert_eq!(var(m, "rpl_semi_sync_master_enabled"), "1");
    ok(&f, &format!("/api/disable-semi-sync-master/{}", hp(m))).await;
    assert_eq!(var(m, "rpl_semi_sync_master_enabled"), "0");
    ok(&f, &format!("/api/enable-semi-sync-replica/{}", hp(r1))).await;
    assert_eq!(var(r1, "rpl_semi_sync_slave_enabled"), "1");
    wait_under(r1, m).await;
    ok(&f, &format!("/api/disable-semi-sync-replica/{}", hp(r1))).await;
    assert_eq!(var(r1, "rpl_semi_sync_slave_enabled"), "0");

    ok(&f, &format!("/api/disable-gtid/{}", hp(r1))).await;
    assert_eq!(status(r1, "Using_Gtid"), "No");
    assert_eq!(running_under(r1), Some(m.port()));
    ok(&f, &format!("/api/enable-gtid/{}", hp(r1))).await;
    assert_eq!(status(r1, "Using_Gtid"), "Slave_Pos");

    let v = ok(&f, &format!("/api/delay-replication/{}/30", hp(r1))).await;
    assert_eq!(v["Details"], 30, "{v}");
    assert_eq!(status(r1, "SQL_Delay"), "30");
    assert_eq!(running_under(r1), Some(m.port()));
    ok(&f, &format!("/api/delay-replication/{}/0", hp(r1))).await;
    assert_eq!(status(r1, "SQL_Delay"), "0");

    ok(&f, &format!("/api/detach-replica/{}", hp(r1))).await;
    assert_eq!(status(r1, "Master_Host"), "//127.0.0.1");
    let (code, v) = call(&f, &format!("/api/detach-slave-master-host/{}", hp(r1))).await;
    assert_eq!(code, 400, "detached twice: {v}");
    ok(&f, &format!("/api/reattach-replica/{}", hp(r1))).await;
    assert_eq!(status(r1, "Master_Host"), "127.0.0.1");
    wait_under(r1, m).await;
    write_reaches(m, &[r1, r2], 1);
    wait_audited(&f, "detach-replica-master-host", r1).await;

    // Binary logs: a replica that has not executed a file keeps it from being purged.
    let first = binlog_file(m);
    r2.sql("STOP SLAVE").unwrap();
    m.sql("INSERT INTO app.t VALUES (2)").unwrap();
    ok(&f, &format!("/api/flush-binary-logs/{}", hp(m))).await;
    let current = binlog_file(m);
    assert_ne!(first, current);
    let (code, v) = call(&f, &format!("/api/purge-binary-logs/{}/latest", hp(m))).await;
    assert_eq!(code, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().contains(&key(r2)), "{v}");
    r2.sql("START SLAVE").unwrap();
    write_reaches(m, &[r1, r2], 3);
    // MariaDB keeps a file a dump thread still reads (a warning, not an error): purge again
    // until the server let it go.
    wait_until(DEADLINE, "the purged file is gone", || async {
        ok(&f, &format!("/api/purge-binary-logs/{}/{current}", hp(m))).await;
        !m.sql("SHOW BINARY LOGS").unwrap().contains(&first)
    })
    .await;

    let v = ok(
        &f,
        &format!("/api/restart-slave-statements/{}?q=SET%20GLOBAL%20max_connections%3D200", hp(r1)),
    )
    .await;
    assert_eq!(
        v["Details"],
        serde_json::json!([
            "STOP SLAVE IO_THREAD;",
            "STOP SLAVE SQL_THREAD;",
            "SET GLOBAL max_connections=200;",
            "START SLAVE SQL_THREAD;",
            "START SLAVE IO_THREAD;"
        ]),
        "{v}"
    );

    // kill-query ends a running statement.
    let sleeper = {
        let socket = m.socket();
        std::thread::spawn(move || {
            std::process::Command::new("mariadb")
                .args(["-uroot", "-S"])
                .arg(socket)
                .args(["-e", "SELECT SLEEP(40) AS slept"])
                .output()
        })
    };
    let mut id = String::new();
    wait_until(DEADLINE, "the sleeping query runs", || {
        id = m
            .sql(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(40)%'",
            )
            .unwrap_or_default()
            .trim()
            .to_string();
        let found = !id.is_empty();
        async move { found }
    })
    .await;
    let started = std::time::Instant::now();
    ok(&f, &format!("/api/kill-query/{}/{id}", hp(m))).await;
    let _ = sleeper.join();
    assert!(started.elapsed() < Duration::from_secs(30), "the query was killed");

    let (code, v) = call(&f, &format!("/api/skip-query/{}", hp(r1))).await;
    assert_eq!(code, 400, "{v}");
    let v = ok(&f, &format!("/api/refresh/{}", hp(r1))).await;
    assert_eq!(v["Details"]["Port"], r1.port(), "{v}");
    ok(&f, &format!("/api/async-discover/{}", hp(m))).await;

    let v = ok(&f, &format!("/api/reset-slave/{}", hp(r2))).await;
    assert_eq!(v["Details"]["MasterKey"]["Hostname"], "", "{v}");
    assert!(r2.slave_status().map(|s| s.is_empty()).unwrap_or(true));
    wait_audited(&f, "reset-replica", r2).await;
}
