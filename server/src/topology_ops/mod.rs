//! Topology operations on MySQL servers, run by the raft leader only: replica and instance
//! control (`control`), relocation by GTID (`gtid_moves`) or binlog coordinates
//! (`binlog_moves`), and the same on several replicas (`replicas`). Every operation re-reads
//! the live state of the servers it touches (`live`), decides with the core's rules
//! (`app::core::relocation`), takes maintenance locks and records its outcome in the audit log
//! through raft (`lock`), checks leadership before each change, and starts again any replica
//! it stopped when it fails (`steps`), saying which could not be. The statements a recovery
//! runs on a server (`mysql_ops`) live here too, in the same dialect (`dialect`).

mod binlog_moves;
mod control;
pub mod dialect;
mod errant;
mod gtid_moves;
mod live;
mod lock;
pub mod mysql_ops;
mod replicas;
pub mod session;
mod steps;
mod thread_state;
mod unresolve;

pub use unresolve::{master_to_name, UnresolveError};

use std::sync::Arc;
use std::time::Duration;

use app::core::operation::Op;
use app::core::operation_result::{OpError, OpResult, OperationRequest};
use app::core::Instance;

use crate::analysis_state::AnalysisState;
use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::consensus::Consensus;
use crate::probe::Prober;
use crate::propose::Proposer;
use session::StepError;

/// How long an HTTP answer waits for an operation (below the listener's 30 s request timeout);
/// a longer one keeps running and the caller is told so (504, outcome in the audit log).
pub const ANSWER_WAIT: Duration = Duration::from_secs(25);

/// What operations use: the node's membership (leadership checks), its write path (locks and
/// audit), the latest topology, reads of servers now, the configuration and the clock.
pub struct Context {
    /// This node as a raft member (leadership checks).
    pub consensus: Consensus,
    /// The write path into raft.
    pub proposer: Proposer,
    /// The latest analysis of this node's observations.
    pub analysis: Arc<AnalysisState>,
    /// Probes MySQL servers now (each operation re-reads what it touches).
    pub prober: Prober,
    /// Validated configuration (`discovery`, `recovery`).
    pub config: Arc<NodeConfig>,
    /// This node's backend (hostname unresolve registrations).
    pub store: crate::store::Store,
    /// Proposers' clock.
    pub clock: Arc<dyn Clock>,
}

/// The leader's handle for running operations.
pub struct Ops {
    ctx: Arc<Context>,
}

/// A step that failed before anything was changed.
fn unchanged(e: StepError) -> OpError {
    OpError::Failed { message: format!("{e}; nothing was changed"), left_stopped: Vec::new() }
}

/// Runs `request` on this node, which must lead with a quorum; records the outcome in the
/// audit log (successes and failures midway; refusals changed nothing and are only answered).
pub async fn run(ctx: Arc<Context>, request: OperationRequest) -> Result<OpResult, OpError> {
    let ops = Ops { ctx };
    ops.ensure_leader()?;
    let result = ops.dispatch(&request).await;
    if !request.op.is_read_only() {
        match &result {
            Ok(r) => ops.audit(request.op.name(), &request.key, &request.message(r)).await,
            Err(e @ OpError::Failed { .. }) => {
                let audit_type = format!("{}-failed", request.op.name());
                ops.audit(&audit_type, &request.key, &e.to_string()).await
            }
            Err(_) => {}
        }
    }
    result
}

fn one(instance: Instance) -> OpResult {
    OpResult::Instance(Box::new(instance))
}

impl Ops {
    async fn dispatch(&self, r: &OperationRequest) -> Result<OpResult, OpError> {
        let key = &r.key;
        match &r.op {
            Op::Relocate { below } => self.relocate(key, below).await.map(one),
            Op::MoveBelowGtid { below } | Op::MoveEquivalent { below } => {
                self.move_gtid(key, below, &r.op).await.map(one)
            }
            Op::MoveUp => self.move_up(key).await.map(one),
            Op::MoveBelow { sibling } => self.move_below(key, sibling).await.map(one),
            Op::Repoint { below } => self.repoint(key, below.as_ref()).await.map(one),
            Op::TakeMaster => self.take_master(key).await.map(one),
            Op::MakeCoMaster => self.make_co_master(key).await.map(one),
            Op::RelocateReplicas { below } => self.relocate_replicas(key, below, false).await,
            Op::MoveReplicasGtid { below } => self.relocate_replicas(key, below, true).await,
            Op::MoveUpReplicas => self.move_up_replicas(key).await,
            Op::TakeSiblings => self.take_siblings(key).await,
            Op::RepointReplicas => self.repoint_replicas(key).await,
            Op::RegroupReplicas => self.regroup(key, false).await,
            Op::RegroupReplicasGtid => self.regroup(key, true).await,
            Op::CanReplicateFrom { below } => self.can_replicate(key, below, false).await,
            Op::CanReplicateFromGtid { below } => self.can_replicate(key, below, true).await,
            Op::LocateGtidErrant | Op::GtidErrantResetMaster | Op::GtidErrantInjectEmpty => {
                self.errant(key, &r.op).await
            }
            other => self.control(key, other).await,
        }
    }
}
