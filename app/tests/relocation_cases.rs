//! Golden relocation scenarios: every `tests/cases/relocation/*.json` fixture is a topology of
//! observed instances and a list of questions — how would `key` get below `target` (relocate),
//! may it move up, below a sibling, take its master, become co-master, move by GTID — each with
//! the expected method (`gtid`, `repoint`, `move-below`, `move-up`), `ok`, or the refusal kind
//! (`would_loop`, `cannot_replicate`, `not_gtid_compatible`, …).

use std::fs;
use std::path::{Path, PathBuf};

use app::core::instance::Instance;
use app::core::instance_key::InstanceKey;
use app::core::relocation::{
    check_gtid_move, known, plan_make_co_master, plan_move_below, plan_move_up, plan_relocation,
    plan_take_master, Refusal, MAINTENANCE_LAG_SECONDS,
};
use app::core::topology::Topology;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    instances: Vec<Instance>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// `relocate`, `move-up`, `move-below`, `take-master`, `make-co-master`, `move-gtid`.
    plan: String,
    key: String,
    #[serde(default)]
    target: Option<String>,
    /// A method, `ok`, or a refusal kind.
    expect: String,
}

fn fixtures() -> Vec<(String, Fixture)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/relocation");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("cases dir")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).expect("read fixture");
            let fixture = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parse {}: {e}", p.display()));
            (p.file_stem().expect("stem").to_string_lossy().into_owned(), fixture)
        })
        .collect()
}

fn key(text: &str) -> InstanceKey {
    InstanceKey::parse_joined(text, 3306).expect("key")
}

/// The refusal's kind, as its serde tag.
fn kind(r: &Refusal) -> String {
    serde_json::to_value(r).expect("refusal json")["refusal"].as_str().unwrap_or("").to_string()
}

fn answer(topology: &Topology, case: &Case) -> String {
    let k = key(&case.key);
    let target = || key(case.target.as_deref().expect("target"));
    let outcome: Result<String, Refusal> = match case.plan.as_str() {
        "relocate" => plan_relocation(topology, &k, &target())
            .map(|m| serde_json::to_value(m).expect("method").as_str().unwrap_or("").to_string()),
        "move-up" => plan_move_up(topology, &k).map(|_| "ok".into()),
        "move-below" => {
            plan_move_below(topology, &k, &target(), MAINTENANCE_LAG_SECONDS).map(|_| "ok".into())
        }
        "take-master" => plan_take_master(topology, &k).map(|_| "ok".into()),
        "make-co-master" => plan_make_co_master(topology, &k).map(|_| "ok".into()),
        "move-gtid" => known(topology, &k).and_then(|i| {
            let t = known(topology, &target())?;
            check_gtid_move(i, t, "").map(|c| match c {
                app::core::relocation::CatchUp::None => "ok".to_string(),
                app::core::relocation::CatchUp::TargetReaches(_) => "catch-up".to_string(),
            })
        }),
        other => panic!("unknown plan {other}"),
    };
    match outcome {
        Ok(text) => text,
        Err(r) => kind(&r),
    }
}

#[test]
fn relocation_rules_match_the_golden_cases() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 3, "expected the relocation fixtures");
    let mut failures = Vec::new();
    for (name, fixture) in &fixtures {
        let topology = Topology::build(fixture.instances.clone());
        for case in &fixture.cases {
            let got = answer(&topology, case);
            if got != case.expect {
                failures.push(format!(
                    "{name} ({}): {} {} -> {:?}: expected {}, got {got}",
                    fixture.description, case.plan, case.key, case.target, case.expect
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
