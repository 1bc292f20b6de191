//! Golden candidate-choice scenarios: every `tests/cases/candidate/*.json` fixture gives the
//! failed master, its replicas (optionally a rules map and the failed master's data center) and
//! either the exact expected `CandidateChoice` or words the `NoCandidate` message must contain.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use app::core::candidate::{
    choose_candidate, choose_candidate_with, CandidateChoice, PositionBasis, PromotionConstraints,
};
use app::core::instance::Instance;
use app::core::instance_key::InstanceKey;
use app::core::promotion_rule::PromotionRule;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    failed_master: String,
    #[serde(default)]
    failed_dc: Option<String>,
    /// `host:port` → rule; when absent, each instance's own `promotion_rule` applies.
    #[serde(default)]
    rules: Option<BTreeMap<String, PromotionRule>>,
    /// orchestrator's promotion constraints; when present, `failed_dc` is ignored and the
    /// constrained choice (`choose_candidate_with`) runs.
    #[serde(default)]
    constraints: Option<PromotionConstraints>,
    replicas: Vec<Instance>,
    expect: Outcome,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Outcome {
    Choice(ExpectedChoice),
    NoCandidate { message_contains: Vec<String> },
}

#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedChoice {
    chosen: String,
    most_advanced: String,
    basis: PositionBasis,
    ahead: Vec<String>,
    equal: Vec<String>,
    later: Vec<String>,
    cannot_replicate: Vec<String>,
    lost: Vec<String>,
    /// `key: reason` of each replica passed over; compared only when the fixture gives it.
    #[serde(default)]
    passed_over: Option<Vec<String>>,
}

impl From<CandidateChoice> for ExpectedChoice {
    fn from(c: CandidateChoice) -> Self {
        let names = |keys: Vec<InstanceKey>| keys.iter().map(ToString::to_string).collect();
        ExpectedChoice {
            chosen: c.chosen.to_string(),
            most_advanced: c.most_advanced.to_string(),
            basis: c.basis,
            ahead: names(c.ahead),
            equal: names(c.equal),
            later: names(c.later),
            cannot_replicate: names(c.cannot_replicate),
            lost: names(c.lost),
            passed_over: Some(
                c.passed_over.iter().map(|r| format!("{}: {}", r.key, r.reason)).collect(),
            ),
        }
    }
}

fn fixtures() -> Vec<(String, Fixture)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/candidate");
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

fn check(fixture: &Fixture) -> Result<(), String> {
    let failed_master =
        InstanceKey::parse_joined(&fixture.failed_master, 3306).map_err(|e| e.to_string())?;
    let from_map = |key: &InstanceKey| {
        fixture
            .rules
            .as_ref()
            .and_then(|m| m.get(&key.to_string()).copied())
            .unwrap_or(PromotionRule::Neutral)
    };
    let from_instances = |key: &InstanceKey| {
        fixture
            .replicas
            .iter()
            .find(|i| &i.key == key)
            .map_or(PromotionRule::Neutral, |i| i.promotion_rule)
    };
    let rules: &dyn Fn(&InstanceKey) -> PromotionRule =
        if fixture.rules.is_some() { &from_map } else { &from_instances };
    let result = match &fixture.constraints {
        Some(c) => choose_candidate_with(&failed_master, &fixture.replicas, rules, c),
        None => {
            choose_candidate(&failed_master, &fixture.replicas, rules, fixture.failed_dc.as_deref())
        }
    };
    match (&fixture.expect, result) {
        (Outcome::Choice(expected), Ok(choice)) => {
            let mut got = ExpectedChoice::from(choice);
            if expected.passed_over.is_none() {
                got.passed_over = None;
            }
            if &got == expected {
                Ok(())
            } else {
                Err(format!("expected {expected:?}\n  got      {got:?}"))
            }
        }
        (Outcome::NoCandidate { message_contains }, Err(err)) => {
            let message = err.to_string();
            let missing: Vec<&String> =
                message_contains.iter().filter(|m| !message.contains(m.as_str())).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("message {message:?} lacks {missing:?}"))
            }
        }
        (Outcome::Choice(_), Err(err)) => Err(format!("expected a choice, got NoCandidate: {err}")),
        (Outcome::NoCandidate { .. }, Ok(choice)) => {
            Err(format!("expected NoCandidate, got {choice:?}"))
        }
    }
}

#[test]
fn every_candidate_fixture_gives_the_expected_choice() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 5, "only {} fixtures found", fixtures.len());
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|(name, f)| check(f).err().map(|e| format!("{name}: {}\n  {e}", f.description)))
        .collect();
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn required_scenarios_are_present() {
    let names: Vec<String> = fixtures().into_iter().map(|(name, _)| name).collect();
    for required in [
        "delayed_replica_does_not_win",
        "must_not_never_promoted",
        "prefer_beats_neutral_at_equal_position",
        "same_dc_preferred_at_equal_rule_and_position",
        "no_valid_candidate",
        "cross_dc_prevented_promotes_same_dc",
        "cross_dc_prevented_none_qualifies",
        "cross_region_prevented",
        "lagging_candidate_refused",
        "sql_thread_not_up_to_date_refused",
        "errant_gtid_passed_over",
        "errant_gtid_allowed_when_forced",
    ] {
        assert!(names.iter().any(|n| n == required), "missing fixture {required}.json");
    }
}
