//! Golden recovery-kind table: `tests/cases/recovery_kinds.json` lists every analysis code with
//! the recovery that handles it, its orchestrator recovery type and whether the leader registers
//! a failure detection for it. `AnalysisCode::ALL` is generated from the enum itself, so a code
//! added without a row here fails `the_table_lists_every_code_once`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use app::core::analysis_code::AnalysisCode;
use app::core::recovery_kind::RecoveryKind;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[allow(dead_code)] // Documentation for the reader of the fixture.
    description: String,
    codes: BTreeMap<String, Row>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    kind: Option<RecoveryKind>,
    #[serde(rename = "type")]
    orchestrator_type: String,
    detection: bool,
}

fn table() -> Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/recovery_kinds.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn actual(code: AnalysisCode) -> Row {
    Row {
        kind: code.recovery_kind(),
        orchestrator_type: code
            .recovery_kind()
            .map_or(String::new(), |k| k.orchestrator_type().to_string()),
        detection: code.registers_detection(),
    }
}

#[test]
fn the_table_lists_every_code_once() {
    let table = table();
    let names: Vec<&str> = AnalysisCode::ALL.iter().map(|c| c.as_str()).collect();
    let missing: Vec<&&str> = names.iter().filter(|n| !table.codes.contains_key(**n)).collect();
    let unknown: Vec<&String> =
        table.codes.keys().filter(|k| !names.contains(&k.as_str())).collect();
    assert!(missing.is_empty(), "codes without a row in recovery_kinds.json: {missing:?}");
    assert!(unknown.is_empty(), "rows naming no analysis code: {unknown:?}");
}

#[test]
fn every_code_has_the_expected_recovery_kind() {
    let table = table();
    let mut failures = Vec::new();
    for &code in AnalysisCode::ALL {
        let Some(expected) = table.codes.get(code.as_str()) else { continue };
        let got = actual(code);
        if got != *expected {
            failures.push(format!("{code}: expected {expected:?}, got {got:?}"));
        }
        if code.is_actionable() != expected.kind.is_some() {
            failures.push(format!("{code}: is_actionable disagrees with its kind"));
        }
        if expected.kind.is_some() && !expected.detection {
            failures.push(format!("{code}: a recovered code must also register a detection"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_recovery_kind_handles_a_code() {
    let table = table();
    for &kind in RecoveryKind::ALL {
        assert!(table.codes.values().any(|r| r.kind == Some(kind)), "{kind:?} handles no code");
    }
}
