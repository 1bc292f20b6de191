//! Maintenance locks an operation holds for its duration, and its audit lines, both through
//! raft: a lock another holder has is a refusal before any server is touched; locks are
//! released when the operation ends, however it ends (and lapse by themselves if the leader
//! dies first).

use app::core::audit::AuditEntry;
use app::core::maintenance::{MaintenanceEnd, MaintenanceRequest, OPERATION_OWNER};
use app::core::operation_result::OpError;
use app::core::{Command, CommandEnvelope, CommandOutcome, InstanceKey};

use super::Ops;

/// Locks taken by one operation.
#[derive(Default)]
pub struct Locks {
    held: Vec<(InstanceKey, i64)>,
}

impl Ops {
    async fn propose(&self, command: Command) -> Result<CommandOutcome, OpError> {
        let env = CommandEnvelope::new(command, self.ctx.clock.now_ms(), self.ctx.consensus.id());
        self.ctx.proposer.propose(env, false).await.map_err(|e| {
            OpError::NotLeader(format!("could not commit through raft, nothing was changed: {e}"))
        })
    }

    /// Fails unless this node leads with a quorum (checked before every change to a server).
    pub fn ensure_leader(&self) -> Result<(), OpError> {
        if self.ctx.consensus.is_leader_with_quorum() {
            Ok(())
        } else {
            Err(OpError::NotLeader(
                "this node is no longer the raft leader with a quorum; stopped".into(),
            ))
        }
    }

    /// Takes the maintenance lock of `key` for `reason`.
    pub async fn lock(
        &self,
        locks: &mut Locks,
        key: &InstanceKey,
        reason: &str,
    ) -> Result<(), OpError> {
        let request = MaintenanceRequest::parse(key.clone(), OPERATION_OWNER, reason, "")
            .map_err(|e| OpError::Invalid(e.to_string()))?;
        let maintenance = request.stamp(self.ctx.clock.now_ms());
        let begins_at_ms = maintenance.begins_at_ms;
        match self.propose(Command::BeginMaintenance(maintenance)).await? {
            CommandOutcome::Applied => {
                locks.held.push((key.clone(), begins_at_ms));
                Ok(())
            }
            CommandOutcome::Skipped { reason } | CommandOutcome::Unchanged { reason } => {
                Err(OpError::Locked(reason))
            }
        }
    }

    /// Releases every lock of `locks`.
    pub async fn unlock(&self, locks: Locks) {
        for (key, begins_at_ms) in locks.held {
            let end = MaintenanceEnd::Lock { key: key.clone(), begins_at_ms };
            if let Err(e) = self.propose(Command::EndMaintenance(end)).await {
                tracing::warn!(%key, error = %e, "could not release a maintenance lock; it lapses by itself");
            }
        }
    }

    /// Replicates a `discover` of `key` (every node adds it to its own discovery).
    pub async fn discovered(&self, key: &InstanceKey) -> Result<(), OpError> {
        self.propose(Command::Discover(key.clone())).await.map(|_| ())
    }

    /// Appends an audit line (logged too; an audit that cannot be committed is only logged).
    pub async fn audit(&self, audit_type: &str, key: &InstanceKey, message: &str) {
        tracing::info!(%key, audit_type, message, "topology operation");
        let entry = AuditEntry::new(self.ctx.clock.now_ms(), audit_type, key.clone(), message);
        if let Err(e) = self.propose(Command::Audit(entry)).await {
            tracing::warn!(%key, error = %e, "could not record the audit line");
        }
    }
}
