//! Golden instance-problem scenarios: every `tests/cases/problems/*.json` fixture is a topology
//! (instances, downtimes, `now_ms`, optional config); each instance's analysis entry comes from
//! `analyze`, and the fixture gives, for every instance, its exact problems with their severity
//! and whether `/api/problems` lists it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use app::core::analysis::{analyze, AnalysisConfig};
use app::core::downtime::Downtime;
use app::core::instance::Instance;
use app::core::problems::{
    instance_problems, is_listed_problem, Problem, ProblemContext, Severity,
};
use app::core::topology::Topology;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    now_ms: i64,
    #[serde(default)]
    config: AnalysisConfig,
    instances: Vec<Instance>,
    #[serde(default)]
    downtimes: Vec<Downtime>,
    /// `host:port` → what is expected of it; every instance must be listed.
    expect: BTreeMap<String, Expected>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    problems: Vec<Graded>,
    listed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Graded {
    problem: Problem,
    severity: Severity,
}

fn fixtures() -> Vec<(String, Fixture)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/problems");
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

fn run(fixture: &Fixture) -> BTreeMap<String, Expected> {
    let topology = Topology::build(fixture.instances.clone());
    let analyses = analyze(&topology, &fixture.downtimes, fixture.now_ms, &fixture.config);
    let ctx = ProblemContext::new(fixture.now_ms, &fixture.config);
    topology
        .instances()
        .map(|i| {
            let analysis = analyses.iter().find(|a| a.analyzed_instance_key == i.key);
            let downtimed =
                fixture.downtimes.iter().any(|d| d.key == i.key && d.is_active(fixture.now_ms));
            let problems = instance_problems(i, analysis, &ctx)
                .into_iter()
                .map(|problem| Graded { problem, severity: problem.severity() })
                .collect();
            let listed = is_listed_problem(i, downtimed, &ctx);
            (i.key.to_string(), Expected { problems, listed })
        })
        .collect()
}

#[test]
fn every_fixture_gives_exactly_the_expected_problems() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 8, "only {} fixtures found", fixtures.len());
    let mut failures = Vec::new();
    for (name, fixture) in &fixtures {
        let got = run(fixture);
        if got != fixture.expect {
            let got = serde_json::to_string_pretty(&got).unwrap_or_default();
            failures.push(format!("{name}: {}\n  got: {got}", fixture.description));
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn required_scenarios_are_present() {
    let names: Vec<String> = fixtures().into_iter().map(|(name, _)| name).collect();
    for required in [
        "healthy",
        "dead_master",
        "dead_co_master_is_critical",
        "structure_warnings_only",
        "lag_net_of_sql_delay",
        "stale_check_and_errant_gtid",
        "downtimed_is_not_listed",
        "read_only_master_is_critical",
    ] {
        assert!(names.iter().any(|n| n == required), "missing fixture {required}.json");
    }
}
