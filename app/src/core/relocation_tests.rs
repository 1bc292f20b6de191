//! Unit tests of the relocation rules (the golden cases are in `app/tests/relocation_cases.rs`).

use super::*;
use crate::core::instance::ThreadState;

fn inst(host: &str, master: Option<&str>) -> Instance {
    let mut i = Instance::new(InstanceKey::new(host, 3306).unwrap());
    i.master_key = master.map(|m| InstanceKey::new(m, 3306).unwrap());
    i.server_id = host.bytes().map(u64::from).sum();
    i.version = "10.11.6-MariaDB-log".into();
    i.log_bin = true;
    i.log_slave_updates = true;
    i.is_last_check_valid = true;
    if master.is_some() {
        i.slave_io_running = ThreadState::Yes;
        i.slave_sql_running = ThreadState::Yes;
        i.seconds_behind_master = Some(0);
        i.read_only = true;
    }
    i
}

#[test]
fn can_move_needs_running_replication_and_reasonable_lag() {
    let mut r = inst("r", Some("m"));
    assert_eq!(can_move(&r, 20), Ok(()));
    r.seconds_behind_master = Some(30);
    assert!(matches!(can_move(&r, 20), Err(Refusal::Lagging { seconds: 30, .. })));
    r.sql_delay = 30;
    assert_eq!(can_move(&r, 20), Ok(()));
    r.seconds_behind_master = None;
    assert!(matches!(can_move(&r, 20), Err(Refusal::UnknownLag { .. })));
    r.slave_sql_running = ThreadState::No;
    assert!(matches!(can_move(&r, 20), Err(Refusal::NotReplicating { .. })));
}

#[test]
fn mysql_gtid_moves_need_what_the_target_purged() {
    const U: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    let mut r = inst("r", Some("m"));
    let mut t = inst("t", Some("m"));
    for i in [&mut r, &mut t] {
        i.flavor = Flavor::MySQL;
        i.version = "8.0.36".into();
        i.gtid_mode = "ON".into();
    }
    r.using_gtid = UsingGtid::AutoPosition;
    r.executed_gtid_set = format!("{U}:1-100");
    assert_eq!(check_gtid_move(&r, &t, &format!("{U}:1-90")), Ok(CatchUp::None));
    let gap = check_gtid_move(&r, &t, &format!("{U}:1-120"));
    assert!(
        matches!(&gap, Err(Refusal::PurgedOnTarget { missing, .. }) if missing == &format!("{U}:101-120")),
        "{gap:?}"
    );
    t.gtid_mode = "OFF".into();
    assert!(matches!(check_gtid_move(&r, &t, ""), Err(Refusal::NotGtidCompatible { .. })));
}

#[test]
fn purging_waits_for_every_replica() {
    let m = InstanceKey::new("m", 3306).unwrap();
    let mut r = inst("r", Some("m"));
    r.exec_master_coordinates = Some(BinlogCoordinates::new("mysql-bin.000003", 120));
    assert_eq!(check_purge(&m, "mysql-bin.000003", std::slice::from_ref(&r)), Ok(()));
    let refused = check_purge(&m, "mysql-bin.000004", std::slice::from_ref(&r));
    assert!(matches!(refused, Err(Refusal::ReplicaNeedsBinlog { .. })), "{refused:?}");
}

#[test]
fn mariadb_gtid_moves_compare_positions() {
    let mut r = inst("r", Some("m"));
    let mut t = inst("t", Some("m"));
    r.using_gtid = UsingGtid::SlavePos;
    r.executed_gtid_set = "0-1-10".into();
    t.executed_gtid_set = "0-1-12".into();
    assert_eq!(check_gtid_move(&r, &t, ""), Ok(CatchUp::None));
    t.executed_gtid_set = "0-1-8".into();
    assert_eq!(check_gtid_move(&r, &t, ""), Ok(CatchUp::TargetReaches("0-1-10".into())));
    t.executed_gtid_set = "0-1-12,1-5-1".into();
    r.executed_gtid_set = "0-1-10,2-9-3".into();
    assert!(matches!(check_gtid_move(&r, &t, ""), Err(Refusal::Diverged { .. })));
    r.using_gtid = UsingGtid::No;
    assert!(matches!(check_gtid_move(&r, &t, ""), Err(Refusal::NotGtidCompatible { .. })));
}
