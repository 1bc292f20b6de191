//! Moves by GTID (`move-below-gtid`, and `relocate` when GTID applies) and `repoint`: the
//! instance is stopped, pointed at its new master keeping its GTID positioning, and started;
//! a MariaDB target that is behind is waited for first, so the instance never connects to a
//! master that lacks what it already executed.

use app::core::instance::Flavor;
use app::core::operation::Op;
use app::core::operation_result::OpError;
use app::core::relocation::{
    check_can_replicate, check_gtid_move, gtid_compatible, is_descendant, CatchUp, Refusal,
};
use app::core::{Instance, InstanceKey};

use super::dialect::Position;
use super::lock::Locks;
use super::steps::{self, Stopped};
use super::{unchanged, Ops};

/// [`Position::Executed`] resolved: GTID keeps itself, binlog replication its coordinates.
pub fn executed(
    instance: &Instance,
    exec: Option<app::core::instance::BinlogCoordinates>,
) -> Position {
    match exec {
        Some(c) if !instance.using_gtid.is_gtid() => Position::Coordinates(c),
        _ => Position::Keep,
    }
}

impl Ops {
    /// Moves `key` below `target` by GTID, after every check; answers the instance after.
    pub async fn move_gtid(
        &self,
        key: &InstanceKey,
        target: &InstanceKey,
        op: &Op,
    ) -> Result<Instance, OpError> {
        if key == target {
            return Err(Refusal::SelfTarget { key: key.clone() }.into());
        }
        let fresh = self.read_all(&[key.clone(), target.clone()]).await?;
        let (instance, other) = (&fresh[0], &fresh[1]);
        if is_descendant(&self.topology_with(&fresh), target, key) {
            return Err(Refusal::WouldLoop { key: key.clone(), target: target.clone() }.into());
        }
        check_can_replicate(instance, other)?;
        let purged = self.gtid_purged(other).await?;
        let catch_up = check_gtid_move(instance, other, &purged)?;
        let mut locks = Locks::default();
        self.lock(&mut locks, key, &format!("{} below {target}", op.name())).await?;
        let result = self.move_gtid_locked(instance, other, catch_up).await;
        self.unlock(locks).await;
        result?;
        self.read(key).await
    }

    /// MySQL: the target's `gtid_purged` (empty on MariaDB).
    async fn gtid_purged(&self, target: &Instance) -> Result<String, OpError> {
        if target.flavor != Flavor::MySQL {
            return Ok(String::new());
        }
        let mut s = self.session(target).await.map_err(unchanged)?;
        let sql = s.dialect.gtid_purged().unwrap_or("SELECT ''");
        let r = s.scalar(sql).await;
        s.close().await;
        Ok(r.map_err(unchanged)?.unwrap_or_default())
    }

    async fn move_gtid_locked(
        &self,
        instance: &Instance,
        other: &Instance,
        catch_up: CatchUp,
    ) -> Result<(), OpError> {
        if let CatchUp::TargetReaches(position) = catch_up {
            let mut t = self.session(other).await.map_err(unchanged)?;
            let r = steps::wait_gtid(&mut t, other.flavor, &position).await;
            t.close().await;
            r.map_err(|e| OpError::Failed {
                message: format!(
                    "{} is behind {} and did not catch up: {e}; nothing was changed",
                    other.key, instance.key
                ),
                left_stopped: Vec::new(),
            })?;
        }
        self.change_master(instance, &other.key, Position::Keep).await
    }

    /// Stops `instance`, points it at `master` at `position`, starts it; on failure starts it
    /// again and says whether that worked.
    pub async fn change_master(
        &self,
        instance: &Instance,
        master: &InstanceKey,
        position: Position,
    ) -> Result<(), OpError> {
        self.ensure_leader()?;
        let master = &self.master_to_name(master).await?;
        let mut s = self.session(instance).await.map_err(unchanged)?;
        let mut stopped = Stopped::default();
        let outcome = async {
            steps::stop(&mut s).await?;
            stopped.add(instance);
            let position = match position {
                Position::Executed => {
                    let exec = s.status().await?.and_then(|st| st.exec);
                    executed(instance, exec)
                }
                other => other,
            };
            let sql = s.dialect.change_master(master, &position);
            s.exec(&sql).await?;
            steps::start(&mut s).await?;
            stopped.started(&instance.key);
            Ok(())
        }
        .await;
        s.close().await;
        self.settle(outcome, stopped).await
    }

    /// An outcome of steps: on failure, starts what was stopped and reports what was left.
    pub async fn settle(
        &self,
        outcome: Result<(), super::session::StepError>,
        stopped: Stopped,
    ) -> Result<(), OpError> {
        match outcome {
            Ok(()) => Ok(()),
            Err(e) => {
                let left_stopped = self.restart(stopped).await;
                Err(OpError::Failed { message: e.to_string(), left_stopped })
            }
        }
    }

    /// `repoint`: to the same master at the executed coordinates (relay logs rebuilt), or to
    /// another one by GTID; by coordinates to another master is refused.
    pub async fn repoint(
        &self,
        key: &InstanceKey,
        below: Option<&InstanceKey>,
    ) -> Result<Instance, OpError> {
        let instance = self.read(key).await?;
        let master =
            instance.master_key.clone().ok_or_else(|| Refusal::NotReplica { key: key.clone() })?;
        let target = below.cloned().unwrap_or_else(|| master.clone());
        if target != master {
            let other = self.read(&target).await?;
            if !gtid_compatible(&instance, &other) {
                return Err(Refusal::RepointNeedsGtid { key: key.clone(), target }.into());
            }
            return self
                .move_gtid(key, &target, &Op::Repoint { below: Some(target.clone()) })
                .await;
        }
        let position = Position::Executed;
        let mut locks = Locks::default();
        self.lock(&mut locks, key, "repoint").await?;
        let result = self.change_master(&instance, &master, position).await;
        self.unlock(locks).await;
        result?;
        self.read(key).await
    }
}
