//! The simulated fleet's faults and writes, as the prober sees them: a dead server refuses, a
//! hung one times out, broken replication and lag show in the replica's instance, an errant
//! transaction shows on a MySQL-flavour replica, and `CHANGE MASTER TO` / `SET GLOBAL
//! read_only` sent over the wire change what the next probe reads (and are recorded).

use std::time::{Duration, Instant};

use app::core::instance::ThreadState;
use server::probe::ProbeError;
use server::testkit::fleetsim::{Fault, FleetSim, FleetSpec, SimFlavor};
use server::testkit::{wait_for, wait_until};
use sqlx::Connection;
use tokio::net::TcpStream;

use crate::harness::{config, Discovery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_writes_show_in_probes() {
    let spec =
        FleetSpec { servers: 6, replicas: 2, flavor: SimFlavor::MySQL, ..FleetSpec::default() };
    let sim = FleetSim::start(&spec).await.expect("start two simulated stars");
    let masters = sim.masters();
    assert_eq!(masters.len(), 2, "6 servers in stars of 3");
    let replicas: Vec<_> = {
        let state = sim.state();
        state.servers.values().filter(|s| s.replication.is_some()).map(|s| s.key.clone()).collect()
    };
    let mut cfg = config(Duration::from_secs(60));
    cfg.connect_timeout = Duration::from_millis(800);
    cfg.read_timeout = Duration::from_millis(800);
    let d = Discovery::start(cfg, &[]).await;

    let master = d.prober.probe_now(masters[0].clone()).await.expect("probe a master");
    assert_eq!(master.replica_hosts.len(), 2, "its two replicas: {:?}", master.replica_hosts);
    assert!(!master.read_only);

    // Dead: the port is closed (once its listener saw the change).
    sim.set_fault(&masters[1], Fault::Dead).expect("kill");
    let addr = format!("{}:{}", masters[1].hostname, masters[1].port);
    let port_open = |addr: String| async move { TcpStream::connect(addr).await.is_ok() };
    wait_until(Duration::from_secs(5), "the dead server's port closed", || {
        let open = port_open(addr.clone());
        async move { !open.await }
    })
    .await;
    let err = d.prober.probe_now(masters[1].clone()).await.expect_err("a dead server fails");
    assert!(matches!(err, ProbeError::Connect { .. }), "refused, got {err}");
    // Its replicas' IO threads lost it, as a real replica's do, and reconnect when it is back.
    let orphan = sim
        .state()
        .servers
        .values()
        .find(|s| s.replication.as_ref().is_some_and(|r| r.master == masters[1]))
        .map(|s| s.key.clone())
        .expect("a replica of the killed master");
    let seen = d.prober.probe_now(orphan.clone()).await.expect("probe its replica");
    assert_eq!(seen.slave_io_running, ThreadState::No, "IO thread of a dead master's replica");
    sim.set_fault(&masters[1], Fault::Healthy).expect("revive");
    wait_for(Duration::from_secs(5), "the revived server answers again", || async {
        d.prober.probe_now(masters[1].clone()).await.ok()
    })
    .await;
    let seen = d.prober.probe_now(orphan.clone()).await.expect("probe its replica again");
    assert_eq!(seen.slave_io_running, ThreadState::Yes, "reconnected once the master is back");

    // Hung: accepted, never answered, bounded by the connect timeout.
    sim.set_fault(&masters[1], Fault::Hung).expect("hang");
    let started = Instant::now();
    d.prober.probe_now(masters[1].clone()).await.expect_err("a hung server fails");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    sim.set_fault(&masters[1], Fault::Healthy).expect("wake");
    wait_for(Duration::from_secs(5), "the woken server answers again", || async {
        d.prober.probe_now(masters[1].clone()).await.ok()
    })
    .await;

    // Broken replication, lag, errant GTID.
    let handle = sim.handle();
    handle
        .update(&replicas[0], |s| {
            let r = s.replication.as_mut().expect("replica");
            r.sql_running = false;
            r.last_sql_error = Some((1062, "Duplicate entry".into()));
        })
        .expect("break");
    handle
        .update(&replicas[1], |s| s.replication.as_mut().expect("replica").lag_seconds = 42)
        .expect("lag");
    handle.update(&replicas[1], |s| s.errant = true).expect("errant");
    let broken = d.prober.probe_now(replicas[0].clone()).await.expect("probe broken replica");
    assert_eq!(broken.slave_sql_running, ThreadState::No);
    assert_eq!(broken.last_sql_errno, 1062);
    let lagging = d.prober.probe_now(replicas[1].clone()).await.expect("probe lagging replica");
    assert_eq!(lagging.seconds_behind_master, Some(42));
    assert!(
        lagging.executed_gtid_set.contains(&lagging.server_uuid),
        "the errant transaction is in gtid_executed: {}",
        lagging.executed_gtid_set
    );

    // Writes over the wire change the state and are recorded.
    let r = &replicas[0];
    let mut conn = sqlx::mysql::MySqlConnection::connect_with(&server::probe::connect::options(
        r,
        d.prober.config(),
    ))
    .await
    .expect("connect to the simulated replica");
    for statement in [
        "STOP SLAVE",
        &format!(
            "CHANGE MASTER TO MASTER_HOST='{}', MASTER_PORT={}",
            masters[1].hostname, masters[1].port
        ),
        "START SLAVE",
        "SET GLOBAL read_only = 0",
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    conn.close().await.expect("close");
    let moved = d.prober.probe_now(r.clone()).await.expect("probe the moved replica");
    assert_eq!(
        moved.master_key.as_ref(),
        Some(&masters[1]),
        "now replicates from the other master"
    );
    assert!(!moved.read_only);
    let recorded = sim.state().servers[r].statements.clone();
    assert_eq!(recorded.len(), 4, "every write recorded: {recorded:?}");
    assert!(recorded[1].starts_with("CHANGE MASTER TO"));
    d.stop().await;
}
