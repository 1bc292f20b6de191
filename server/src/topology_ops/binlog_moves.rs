//! Moves by binlog coordinates, as orchestrator does them without GTID: `move-below` (stop
//! both siblings, `START SLAVE UNTIL` the one behind reaches the other, point it at the other's
//! own position), `move-up` (stop the master, run the instance until the master's position,
//! take the master's position on the grandparent), `take-master` (the same, then the old master
//! replicates from the instance) and `make-co-master`. When GTID applies it is used instead.

use app::core::operation::Op;
use app::core::operation_result::OpError;
use app::core::relocation::{
    can_move, gtid_compatible, plan_make_co_master, plan_move_below, plan_move_up, plan_take_master,
};
use app::core::{Instance, InstanceKey};

use super::dialect::Position;
use super::lock::Locks;
use super::session::StepError;
use super::steps::{self, Stopped};
use super::{unchanged, Ops};

fn missing(key: &InstanceKey, what: &str) -> StepError {
    StepError { key: key.clone(), what: what.into(), reason: "no executed coordinates".into() }
}

impl Ops {
    /// `move-below`: below a sibling.
    pub async fn move_below(
        &self,
        key: &InstanceKey,
        sibling: &InstanceKey,
    ) -> Result<Instance, OpError> {
        let fresh = self.read_all(&[key.clone(), sibling.clone()]).await?;
        plan_move_below(&self.topology_with(&fresh), key, sibling, self.max_lag())?;
        let (instance, other) = (&fresh[0], &fresh[1]);
        if gtid_compatible(instance, other) {
            return self.move_gtid(key, sibling, &Op::MoveBelow { sibling: sibling.clone() }).await;
        }
        let mut locks = Locks::default();
        self.lock(&mut locks, key, &format!("move below {sibling}")).await?;
        let result = match self.lock(&mut locks, sibling, &format!("{key} moves below this")).await
        {
            Ok(()) => self.move_below_locked(instance, other).await,
            Err(e) => Err(e),
        };
        self.unlock(locks).await;
        result?;
        self.read(key).await
    }

    async fn move_below_locked(
        &self,
        instance: &Instance,
        sibling: &Instance,
    ) -> Result<(), OpError> {
        self.ensure_leader()?;
        let sibling_name = self.master_to_name(&sibling.key).await?;
        let mut si = self.session(instance).await.map_err(unchanged)?;
        let mut ss = self.session(sibling).await.map_err(unchanged)?;
        let mut stopped = Stopped::default();
        let outcome = async {
            steps::stop(&mut si).await?;
            stopped.add(instance);
            steps::stop(&mut ss).await?;
            stopped.add(sibling);
            let ei = si
                .status()
                .await?
                .and_then(|s| s.exec)
                .ok_or_else(|| missing(&instance.key, "read status"))?;
            let es = ss
                .status()
                .await?
                .and_then(|s| s.exec)
                .ok_or_else(|| missing(&sibling.key, "read status"))?;
            if ei < es {
                steps::start_until(&mut si, &es).await?;
            } else if es < ei {
                steps::start_until(&mut ss, &ei).await?;
            }
            // Both executed exactly the same: the sibling's own position is the instance's.
            let position = ss.own_coordinates().await?;
            let sql = si.dialect.change_master(&sibling_name, &Position::Coordinates(position));
            si.exec(&sql).await?;
            steps::start(&mut si).await?;
            stopped.started(&instance.key);
            steps::start(&mut ss).await?;
            stopped.started(&sibling.key);
            Ok(())
        }
        .await;
        si.close().await;
        ss.close().await;
        self.settle(outcome, stopped).await
    }

