//! Unit tests of `analysis`: holistic detection, hang condition, downtime, filtering, order.
//! (One golden fixture per code lives in `app/tests/cases/analysis/`.)

use super::*;
use crate::core::instance::{Instance, ThreadState};

const NOW: i64 = 1_700_000_000_000;

fn key(name: &str) -> InstanceKey {
    InstanceKey::new(name, 3306).unwrap()
}

fn healthy(name: &str, master: Option<&str>) -> Instance {
    let mut i = Instance::new(key(name));
    i.master_key = master.map(key);
    i.is_last_check_valid = true;
    i.last_check_partial_success = true;
    i.last_checked_ms = NOW - 1_000;
    i.last_seen_ms = NOW - 1_000;
    i.last_attempted_check_ms = NOW - 1_000;
    i.log_bin = true;
    i.log_slave_updates = true;
    if master.is_some() {
        i.slave_io_running = ThreadState::Yes;
        i.slave_sql_running = ThreadState::Yes;
        i.read_only = true;
        i.using_gtid = crate::core::instance::UsingGtid::SlavePos;
        i.replication_lag_seconds = Some(0);
    }
    i
}

fn unreachable(mut i: Instance) -> Instance {
    i.is_last_check_valid = false;
    i.last_check_partial_success = false;
    i.last_seen_ms = NOW - 30_000;
    i
}

fn cannot_connect(mut i: Instance) -> Instance {
    i.slave_io_running = ThreadState::Connecting;
    i.last_io_errno = 2003;
    i.last_io_error = "error reconnecting to master 'repl@m:3306' - retry-time: 1".into();
    i
}

fn downtime(name: &str, ends_at_ms: i64) -> Downtime {
    Downtime {
        key: key(name),
        owner: "ops".into(),
        reason: "test".into(),
        begins_at_ms: NOW - 10,
        ends_at_ms,
    }
}

fn codes(result: &[ReplicationAnalysis]) -> Vec<(String, AnalysisCode)> {
    result.iter().map(|a| (a.analyzed_instance_key.hostname.clone(), a.analysis)).collect()
}

#[test]
fn holistic_detection_needs_the_replicas_to_agree() {
    let cases: [(&str, Vec<Instance>, AnalysisCode); 4] = [
        (
            "replicas still replicate: only unreachable",
            vec![
                unreachable(healthy("m", None)),
                healthy("r1", Some("m")),
                healthy("r2", Some("m")),
            ],
            AnalysisCode::UnreachableMaster,
        ),
        (
            "replicas cannot connect: dead",
            vec![
                unreachable(healthy("m", None)),
                cannot_connect(healthy("r1", Some("m"))),
                cannot_connect(healthy("r2", Some("m"))),
            ],
            AnalysisCode::DeadMaster,
        ),
        (
            "one replica still replicates: not dead",
            vec![
                unreachable(healthy("m", None)),
                cannot_connect(healthy("r1", Some("m"))),
                healthy("r2", Some("m")),
            ],
            AnalysisCode::UnreachableMaster,
        ),
        (
            "partial success and nobody failing to connect: no verdict",
            vec![
                {
                    let mut m = unreachable(healthy("m", None));
                    m.last_check_partial_success = true;
                    m
                },
                healthy("r1", Some("m")),
            ],
            AnalysisCode::NoProblem,
        ),
    ];
    for (name, instances, expected) in cases {
        let config = AnalysisConfig { include_no_problem: true, ..AnalysisConfig::default() };
        let result = analyze(&Topology::build(instances), &[], NOW, &config);
        let master = result.iter().find(|a| a.analyzed_instance_key == key("m")).unwrap();
        assert_eq!(master.analysis, expected, "{name}");
    }
}

#[test]
fn hung_probe_makes_the_master_invalid() {
    let mut m = healthy("m", None);
    // Last success 10 s ago, a probe started since and never finished: beyond poll + 1 s.
    m.last_seen_ms = NOW - 10_000;
    m.last_checked_ms = NOW - 10_000;
    m.last_attempted_check_ms = NOW - 1_000;
    let replicas =
        [cannot_connect(healthy("r1", Some("m"))), cannot_connect(healthy("r2", Some("m")))];
    let mut instances = vec![m.clone()];
    instances.extend(replicas.iter().cloned());
    let result = analyze(&Topology::build(instances), &[], NOW, &AnalysisConfig::default());
    assert_eq!(codes(&result)[0], ("m".to_string(), AnalysisCode::DeadMaster));
    assert!(!result[0].last_check_valid);

    // Within the allowance the same master is valid: replicas failing is then their problem.
    m.last_attempted_check_ms = NOW - 10_000 + 5_000;
    let mut instances = vec![m];
    instances.extend(replicas);
    let result = analyze(&Topology::build(instances), &[], NOW, &AnalysisConfig::default());
    assert_eq!(result[0].analysis, AnalysisCode::AllMasterReplicasNotReplicating);
}

