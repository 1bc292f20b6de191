//! The simulated fleet's MySQL 8 dialect is honest: a simulated server given the state of a
//! recorded MySQL 8.0 replica / 8.4 semi-sync source (`server/src/probe/fixtures/mysql_8_*.txt`)
//! spells every column and semi-sync variable it answers as the recorded output does (same
//! names, same order), and the prober reads it over the wire into the `Instance` the recorded
//! output parses to, keys aside. There is no MySQL server on this machine: the recorded outputs
//! are the reference (the MariaDB dialect is compared with a live server in t70).

use std::collections::BTreeMap;

use app::core::InstanceKey;
use server::probe::fixture::{self, RawRows};
use server::probe::parse::to_instance;
use server::testkit::fleetsim::answer::{answer, Reply};
use server::testkit::fleetsim::server::{Applier, SemiSyncPlugins, SimServer};
use server::testkit::fleetsim::{FleetSim, FleetSpec, SimFlavor};

use crate::harness::{config, Discovery};
use crate::t70_simulated_fleet_answers_like_mariadb::comparable;

const MYSQL_8_0_REPLICA: &str = include_str!("../../src/probe/fixtures/mysql_8_0_replica.txt");
const MYSQL_8_4_SOURCE: &str = include_str!("../../src/probe/fixtures/mysql_8_4_master.txt");

fn key(host: &str, port: u16) -> InstanceKey {
    InstanceKey::new(host, port).expect("key")
}

/// The statement the prober sends for each recorded section it compares by column names.
const ROW_SECTIONS: &[(&str, &str)] = &[
    ("master_status", "SHOW BINARY LOG STATUS"),
    ("replica_status", "SHOW REPLICA STATUS"),
    ("replica_hosts", "SHOW REPLICAS"),
];
const PAIR_SECTIONS: &[(&str, &str)] = &[
    ("semi_sync_variables", "SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'"),
    ("semi_sync_status", "SHOW GLOBAL STATUS LIKE 'rpl_semi_sync%'"),
];

fn columns_of(rows: &RawRows) -> Vec<String> {
    rows.first().map(|r| r.iter().map(|(c, _)| c.clone()).collect()).unwrap_or_default()
}

/// Every column / variable the simulated `server` answers is spelled as `recorded` spells it,
/// in the recorded order (the simulation answers a subset of the real columns).
fn same_spelling(sim: &FleetSim, server: &InstanceKey, recorded: &str) {
    let sections = fixture::sections(recorded);
    let mut state = sim.state();
    let mut ask = |statement: &str| match answer(&mut state, server, statement).pop() {
        Some(Reply::Rows { columns, rows }) => (columns, rows),
        other => panic!("{statement}: expected rows, got {other:?}"),
    };
    for (section, statement) in ROW_SECTIONS {
        let (sim_columns, sim_rows) = ask(statement);
        let Some(rows) = sections.get(*section).filter(|r| !r.is_empty()) else {
            assert!(
                sim_rows.is_empty(),
                "{statement}: the recording has no row, the simulation {sim_rows:?}"
            );
            continue;
        };
        let real = columns_of(rows);
        let mut at = 0;
        for c in &sim_columns {
            let Some(found) = real.iter().position(|r| r == c) else {
                panic!("{statement}: the simulation answers column {c:?}, the recording has none such: {real:?}");
            };
            assert!(found >= at, "{statement}: column {c:?} out of the recorded order");
            at = found;
        }
        assert!(!sim_rows.is_empty(), "{statement}: the recording has rows, the simulation none");
    }
    for (section, statement) in PAIR_SECTIONS {
        let (_, sim_rows) = ask(statement);
        let recorded: BTreeMap<String, Option<String>> = sections
            .get(*section)
            .into_iter()
            .flatten()
            .map(|r| {
                let get =
                    |name: &str| r.iter().find(|(c, _)| c == name).and_then(|(_, v)| v.clone());
                (get("Variable_name").unwrap_or_default(), get("Value"))
            })
            .collect();
        assert!(!sim_rows.is_empty(), "{statement}: the simulation answers nothing");
        for row in sim_rows {
            let name = row[0].clone().unwrap_or_default();
            let value = row[1].clone();
            assert!(
                recorded.contains_key(&name),
                "{statement}: the simulation answers {name:?}, the recording has {:?}",
                recorded.keys().collect::<Vec<_>>()
            );
            assert_eq!(recorded[&name], value, "{statement}: value of {name}");
        }
    }
}

/// The recorded side as the prober leaves a successful probe: these fields are the probe's own
/// bookkeeping (a valid check, the key as the cluster until analysis names it), not answers.
fn as_probed(recorded: &mut app::core::Instance, probed: &app::core::Instance) {
    recorded.is_last_check_valid = probed.is_last_check_valid;
    recorded.last_check_partial_success = probed.last_check_partial_success;
    assert_eq!(probed.cluster_name, probed.key.to_string(), "a fresh probe names no cluster");
    recorded.cluster_name = recorded.key.to_string();
}

/// `server_uuid` of the recordings' source (both write its GTIDs).
const SOURCE_UUID: &str = "0a1b2c3d-6f0e-11ee-8c99-0242ac120001";

