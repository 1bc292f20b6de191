//! `relocate` (the method chosen by the core, as orchestrator's `relocateBelowInternal`), the
//! operations on several replicas (`relocate-replicas`, `move-replicas-gtid`,
//! `move-up-replicas`, `take-siblings`, `repoint-replicas`, `regroup-replicas[-gtid]`), and the
//! `can-replicate-from[-gtid]` checks.

use app::core::candidate::{choose_candidate, registered_rules};
use app::core::operation::Op;
use app::core::operation_result::{OpError, OpResult};
use app::core::relocation::{
    check_can_replicate, check_gtid_move, is_descendant, plan_relocation, Method, Refusal,
};
use app::core::{Instance, InstanceKey};

use super::Ops;

impl Ops {
    /// `relocate`: below `target` by whatever method applies.
    pub async fn relocate(
        &self,
        key: &InstanceKey,
        target: &InstanceKey,
    ) -> Result<Instance, OpError> {
        let mut fresh = self.read_all(&[key.clone(), target.clone()]).await?;
        if let Some(master) = fresh[0].master_key.clone() {
            if &master != target {
                if let Ok(m) = self.read(&master).await {
                    fresh.push(m);
                }
            }
        }
        let method = plan_relocation(&self.topology_with(&fresh), key, target)?;
        let op = Op::Relocate { below: target.clone() };
        match method {
            Method::Repoint => self.repoint(key, Some(target)).await,
            Method::Gtid => self.move_gtid(key, target, &op).await,
            Method::MoveBelow => self.move_below(key, target).await,
            Method::MoveUp => self.move_up(key).await,
        }
    }

    /// Runs `each` on every key, collecting the moved instances and the errors.
    async fn each<'a, F, Fut>(
        &'a self,
        keys: Vec<InstanceKey>,
        each: F,
    ) -> Result<OpResult, OpError>
    where
        F: Fn(InstanceKey) -> Fut,
        Fut: std::future::Future<Output = Result<Instance, OpError>> + 'a,
    {
        let (mut moved, mut errors) = (Vec::new(), Vec::new());
        let total = keys.len();
        for key in keys {
            match each(key.clone()).await {
                Ok(i) => moved.push(i),
                Err(e) => errors.push(format!("{key}: {e}")),
            }
        }
        if total > 0 && moved.is_empty() {
            return Err(OpError::Invalid(format!(
                "Error on all {total} operations: {}",
                errors.join("; ")
            )));
        }
        Ok(OpResult::Replicas { moved, errors })
    }

    /// `relocate-replicas` (`gtid_only`: `move-replicas-gtid`): every replica of `key` below
    /// `target`.
    pub async fn relocate_replicas(
        &self,
        key: &InstanceKey,
        target: &InstanceKey,
        gtid_only: bool,
    ) -> Result<OpResult, OpError> {
        let replicas: Vec<InstanceKey> =
            self.replicas_of(key).into_iter().filter(|r| r != target).collect();
        let topology = self.topology_with(&[]);
        if let Some(r) = replicas.iter().find(|r| is_descendant(&topology, target, r)) {
            return Err(Refusal::WouldLoop { key: r.clone(), target: target.clone() }.into());
        }
        let op = Op::MoveReplicasGtid { below: target.clone() };
        self.each(replicas, |r| {
            let op = op.clone();
            async move {
                if gtid_only {
                    self.move_gtid(&r, target, &op).await
                } else {
                    self.relocate(&r, target).await
                }
            }
        })
        .await
    }

    /// `move-up-replicas`: every replica of `key` moves up one level.
    pub async fn move_up_replicas(&self, key: &InstanceKey) -> Result<OpResult, OpError> {
        let instance = self.read(key).await?;
        if !instance.is_replica() {
            return Err(Refusal::NotReplica { key: key.clone() }.into());
        }
        self.each(self.replicas_of(key), |r| async move { self.move_up(&r).await }).await
    }

    /// `take-siblings`: the siblings of `key` move below it.
    pub async fn take_siblings(&self, key: &InstanceKey) -> Result<OpResult, OpError> {
        let instance = self.read(key).await?;
        let master =
            instance.master_key.clone().ok_or_else(|| Refusal::NotReplica { key: key.clone() })?;
        let siblings: Vec<InstanceKey> =
            self.replicas_of(&master).into_iter().filter(|s| s != key).collect();
        self.each(siblings, |s| async move { self.relocate(&s, key).await }).await
    }

    /// `repoint-replicas`: every replica of `key` is repointed at it.
    pub async fn repoint_replicas(&self, key: &InstanceKey) -> Result<OpResult, OpError> {
        self.each(self.replicas_of(key), |r| async move { self.repoint(&r, Some(key)).await }).await
    }

    /// `regroup-replicas[-gtid]`: the best replica of `key` takes its siblings.
    pub async fn regroup(&self, key: &InstanceKey, gtid_only: bool) -> Result<OpResult, OpError> {
        let replicas = self.read_all(&self.replicas_of(key)).await?;
        let master = self.read(key).await.ok();
        let dc = master.as_ref().map(|m| m.data_center.as_str());
        let choice = choose_candidate(key, &replicas, &registered_rules(&replicas), dc)
            .map_err(|e| OpError::Invalid(e.to_string()))?;
        let candidate = choice.chosen.clone();
        let op = Op::MoveBelowGtid { below: candidate.clone() };
        let mut moved = Vec::new();
        let mut lost = choice.lost.clone();
        for r in choice.equal.iter().chain(choice.later.iter()) {
            let result = if gtid_only {
                self.move_gtid(r, &candidate, &op).await
            } else {
                self.relocate(r, &candidate).await
            };
            match result {
                Ok(_) => moved.push(r.clone()),
                Err(e) => {
                    tracing::warn!(replica = %r, error = %e, "regroup could not move a replica");
                    lost.push(r.clone());
                }
            }
        }
        let promoted = Box::new(self.read(&candidate).await?);
        Ok(OpResult::Promoted { promoted, moved, lost })
    }

    /// `can-replicate-from[-gtid]`: answered from this node's observations, changing nothing.
    pub async fn can_replicate(
        &self,
        key: &InstanceKey,
        target: &InstanceKey,
        gtid: bool,
    ) -> Result<OpResult, OpError> {
        let snapshot = self.ctx.analysis.get();
        let read = |k: &InstanceKey| {
            snapshot
                .topology
                .instance(k)
                .cloned()
                .ok_or_else(|| OpError::Invalid(format!("Cannot read instance: {k}")))
        };
        let (instance, other) = (read(key)?, read(target)?);
        let mut verdict = check_can_replicate(&instance, &other).map(|_| ());
        if gtid && verdict.is_ok() {
            verdict = check_gtid_move(&instance, &other, "").map(|_| ());
        }
        Ok(match verdict {
            Ok(()) => OpResult::Check { can: true, reason: None },
            Err(r) => OpResult::Check { can: false, reason: Some(r.to_string()) },
        })
    }
}
