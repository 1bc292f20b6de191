//! Failure detection and recovery: the analysis loop every node runs, and the recoveries only
//! the raft leader runs (registered through raft before any server is touched).

pub mod analysis_loop;
pub mod dead_master;
pub mod graceful;
pub mod hooks;
pub mod intermediate;
pub mod mysql_ops;
pub mod runner;
pub mod state;

pub use runner::{recover, RecoveryError, Trigger};
pub use state::{AnalysisSnapshot, AnalysisState};
