//! Pure domain core: orchestrator's vocabulary as types, and the rules on them.
//!
//! Nothing here performs I/O, reads a clock or spawns tasks: `now` is always a
//! parameter. The module also compiles to wasm for the dashboard, which keeps
//! it honest (a tokio or sqlx import would break the hydrate build).

pub mod analysis;
pub mod analysis_code;
mod analysis_counts;
mod analysis_rules;
pub mod audit;
pub mod binlog;
pub mod candidate;
pub mod cluster_filter;
pub mod command;
pub mod discovery_metrics;
pub mod downtime;
pub mod duration;
pub mod envelope;
pub mod errant_gtid;
pub mod error;
pub mod failure_agreement;
pub mod gtid;
pub mod host_filter;
pub mod instance;
pub mod instance_key;
pub mod kv;
pub mod maintenance;
pub mod membership;
pub mod operation;
pub mod operation_result;
pub mod osc;
pub mod probe_share;
pub mod problems;
pub mod promotion_plan;
pub mod promotion_rule;
pub mod recovery;
pub mod recovery_kind;
pub mod recovery_run;
pub mod refusal;
pub mod relocation;
pub mod semi_sync;
pub mod tag;
pub mod time_fmt;
pub mod topology;
pub mod topology_ascii;
pub mod unresolve;

pub use analysis::{analyze, AnalysisConfig, ReplicationAnalysis};
pub use analysis_code::AnalysisCode;
pub use candidate::{choose_candidate, CandidateChoice, NoCandidate};
pub use cluster_filter::ClusterFilters;
pub use command::{Command, Proposal};
pub use downtime::{Downtime, DowntimeRequest, DEFAULT_DOWNTIME_MS};
pub use envelope::{CommandEnvelope, CommandOutcome, COMMAND_VERSION};
pub use error::DomainError;
pub use instance::Instance;
pub use instance_key::InstanceKey;
pub use problems::{Problem, ProblemContext, Severity};
pub use promotion_rule::{CandidateRegistration, PromotionRule};
pub use recovery_kind::RecoveryKind;
pub use topology::{ClusterInfo, Topology};