    /// `move-up`: become a sibling of the master.
    pub async fn move_up(&self, key: &InstanceKey) -> Result<Instance, OpError> {
        let instance = self.read(key).await?;
        let master_key = instance.master_key.clone().ok_or(OpError::Refused(
            app::core::relocation::Refusal::NotReplica { key: key.clone() },
        ))?;
        let fresh = vec![instance, self.read(&master_key).await?];
        let topology = self.topology_with(&fresh);
        let grandparent = plan_move_up(&topology, key)?.clone();
        let (instance, master) = (&fresh[0], &fresh[1]);
        if topology.instance(&grandparent).is_some_and(|g| gtid_compatible(instance, g)) {
            return self.move_gtid(key, &grandparent, &Op::MoveUp).await;
        }
        can_move(instance, self.max_lag())?;
        let mut locks = Locks::default();
        self.lock(&mut locks, key, "move up").await?;
        let result =
            match self.lock(&mut locks, &master_key, &format!("child {key} moves up")).await {
                Ok(()) => self.catch_up_and_swap(instance, master, &grandparent, false).await,
                Err(e) => Err(e),
            };
        self.unlock(locks).await;
        result?;
        self.read(key).await
    }

    /// `take-master`: the instance takes its master's place; the master replicates from it.
    pub async fn take_master(&self, key: &InstanceKey) -> Result<Instance, OpError> {
        let instance = self.read(key).await?;
        let master_key = instance.master_key.clone().ok_or(OpError::Refused(
            app::core::relocation::Refusal::NotReplica { key: key.clone() },
        ))?;
        let fresh = vec![instance, self.read(&master_key).await?];
        let topology = self.topology_with(&fresh);
        let grandparent = plan_take_master(&topology, key)?
            .master_key
            .clone()
            .ok_or_else(|| OpError::Invalid(format!("{master_key} has no master")))?;
        let mut locks = Locks::default();
        self.lock(&mut locks, key, "take master").await?;
        let result =
            match self.lock(&mut locks, &master_key, &format!("{key} takes this master")).await {
                Ok(()) => self.catch_up_and_swap(&fresh[0], &fresh[1], &grandparent, true).await,
                Err(e) => Err(e),
            };
        self.unlock(locks).await;
        result?;
        self.post_take_master(key, &master_key).await;
        self.read(key).await
    }

    /// `PostTakeMasterProcesses`, after a successful take-master: `{successorHost}`/`Port` is the
    /// instance that took over, `{failedHost}`/`Port` the demoted master (also as
    /// `ORC_SUCCESSOR_*` / `ORC_FAILED_*`). A failing hook is audited, not an error.
    async fn post_take_master(&self, successor: &InstanceKey, demoted: &InstanceKey) {
        let cfg = self.ctx.config.recovery();
        if cfg.hooks.post_take_master.is_empty() {
            return;
        }
        let mut hooks = crate::hooks::HookContext::default();
        hooks
            .set("successorHost", successor.hostname.clone())
            .set("successorPort", successor.port.to_string())
            .set("failedHost", demoted.hostname.clone())
            .set("failedPort", demoted.port.to_string());
        let results = crate::hooks::run_all(
            &cfg.hooks.post_take_master,
            &hooks,
            &cfg.shell,
            cfg.hook_timeout,
        )
        .await;
        for r in results.iter().filter(|r| !r.succeeded()) {
            let message = format!("PostTakeMasterProcesses {:?} exited {:?}", r.command, r.code);
            self.audit("take-master-hook-failed", successor, &message).await;
        }
    }

