//! Unit tests of `candidate`: ranking, eligibility, partitioning, order independence.
//! (Scenario fixtures live in `app/tests/cases/candidate/`.)

use super::*;
use crate::core::instance::{BinlogCoordinates, ThreadState, UsingGtid};

fn key(name: &str) -> InstanceKey {
    InstanceKey::new(name, 3306).unwrap()
}

/// A valid, logging replica of `m` at exec position `pos` with MariaDB GTID `0-1-pos`.
fn replica(name: &str, id: u64, pos: u64) -> Instance {
    let mut i = Instance::new(key(name));
    i.master_key = Some(key("m"));
    i.server_id = id;
    i.version = "10.11.19-MariaDB-log".into();
    i.log_bin = true;
    i.log_slave_updates = true;
    i.is_last_check_valid = true;
    i.slave_io_running = ThreadState::Connecting;
    i.slave_sql_running = ThreadState::Yes;
    i.using_gtid = UsingGtid::SlavePos;
    i.gtid_slave_pos = format!("0-1-{pos}");
    i.exec_master_coordinates = Some(BinlogCoordinates::new("mysql-bin.000003", pos * 100));
    i.read_master_coordinates = i.exec_master_coordinates.clone();
    i
}

fn neutral(_: &InstanceKey) -> PromotionRule {
    PromotionRule::Neutral
}

#[test]
fn picks_most_advanced_and_partitions_the_rest() {
    let mut slow = replica("d", 4, 5);
    slow.version = "10.6.1-MariaDB".into(); // older: cannot replicate from a 10.11
    let replicas = [replica("a", 1, 10), replica("b", 2, 12), replica("c", 3, 10), slow];
    let choice = choose_candidate(&key("m"), &replicas, &neutral, None).unwrap();
    assert_eq!(choice.chosen, key("b"));
    assert_eq!(choice.most_advanced, key("b"));
    assert_eq!(choice.basis, PositionBasis::Gtid);
    assert_eq!(choice.later, vec![key("a"), key("c")]);
    assert_eq!(choice.cannot_replicate, vec![key("d")]);
    assert!(choice.ahead.is_empty() && choice.equal.is_empty());
    assert_eq!(choice.lost, vec![key("d")]);
}

#[test]
fn result_does_not_depend_on_input_order() {
    let mut pref = replica("p", 5, 9);
    pref.data_center = "dc1".into();
    let base = vec![replica("a", 1, 9), replica("b", 2, 9), pref, replica("c", 3, 8)];
    let rules = |k: &InstanceKey| {
        if k.hostname == "b" {
            PromotionRule::Prefer
        } else {
            PromotionRule::Neutral
        }
    };
    let expected = choose_candidate(&key("m"), &base, &rules, Some("dc1")).unwrap();
    assert_eq!(expected.chosen, key("b"));
    // Every rotation and its reverse.
    for shift in 0..base.len() {
        let mut order = base.clone();
        order.rotate_left(shift);
        assert_eq!(
            choose_candidate(&key("m"), &order, &rules, Some("dc1")).unwrap(),
            expected,
            "rotation {shift}"
        );
        order.reverse();
        assert_eq!(
            choose_candidate(&key("m"), &order, &rules, Some("dc1")).unwrap(),
            expected,
            "reversed {shift}"
        );
    }
}

#[test]
fn falls_back_to_coordinates_when_gtid_positions_diverge() {
    let mut a = replica("a", 1, 10);
    a.gtid_slave_pos = "0-1-10,1-2-5".into();
    let mut b = replica("b", 2, 11);
    b.gtid_slave_pos = "0-1-11,1-2-4".into();
    let choice = choose_candidate(&key("m"), &[a.clone(), b.clone()], &neutral, None).unwrap();
    assert_eq!(choice.basis, PositionBasis::ExecCoordinates);
    assert_eq!(choice.chosen, key("b"));

    // One replica not using GTID also means coordinates.
    a.gtid_slave_pos = "0-1-10".into();
    a.using_gtid = UsingGtid::No;
    let choice = choose_candidate(&key("m"), &[a, b], &neutral, None).unwrap();
    assert_eq!(choice.basis, PositionBasis::ExecCoordinates);
}

#[test]
fn rejects_newer_versions_and_larger_formats_than_the_common_one() {
    let mut newer = replica("a", 1, 20);
    newer.version = "11.4.2-MariaDB".into();
    let mut row_among_mixed = replica("b", 2, 20);
    row_among_mixed.binlog_format = BinlogFormat::Row;
    let mut c = replica("c", 3, 10);
    c.binlog_format = BinlogFormat::Mixed;
    let mut d = replica("d", 4, 10);
    d.binlog_format = BinlogFormat::Mixed;
    newer.binlog_format = BinlogFormat::Mixed;
    let choice =
        choose_candidate(&key("m"), &[newer, row_among_mixed, c, d], &neutral, None).unwrap();
    assert_eq!(choice.chosen, key("c"));
    // At equal position the older version ranks first.
    assert_eq!(choice.most_advanced, key("b"));
    assert_eq!(choice.ahead, vec![key("a"), key("b")]);
    assert!(choice.cannot_replicate.is_empty());
    assert_eq!(choice.equal, vec![key("d")]);
    assert_eq!(choice.lost, vec![key("a"), key("b")]);
}