/// Three simulated MySQL servers, a master and two replicas; the master's key.
async fn mysql_star() -> (FleetSim, InstanceKey) {
    let spec =
        FleetSpec { servers: 3, replicas: 2, flavor: SimFlavor::MySQL, ..FleetSpec::default() };
    let sim = FleetSim::start(&spec).await.expect("start the simulated servers");
    let master = sim.masters().pop().expect("a simulated master");
    (sim, master)
}

/// A simulated MySQL server with the recorded identity.
fn identity(s: &mut SimServer, server_id: u32, version: &str, uuid: &str) {
    s.server_id = server_id;
    s.version = version.into();
    s.version_comment = "MySQL Community Server - GPL".into();
    s.server_uuid = uuid.into();
    s.binlog_format = "ROW".into();
    s.log_slave_updates = true;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_mysql_8_0_replica_reads_like_the_recording() {
    let source_uuid = SOURCE_UUID;
    let (sim, master) = mysql_star().await;
    let mut others: Vec<InstanceKey> =
        sim.state().servers.keys().filter(|k| **k != master).cloned().collect();
    others.sort();
    let (replica, below) = (others[0].clone(), others[1].clone());
    {
        let mut state = sim.state();
        let m = state.servers.get_mut(&master).expect("master");
        identity(m, 201, "8.0.35", source_uuid);
        m.binlog = ("binlog.000012".into(), 775_210);
        m.gtid_source = (201, source_uuid.into());
        m.gtid_seq = 7301;
        let r = state.servers.get_mut(&replica).expect("replica");
        identity(r, 203, "8.0.35", "5b7c3a10-6f0e-11ee-8c99-0242ac120003");
        r.read_only = true;
        r.binlog = ("binlog.000007".into(), 3120);
        r.gtid_source = (201, source_uuid.into());
        r.gtid_seq = 7301;
        r.semi_sync_replica = true;
        r.semi_sync_plugins = SemiSyncPlugins { master: false, replica: true, wait_count: 0 };
        let repl = r.replication.as_mut().expect("it replicates");
        repl.lag_seconds = 3598;
        repl.applier = Applier { sql_delay: 3600, exec_pos: Some(401_999) };
        let b = state.servers.get_mut(&below).expect("its replica");
        identity(b, 204, "8.0.35", "6c8d4b21-6f0e-11ee-8c99-0242ac120004");
        b.replication.as_mut().expect("it replicates").master = replica.clone();
    }
    same_spelling(&sim, &replica, MYSQL_8_0_REPLICA);

    let d = Discovery::start(config(std::time::Duration::from_secs(60)), &[]).await;
    let probed = d.prober.probe_now(replica.clone()).await.expect("probe the simulated replica");
    let recorded_key = key("10.0.0.13", 3306);
    let mut recorded =
        to_instance(&recorded_key, &fixture::load(MYSQL_8_0_REPLICA)).expect("parses");
    assert!(probed.is_last_check_valid, "the probe succeeded");
    as_probed(&mut recorded, &probed);
    let renames = [
        (replica, recorded_key),
        (master, key("10.0.0.11", 3306)),
        (below, key("10.0.0.14", 3306)),
    ];
    assert_eq!(
        comparable(probed, &renames),
        comparable(recorded, &[]),
        "the simulated MySQL 8.0 replica reads like the recorded one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_mysql_8_4_source_reads_like_the_recording() {
    let uuid = SOURCE_UUID;
    let (sim, master) = mysql_star().await;
    {
        let mut state = sim.state();
        for (n, s) in state.servers.values_mut().enumerate() {
            if s.key == master {
                continue;
            }
            s.semi_sync_replica = true;
            s.version = "8.4.3".into();
            s.server_id = 2 + u32::try_from(n).expect("few");
        }
        let m = state.servers.get_mut(&master).expect("master");
        identity(m, 1, "8.4.3", uuid);
        m.binlog = ("binlog.000031".into(), 1577);
        m.gtid_source = (1, uuid.into());
        m.gtid_seq = 9120;
        m.semi_sync_master = true;
        m.semi_sync_plugins = SemiSyncPlugins { master: true, replica: false, wait_count: 2 };
    }
    same_spelling(&sim, &master, MYSQL_8_4_SOURCE);

    let d = Discovery::start(config(std::time::Duration::from_secs(60)), &[]).await;
    let mut probed = d.prober.probe_now(master.clone()).await.expect("probe the simulated source");
    let recorded_key = key("db-1.example.com", 3306);
    let mut recorded =
        to_instance(&recorded_key, &fixture::load(MYSQL_8_4_SOURCE)).expect("parses");
    // The recording's replicas are named partly by report_host and partly by their processlist
    // address; the simulation runs every server on one loopback address with report_host set.
    // Their number and naming are checked by the parser's own unit test.
    assert_eq!(probed.replica_hosts.len(), 2, "both simulated replicas are listed");
    probed.replica_hosts.clear();
    recorded.replica_hosts.clear();
    assert!(probed.is_last_check_valid, "the probe succeeded");
    as_probed(&mut recorded, &probed);
    assert_eq!(
        comparable(probed, &[(master, recorded_key)]),
        comparable(recorded, &[]),
        "the simulated MySQL 8.4 source reads like the recorded one"
    );
}
