//! Golden failure-analysis scenarios: every `tests/cases/analysis/*.json` fixture is a topology
//! (instances, downtimes, `now_ms`, optional config) and the exact analysis expected of it.
//! Every analysis code has a fixture named after it in snake_case (`DeadMaster` →
//! `dead_master.json`) whose expectations include that code; other fixtures cover variants.

use std::fs;
use std::path::{Path, PathBuf};

use app::core::analysis::{analyze, AnalysisConfig};
use app::core::analysis_code::AnalysisCode;
use app::core::downtime::Downtime;
use app::core::instance::Instance;
use app::core::topology::Topology;
use serde::Deserialize;

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
    expect: Vec<Expected>,
}

/// One expected entry; `structure` defaults to none, so warnings must be listed to pass.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    key: String,
    code: AnalysisCode,
    skippable: bool,
    #[serde(default)]
    structure: Vec<AnalysisCode>,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/analysis")
}

fn load(path: &Path) -> Fixture {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn fixtures() -> Vec<(String, Fixture)> {
    let mut paths: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("cases dir")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| (p.file_stem().expect("stem").to_string_lossy().into_owned(), load(p)))
        .collect()
}

/// `DifferentGTIDModesStructureWarning` → `different_gtid_modes_structure_warning`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev_lower = chars[i - 1].is_ascii_lowercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev_lower || (chars[i - 1].is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn run(fixture: &Fixture) -> Vec<Expected> {
    let topology = Topology::build(fixture.instances.clone());
    analyze(&topology, &fixture.downtimes, fixture.now_ms, &fixture.config)
        .into_iter()
        .map(|a| Expected {
            key: a.analyzed_instance_key.to_string(),
            code: a.analysis,
            skippable: a.skippable_due_to_downtime,
            structure: a.structure_analysis,
        })
        .collect()
}

#[test]
fn every_fixture_gives_exactly_the_expected_analysis() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= AnalysisCode::ALL.len(), "only {} fixtures found", fixtures.len());
    let mut failures = Vec::new();
    for (name, fixture) in &fixtures {
        let got = run(fixture);
        if got != fixture.expect {
            failures.push(format!(
                "{name}: {}\n  expected: {:?}\n  got:      {:?}",
                fixture.description, fixture.expect, got
            ));
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_code_has_a_fixture_that_produces_it() {
    let fixtures = fixtures();
    let mut missing = Vec::new();
    for &code in AnalysisCode::ALL {
        let name = snake_case(code.as_str());
        match fixtures.iter().find(|(stem, _)| *stem == name) {
            None => missing.push(format!("{code}: no {name}.json")),
            Some((_, fixture)) => {
                let produced =
                    fixture.expect.iter().any(|e| e.code == code || e.structure.contains(&code));
                if !produced {
                    missing.push(format!("{code}: {name}.json does not expect it"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn snake_case_handles_acronyms() {
    assert_eq!(snake_case("DeadMaster"), "dead_master");
    assert_eq!(
        snake_case("DifferentGTIDModesStructureWarning"),
        "different_gtid_modes_structure_warning"
    );
    assert_eq!(snake_case("ErrantGTIDStructureWarning"), "errant_gtid_structure_warning");
    assert_eq!(snake_case("NoProblem"), "no_problem");
}