    /// Stops the master, brings the instance to exactly the master's position, points the
    /// instance at the grandparent where the master was, and (`swap`) the master at the
    /// instance. By GTID when both use it, else by coordinates.
    async fn catch_up_and_swap(
        &self,
        instance: &Instance,
        master: &Instance,
        grandparent: &InstanceKey,
        swap: bool,
    ) -> Result<(), OpError> {
        self.ensure_leader()?;
        let grandparent = &self.master_to_name(grandparent).await?;
        // The swapped master names `instance` only when there is a swap.
        let instance_name = match swap {
            true => self.master_to_name(&instance.key).await?,
            false => instance.key.clone(),
        };
        let gtid = gtid_compatible(instance, master) && gtid_compatible(master, instance);
        let mut si = self.session(instance).await.map_err(unchanged)?;
        let mut sm = self.session(master).await.map_err(unchanged)?;
        let mut stopped = Stopped::default();
        let outcome = async {
            steps::stop(&mut sm).await?;
            stopped.add(master);
            let master_exec = sm.status().await?.and_then(|s| s.exec);
            if gtid {
                let position = sm
                    .scalar(match master.flavor {
                        app::core::instance::Flavor::MariaDB => "SELECT @@GLOBAL.gtid_binlog_pos",
                        app::core::instance::Flavor::MySQL => "SELECT @@GLOBAL.gtid_executed",
                    })
                    .await?
                    .unwrap_or_default();
                steps::wait_gtid(&mut si, instance.flavor, &position).await?;
                steps::stop(&mut si).await?;
                stopped.add(instance);
            } else {
                steps::stop(&mut si).await?;
                stopped.add(instance);
                let master_own = sm.own_coordinates().await?;
                steps::start_until(&mut si, &master_own).await?;
            }
            let to_grandparent = match (gtid, master_exec) {
                (true, _) => Position::Keep,
                (false, Some(c)) => Position::Coordinates(c),
                (false, None) => return Err(missing(&master.key, "read status")),
            };
            let sql = si.dialect.change_master(grandparent, &to_grandparent);
            si.exec(&sql).await?;
            if swap {
                let to_instance = if gtid {
                    Position::Keep
                } else {
                    Position::Coordinates(si.own_coordinates().await?)
                };
                let sql = sm.dialect.change_master(&instance_name, &to_instance);
                sm.exec(&sql).await?;
            }
            steps::start(&mut si).await?;
            stopped.started(&instance.key);
            steps::start(&mut sm).await?;
            stopped.started(&master.key);
            Ok(())
        }
        .await;
        si.close().await;
        sm.close().await;
        self.settle(outcome, stopped).await
    }

    /// `make-co-master`: the master replicates from this replica.
    pub async fn make_co_master(&self, key: &InstanceKey) -> Result<Instance, OpError> {
        let instance = self.read(key).await?;
        let master_key = instance.master_key.clone().ok_or(OpError::Refused(
            app::core::relocation::Refusal::NotReplica { key: key.clone() },
        ))?;
        let fresh = vec![instance, self.read(&master_key).await?];
        plan_make_co_master(&self.topology_with(&fresh), key)?;
        let (instance, master) = (&fresh[0], &fresh[1]);
        let mut locks = Locks::default();
        self.lock(&mut locks, key, &format!("make co-master of {master_key}")).await?;
        let result = match self
            .lock(&mut locks, &master_key, &format!("{key} turns into co-master of this"))
            .await
        {
            Ok(()) => self.co_master_locked(instance, master).await,
            Err(e) => Err(e),
        };
        self.unlock(locks).await;
        result?;
        self.read(key).await
    }

    async fn co_master_locked(
        &self,
        instance: &Instance,
        master: &Instance,
    ) -> Result<(), OpError> {
        self.ensure_leader()?;
        let instance_name = self.master_to_name(&instance.key).await?;
        let mut si = self.session(instance).await.map_err(unchanged)?;
        let mut sm = self.session(master).await.map_err(unchanged)?;
        let mut stopped = Stopped::default();
        let cfg = self.ctx.config.recovery();
        let creds = super::mysql_ops::Server::new(instance, &self.ctx.config.discovery)
            .replication_credentials(&cfg.replication_credentials_query, &cfg.replica_credentials)
            .await;
        let outcome = async {
            if master.is_replica() {
                steps::stop(&mut sm).await?;
                stopped.add(master);
            }
            let position = if instance.using_gtid.is_gtid() {
                Position::Gtid { former_master: !master.is_replica() }
            } else {
                Position::Coordinates(si.own_coordinates().await?)
            };
            let mut sql = sm.dialect.change_master(&instance_name, &position);
            if !creds.user.is_empty() {
                sql.push_str(&sm.dialect.credentials(&creds.user, &creds.password));
            }
            sm.exec(&sql).await?;
            steps::start(&mut sm).await?;
            stopped.started(&master.key);
            Ok(())
        }
        .await;
        si.close().await;
        sm.close().await;
        self.settle(outcome, stopped).await
    }
}
