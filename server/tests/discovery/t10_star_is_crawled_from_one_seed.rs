//! (a) A 1+2 star is found from one replica seed: up to its master, down to the other replica,
//! with identity, GTID, replication threads, coordinates and lag read correctly.

use std::time::Duration;

use app::core::instance::{BinlogCoordinates, Flavor, ThreadState, UsingGtid};
use server::testkit::mariadb::wait_replicated;

use crate::harness::{config, key, sandbox, Discovery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn star_is_crawled_from_one_seed() {
    let Some(sb) = sandbox() else { return };
    let s = sb.star(3).expect("start a 1+2 star");
    let (master, replicas) = s.split_first().expect("3 servers");
    master
        .sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1), (2)")
        .expect("write on the master");
    wait_replicated(master, replicas).expect("replicated");
    let gtid = master.sql("SELECT @@gtid_binlog_pos").expect("gtid");
    let status = master.sql("SHOW MASTER STATUS").expect("master status");
    let mut cols = status.split('\t');
    let file = cols.next().expect("file").to_string();
    let pos: u64 = cols.next().expect("pos").parse().expect("numeric pos");
    let coordinates = BinlogCoordinates::new(&file, pos);

    let d = Discovery::start(config(Duration::from_secs(1)), &[key(&replicas[0])]).await;
    let keys: Vec<_> = s.iter().map(key).collect();
    d.wait_all_valid(&keys).await;
    // Replicas are fully caught up once a probe sees the master's position applied.
    for r in replicas {
        d.wait_instance(&key(r), "replica at the master's position", |i| {
            i.exec_master_coordinates.as_ref() == Some(&coordinates)
        })
        .await;
    }

    let m = d.instance(&key(master)).await.expect("master stored");
    assert_eq!(m.server_id, u64::from(master.id()));
    assert_eq!(m.flavor, Flavor::MariaDB);
    assert!(m.version.contains("MariaDB"), "{}", m.version);
    assert!(!m.read_only && m.log_bin && m.log_slave_updates);
    assert_eq!(m.executed_gtid_set, gtid);
    assert_eq!(m.self_binlog_coordinates, Some(coordinates.clone()));
    assert!(m.master_key.is_none());
    let mut expected_replicas: Vec<_> = replicas.iter().map(key).collect();
    expected_replicas.sort();
    assert_eq!(m.replica_hosts, expected_replicas);
    let cluster = key(master).to_string();
    assert_eq!(m.cluster_name, cluster);
    assert_eq!(m.last_seen_ms, m.last_checked_ms);
    assert!(m.last_attempted_check_ms <= m.last_checked_ms);

    for r in replicas {
        let i = d.instance(&key(r)).await.expect("replica stored");
        assert_eq!(i.server_id, u64::from(r.id()));
        assert!(i.read_only && i.log_bin);
        assert_eq!(i.master_key, Some(key(master)));
        assert_eq!((i.slave_io_running, i.slave_sql_running), (ThreadState::Yes, ThreadState::Yes));
        assert_eq!(i.using_gtid, UsingGtid::SlavePos);
        assert_eq!(i.gtid_slave_pos, gtid);
        assert_eq!(i.read_master_coordinates, Some(coordinates.clone()));
        assert_eq!(i.seconds_behind_master, Some(0));
        assert_eq!(i.replication_lag_seconds, Some(0));
        assert_eq!(i.last_io_errno, 0);
        assert_eq!(i.cluster_name, cluster);
        assert!(i.is_last_check_valid);
    }

    // `/api/discover`'s path: an immediate probe, written and returned with its cluster name.
    let now = d.prober.probe_now(key(&replicas[1])).await.expect("probe now");
    assert_eq!(now.cluster_name, cluster);
    assert!(now.is_last_check_valid);
    let stats = d.prober.stats();
    assert!(stats.probes >= 4 && stats.failures == 0, "{stats:?}");
    d.stop().await;
}