#[test]
fn no_candidate_lists_every_reason() {
    let mut invalid = replica("a", 1, 10);
    invalid.is_last_check_valid = false;
    let mut no_binlog = replica("b", 2, 10);
    no_binlog.log_bin = false;
    let mut no_lsu = replica("c", 3, 10);
    no_lsu.log_slave_updates = false;
    let banned = replica("d", 4, 10);
    let rules = |k: &InstanceKey| {
        if k.hostname == "d" {
            PromotionRule::MustNot
        } else {
            PromotionRule::Neutral
        }
    };
    let err = choose_candidate(&key("m"), &[invalid, no_binlog, no_lsu, banned], &rules, None)
        .unwrap_err();
    let NoCandidate::NoneEligible { rejected, .. } = &err else { panic!("{err:?}") };
    let reasons: Vec<(String, RejectReason)> =
        rejected.iter().map(|r| (r.key.hostname.clone(), r.reason.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            ("a".into(), RejectReason::LastCheckInvalid),
            ("b".into(), RejectReason::NoBinaryLog),
            ("c".into(), RejectReason::NoLogSlaveUpdates),
            ("d".into(), RejectReason::MustNot),
        ]
    );
    assert!(err.to_string().contains("d:3306 (promotion rule must_not)"), "{err}");

    let other_master = {
        let mut r = replica("x", 9, 1);
        r.master_key = Some(key("elsewhere"));
        r
    };
    assert_eq!(
        choose_candidate(&key("m"), &[other_master], &neutral, None),
        Err(NoCandidate::NoReplicas { failed_master: key("m") })
    );
}

#[test]
fn can_replicate_from_checks_like_orchestrator() {
    let source = replica("s", 1, 10);
    type Mutation = Box<dyn Fn(&mut Instance, &mut Instance)>;
    let cases: Vec<(&str, Mutation, Result<(), ReplicationBlocker>)> = vec![
        ("fine", Box::new(|_, _| {}), Ok(())),
        ("self", Box::new(|r, s| r.key = s.key.clone()), Err(ReplicationBlocker::SameInstance)),
        (
            "no binlog",
            Box::new(|_, s| s.log_bin = false),
            Err(ReplicationBlocker::SourceHasNoBinlog),
        ),
        (
            "no lsu",
            Box::new(|_, s| s.log_slave_updates = false),
            Err(ReplicationBlocker::SourceDoesNotLogReplicaUpdates),
        ),
        (
            "older",
            Box::new(|r, _| r.version = "10.5.1".into()),
            Err(ReplicationBlocker::OlderMajorVersion),
        ),
        (
            "format",
            Box::new(|r, _| r.binlog_format = BinlogFormat::Statement),
            Err(ReplicationBlocker::SmallerBinlogFormat),
        ),
        (
            "server id",
            Box::new(|r, s| r.server_id = s.server_id),
            Err(ReplicationBlocker::SameServerId),
        ),
        (
            "uuid",
            Box::new(|r, s| {
                r.server_uuid = "u".into();
                s.server_uuid = "u".into();
            }),
            Err(ReplicationBlocker::SameServerUuid),
        ),
        (
            "delayed source",
            Box::new(|_, s| s.sql_delay = 3600),
            Err(ReplicationBlocker::SourceMoreDelayed),
        ),
        ("slightly delayed source", Box::new(|_, s| s.sql_delay = 10), Ok(())),
    ];
    for (name, mutate, expected) in cases {
        let mut r = replica("r", 2, 5);
        let mut s = source.clone();
        mutate(&mut r, &mut s);
        assert_eq!(can_replicate_from(&r, &s), expected, "{name}");
    }
}

#[test]
fn most_common_breaks_ties_towards_smallest() {
    assert_eq!(most_common([3, 1, 3, 1, 2].into_iter()), Some(1));
    assert_eq!(most_common([3, 3, 1].into_iter()), Some(3));
    assert_eq!(most_common(std::iter::empty::<u8>()), None);
}

#[test]
fn registered_rules_read_the_instances() {
    let mut a = replica("a", 1, 1);
    a.promotion_rule = PromotionRule::Prefer;
    let list = [a];
    let rules = registered_rules(&list);
    assert_eq!(rules(&key("a")), PromotionRule::Prefer);
    assert_eq!(rules(&key("zzz")), PromotionRule::Neutral);
}
