//! Instance problems: what is wrong with one instance and how bad it is, defined once for the
//! instance JSON `Problems`, `/api/problems` and the dashboard's badges.
//!
//! Two sources, in one list: orchestrator's per-instance words (`last_check_invalid`,
//! `not_recently_checked`, `not_replicating`, `replication_lag`, `errant_gtid`, as its
//! `readInstanceRow` computes them) and, when given, the instance's analysis entry (its code and
//! structure warnings, by their orchestrator names). orchestrator's instance JSON carries only the
//! words: it is built without the analysis.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::core::analysis::{AnalysisConfig, ReplicationAnalysis};
use crate::core::analysis_code::AnalysisCode;
use crate::core::error::DomainError;
use crate::core::instance::Instance;

/// How bad a problem is, least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// Worth a look, nothing is failing: structure warnings, lag, errant GTIDs.
    Warning,
    /// Something is failing, and automated recovery does not act on it.
    Error,
    /// A failure automated recovery acts on (its analysis code has a recovery kind).
    Critical,
}

/// One problem of an instance, serialized as its orchestrator name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// `last_check_invalid`: the last probe failed.
    LastCheckInvalid,
    /// `not_recently_checked`: no probe for more than 5 × `InstancePollSeconds`.
    NotRecentlyChecked,
    /// `not_replicating`: a replica whose IO or SQL thread is not running.
    NotReplicating,
    /// `replication_lag`: lag, net of `SQL_Delay`, above `ReasonableReplicationLagSeconds`.
    ReplicationLag,
    /// `errant_gtid`: transactions its master does not have.
    ErrantGtid,
    /// Its analysis entry: a failure code or a structure warning.
    Analysis(AnalysisCode),
}

/// orchestrator's per-instance words, in its order.
const WORDS: [Problem; 5] = [
    Problem::LastCheckInvalid,
    Problem::NotRecentlyChecked,
    Problem::NotReplicating,
    Problem::ReplicationLag,
    Problem::ErrantGtid,
];

impl Problem {
    /// The orchestrator name (`last_check_invalid`, `DeadMaster`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Problem::LastCheckInvalid => "last_check_invalid",
            Problem::NotRecentlyChecked => "not_recently_checked",
            Problem::NotReplicating => "not_replicating",
            Problem::ReplicationLag => "replication_lag",
            Problem::ErrantGtid => "errant_gtid",
            Problem::Analysis(code) => code.as_str(),
        }
    }

    /// How bad it is.
    pub fn severity(self) -> Severity {
        match self {
            Problem::LastCheckInvalid | Problem::NotRecentlyChecked | Problem::NotReplicating => {
                Severity::Error
            }
            Problem::ReplicationLag | Problem::ErrantGtid => Severity::Warning,
            Problem::Analysis(code) if code.is_actionable() => Severity::Critical,
            Problem::Analysis(code) if code.is_structure_warning() => Severity::Warning,
            Problem::Analysis(_) => Severity::Error,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Problem {
    type Err = DomainError;

    /// Parses an orchestrator name, exactly (case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match WORDS.iter().find(|w| w.name() == s) {
            Some(&word) => Ok(word),
            None => s
                .parse::<AnalysisCode>()
                .map(Problem::Analysis)
                .map_err(|_| DomainError::field("problem", format!("unknown problem {s:?}"))),
        }
    }
}

impl Serialize for Problem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Problem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock and thresholds problems are judged with (orchestrator's config keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemContext {
    /// Now (unix ms).
    pub now_ms: i64,
    /// `InstancePollSeconds`.
    pub instance_poll_seconds: i64,
    /// `ReasonableReplicationLagSeconds`.
    pub reasonable_replication_lag_seconds: i64,
}

impl ProblemContext {
    /// The thresholds of `config` at `now_ms`.
    pub fn new(now_ms: i64, config: &AnalysisConfig) -> Self {
        ProblemContext {
            now_ms,
            instance_poll_seconds: config.instance_poll_seconds,
            reasonable_replication_lag_seconds: config.reasonable_replication_lag_seconds,
        }
    }

    /// Whole seconds since the instance's last check (0 for a check in the future).
    pub fn seconds_since_checked(&self, instance: &Instance) -> i64 {
        (self.now_ms - instance.last_checked_ms).max(0) / 1000
    }

    /// orchestrator's `IsRecentlyChecked`: checked within 5 × `InstancePollSeconds`.
    pub fn is_recently_checked(&self, instance: &Instance) -> bool {
        self.seconds_since_checked(instance) <= self.instance_poll_seconds * 5
    }

