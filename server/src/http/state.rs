//! What every HTTP handler and the dashboard get: the node's parts through narrow handles.
//!
//! Raft-facing parts are traits (`crate::ports`), so a test builds this state — and the whole
//! router — without raft.

use std::sync::Arc;

use crate::auth::Security;
use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::ports::{Commands, Member, Operations};
use crate::recovery::AnalysisState;
use crate::store::Store;

/// Shared state of the HTTP router. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// This node as a raft member.
    pub member: Arc<dyn Member>,
    /// The write path into raft.
    pub commands: Arc<dyn Commands>,
    /// Leader operations on MySQL servers.
    pub ops: Arc<dyn Operations>,
    /// This node's backend.
    pub store: Store,
    /// The latest analysis of this node's observations.
    pub analysis: Arc<AnalysisState>,
    /// Authentication, authorization and TLS settings.
    pub security: Arc<Security>,
    /// Validated configuration.
    pub config: Arc<NodeConfig>,
    /// The proposers' clock.
    pub clock: Arc<dyn Clock>,
}