#[test]
fn downtime_marks_skippable_but_keeps_the_entry() {
    let dead = || {
        vec![
            unreachable(healthy("m", None)),
            cannot_connect(healthy("r1", Some("m"))),
            cannot_connect(healthy("r2", Some("m"))),
        ]
    };
    let cases = [
        ("no downtime", vec![], false),
        ("active downtime", vec![downtime("m", NOW + 60_000)], true),
        ("expired downtime", vec![downtime("m", NOW)], false),
        ("other instance downtimed", vec![downtime("r1", NOW + 60_000)], false),
    ];
    for (name, downtimes, skippable) in cases {
        let result = analyze(&Topology::build(dead()), &downtimes, NOW, &AnalysisConfig::default());
        let master = &result[0];
        assert_eq!(master.analysis, AnalysisCode::DeadMaster, "{name}");
        assert_eq!(master.skippable_due_to_downtime, skippable, "{name}");
        assert_eq!(master.is_downtimed, skippable, "{name}");
    }
}

#[test]
fn all_replicas_downtimed_makes_replica_codes_skippable() {
    let instances = || {
        let mut r1 = healthy("r1", Some("m"));
        r1.slave_sql_running = ThreadState::No;
        let mut r2 = healthy("r2", Some("m"));
        r2.slave_sql_running = ThreadState::No;
        vec![healthy("m", None), r1, r2]
    };
    let one = [downtime("r1", NOW + 1_000)];
    let both = [downtime("r1", NOW + 1_000), downtime("r2", NOW + 1_000)];
    for (downtimes, skippable) in [(&one[..], false), (&both[..], true)] {
        let result =
            analyze(&Topology::build(instances()), downtimes, NOW, &AnalysisConfig::default());
        assert_eq!(result[0].analysis, AnalysisCode::AllMasterReplicasNotReplicating);
        assert_eq!(result[0].count_downtimed_replicas as usize, downtimes.len());
        assert_eq!(result[0].skippable_due_to_downtime, skippable);
        assert_eq!(result[0].is_replicas_downtimed, skippable);
    }
}

#[test]
fn healthy_leaves_are_reduced_away_and_no_problem_is_optional() {
    let instances = || vec![healthy("m", None), healthy("r1", Some("m")), healthy("r2", Some("m"))];
    assert!(analyze(&Topology::build(instances()), &[], NOW, &AnalysisConfig::default()).is_empty());

    let with_np = AnalysisConfig { include_no_problem: true, ..AnalysisConfig::default() };
    let result = analyze(&Topology::build(instances()), &[], NOW, &with_np);
    assert_eq!(codes(&result), vec![("m".to_string(), AnalysisCode::NoProblem)]);

    let unreduced = AnalysisConfig { reduce_replication_analysis_count: false, ..with_np };
    let result = analyze(&Topology::build(instances()), &[], NOW, &unreduced);
    assert_eq!(result.len(), 3);
}

#[test]
fn orders_masters_first_then_by_replica_count() {
    let mut im_dead = unreachable(healthy("im", Some("m")));
    im_dead.read_only = true;
    let instances = vec![
        healthy("m", None),
        im_dead,
        cannot_connect(healthy("a", Some("im"))),
        cannot_connect(healthy("b", Some("im"))),
        healthy("c", Some("m")),
    ];
    let result = analyze(&Topology::build(instances), &[], NOW, &AnalysisConfig::default());
    let got = codes(&result);
    assert_eq!(got[0].0, "im");
    assert_eq!(got[0].1, AnalysisCode::DeadIntermediateMaster);
    assert_eq!(result[0].cluster_name, "m:3306");
    assert_eq!(result[0].instance_type(), AnalysisInstanceType::IntermediateMaster);
    assert_eq!(result[0].replicas, vec![key("a"), key("b")]);
    assert_eq!(result[0].count_replicas_failing_to_connect_to_master, 2);
}

#[test]
fn structure_warnings_follow_orchestrator_order() {
    let mut m = healthy("m", None);
    m.read_only = true;
    let mut r1 = healthy("r1", Some("m"));
    r1.log_slave_updates = false;
    r1.gtid_errant = "0-9-1".into();
    let mut r2 = healthy("r2", Some("m"));
    r2.log_slave_updates = false;
    r2.using_gtid = crate::core::instance::UsingGtid::No;
    let result = analyze(&Topology::build([m, r1, r2]), &[], NOW, &AnalysisConfig::default());
    assert_eq!(result[0].analysis, AnalysisCode::NoProblem);
    assert_eq!(
        result[0].structure_analysis,
        vec![
            AnalysisCode::NoLoggingReplicasStructureWarning,
            AnalysisCode::NoFailoverSupportStructureWarning,
            AnalysisCode::ErrantGTIDStructureWarning,
            AnalysisCode::NoWriteableMasterStructureWarning,
        ]
    );
    assert_eq!(
        result[0].analysis_string(),
        "NoLoggingReplicasStructureWarning, NoFailoverSupportStructureWarning, ErrantGTIDStructureWarning, NoWriteableMasterStructureWarning"
    );
}