    fn lag_exceeds(&self, lag: Option<i64>, instance: &Instance) -> bool {
        lag.is_some_and(|lag| {
            (lag - i64::from(instance.sql_delay)).abs() > self.reasonable_replication_lag_seconds
        })
    }
}

/// orchestrator's words for `instance` (its `readInstanceRow`): the first of invalid check,
/// stale check, stopped replication or lag, then errant GTIDs.
fn words(instance: &Instance, ctx: &ProblemContext) -> Vec<Problem> {
    let mut out = Vec::new();
    if !instance.is_last_check_valid {
        out.push(Problem::LastCheckInvalid);
    } else if !ctx.is_recently_checked(instance) {
        out.push(Problem::NotRecentlyChecked);
    } else if instance.is_replica() && !instance.replication_running() {
        out.push(Problem::NotReplicating);
    } else if ctx.lag_exceeds(instance.replication_lag_seconds, instance) {
        out.push(Problem::ReplicationLag);
    }
    if !instance.gtid_errant.is_empty() {
        out.push(Problem::ErrantGtid);
    }
    out
}

/// Most severe first; equal severities keep their order.
fn by_severity(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity()));
    problems
}

/// The code of an analysis entry as a problem (none for `NoProblem`).
fn code_problem(analysis: &ReplicationAnalysis) -> Option<Problem> {
    Some(analysis.analysis).filter(|c| *c != AnalysisCode::NoProblem).map(Problem::Analysis)
}

/// The structure warnings of an analysis entry as problems (one that is also its code, as
/// `NoWriteableMasterStructureWarning` can be, only once).
fn structure_problems(analysis: &ReplicationAnalysis) -> impl Iterator<Item = Problem> + '_ {
    let code = analysis.analysis;
    analysis.structure_analysis.iter().filter(move |&&c| c != code).map(|&c| Problem::Analysis(c))
}

/// The problems an analysis entry names, most severe first: its code (unless `NoProblem`),
/// then its structure warnings.
pub fn analysis_problems(analysis: &ReplicationAnalysis) -> Vec<Problem> {
    by_severity(code_problem(analysis).into_iter().chain(structure_problems(analysis)).collect())
}

/// The problems of `instance`, most severe first; equal severities in this order: its analysis
/// code, orchestrator's words, its structure warnings. `analysis` is the instance's own entry;
/// without it the result is exactly orchestrator's instance JSON `Problems`.
pub fn instance_problems(
    instance: &Instance,
    analysis: Option<&ReplicationAnalysis>,
    ctx: &ProblemContext,
) -> Vec<Problem> {
    let code = analysis.and_then(code_problem);
    let structure = analysis.into_iter().flat_map(structure_problems);
    by_severity(code.into_iter().chain(words(instance, ctx)).chain(structure).collect())
}

/// The most severe of `problems`, if any.
pub fn worst_severity(problems: &[Problem]) -> Option<Severity> {
    problems.iter().map(|p| p.severity()).max()
}

/// Whether `/api/problems` lists the instance (orchestrator's `ReadProblemInstances`): it has
/// one of orchestrator's words, or its `Seconds_Behind_Master` (net of `SQL_Delay`) is above the
/// reasonable lag; and it is not downtimed.
pub fn is_listed_problem(instance: &Instance, downtimed: bool, ctx: &ProblemContext) -> bool {
    let problem = !words(instance, ctx).is_empty()
        || ctx.lag_exceeds(instance.seconds_behind_master, instance);
    problem && !downtimed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let all = WORDS.into_iter().chain(AnalysisCode::ALL.iter().map(|&c| Problem::Analysis(c)));
        for p in all {
            let json = serde_json::to_string(&p).expect("serialize");
            assert_eq!(json, format!("\"{}\"", p.name()));
            assert_eq!(serde_json::from_str::<Problem>(&json).expect("deserialize"), p);
        }
        assert!("LastCheckInvalid".parse::<Problem>().is_err());
    }

    #[test]
    fn severities_follow_the_recovery_kind() {
        assert_eq!(Problem::Analysis(AnalysisCode::DeadMaster).severity(), Severity::Critical);
        assert_eq!(Problem::Analysis(AnalysisCode::DeadCoMaster).severity(), Severity::Critical);
        assert_eq!(Problem::Analysis(AnalysisCode::UnreachableMaster).severity(), Severity::Error);
        let read_only = Problem::Analysis(AnalysisCode::NoWriteableMasterStructureWarning);
        assert_eq!(read_only.severity(), Severity::Critical);
        let mixed = Problem::Analysis(AnalysisCode::StatementAndRowLoggingReplicasStructureWarning);
        assert_eq!(mixed.severity(), Severity::Warning);
        assert!(Severity::Critical > Severity::Error && Severity::Error > Severity::Warning);
    }
}
