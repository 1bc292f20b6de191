//! Failure detection and recovery: the analysis loop every node runs, and the recoveries only
//! the raft leader runs (registered through raft before any server is touched).

pub mod agreement;
pub mod analysis_loop;
pub mod changelog;
pub mod co_master;
pub mod dead_master;
pub mod graceful;
pub mod intermediate;
pub mod non_writeable;
pub mod runner;
pub mod semi_sync;

use std::sync::Arc;

pub use crate::analysis_state::{AnalysisSnapshot, AnalysisState};
pub use runner::{recover, RecoveryError, Trigger};

use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::consensus::Consensus;
use crate::probe::Prober;
use crate::propose::Proposer;
use crate::store::Store;

/// What detection and recovery use: the node's membership, its write path, its store and
/// observations, and the configuration.
pub struct Context {
    /// This node as a raft member (leadership checks).
    pub consensus: Consensus,
    /// The write path into raft.
    pub proposer: Proposer,
    /// This node's backend.
    pub store: Store,
    /// The latest analysis of this node's observations.
    pub analysis: Arc<AnalysisState>,
    /// Probes MySQL servers now (re-checks before a change).
    pub prober: Prober,
    /// Validated configuration (`recovery`, `discovery`).
    pub config: Arc<NodeConfig>,
    /// Proposers' clock.
    pub clock: Arc<dyn Clock>,
}

impl Context {
    /// What topology operations use, from this context.
    pub fn ops_context(&self) -> crate::topology_ops::Context {
        crate::topology_ops::Context {
            consensus: self.consensus.clone(),
            proposer: self.proposer.clone(),
            analysis: self.analysis.clone(),
            prober: self.prober.clone(),
            config: self.config.clone(),
            store: self.store.clone(),
            clock: self.clock.clone(),
        }
    }

    /// What KV master discovery uses, from this context.
    pub fn kv_context(&self) -> crate::kv::masters::Context {
        crate::kv::masters::Context {
            consensus: self.consensus.clone(),
            proposer: self.proposer.clone(),
            store: self.store.clone(),
            analysis: self.analysis.clone(),
            config: self.config.clone(),
            clock: self.clock.clone(),
        }
    }
}
