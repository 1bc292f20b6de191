//! Replica and instance control: start/stop/restart/reset replication, detach and reattach
//! the master host, skip a statement, delay, read-only, semi-sync, binary logs, kill a query,
//! refresh — each on one server, as orchestrator's `instance_topology_dao` does it, answering
//! the instance as read right after.

use app::core::instance::UsingGtid;
use app::core::operation::Op;
use app::core::operation_result::{OpError, OpResult};
use app::core::relocation::{check_purge, Refusal};
use app::core::{Instance, InstanceKey};

use super::dialect::purge_to;
use super::lock::Locks;
use super::session::{Session, StepError};
use super::steps::{self, Stopped};
use super::thread_state::{restart_statements, wait_sql_caught_up};
use super::{one, unchanged, Ops};

/// orchestrator's prefix of a detached master host.
const DETACHED: &str = "//";

fn not_replica(key: &InstanceKey) -> OpError {
    OpError::Refused(Refusal::NotReplica { key: key.clone() })
}

impl Ops {
    /// Runs a control operation on `key`.
    pub async fn control(&self, key: &InstanceKey, op: &Op) -> Result<OpResult, OpError> {
        let instance = self.read(key).await?;
        if matches!(op, Op::Refresh) {
            return Ok(one(instance));
        }
        if matches!(op, Op::Discover) {
            // Every node adds it to its own discovery.
            self.discovered(key).await?;
            return Ok(one(instance));
        }
        if let Op::RestartReplicaStatements { query } = op {
            let mut s = self.session(&instance).await.map_err(unchanged)?;
            let status = s.status().await.map_err(unchanged);
            s.close().await;
            return Ok(OpResult::Statements(restart_statements(
                &s_dialect(&instance),
                status?.as_ref(),
                query,
            )));
        }
        if let Op::PurgeBinaryLogs { log_file, force } = op {
            return self.purge(&instance, log_file, *force).await;
        }
        let needs_lock = matches!(
            op,
            Op::ResetReplica | Op::DetachReplicaMasterHost | Op::ReattachReplicaMasterHost
        );
        let mut locks = Locks::default();
        if needs_lock {
            self.lock(&mut locks, key, op.name()).await?;
        }
        self.ensure_leader()?;
        let mut stopped = Stopped::default();
        let result = match self.session(&instance).await {
            Ok(mut s) => {
                let r = self.control_steps(&mut s, &instance, op, &mut stopped).await;
                s.close().await;
                r
            }
            Err(e) => Err(ControlError::Step(e)),
        };
        let result = match result {
            Ok(()) => Ok(()),
            Err(ControlError::Refused(e)) => Err(e),
            Err(ControlError::Step(e)) => {
                let left_stopped = self.restart(stopped).await;
                Err(OpError::Failed { message: e.to_string(), left_stopped })
            }
        };
        self.unlock(locks).await;
        result?;
        Ok(one(self.read(key).await?))
    }

    async fn control_steps(
        &self,
        s: &mut Session,
        instance: &Instance,
        op: &Op,
        stopped: &mut Stopped,
    ) -> Result<(), ControlError> {
        let d = s.dialect;
        let status = s.status().await?;
        let replica =
            || status.as_ref().ok_or_else(|| ControlError::Refused(not_replica(&instance.key)));
        match op {
            Op::StartReplica => {
                replica()?;
                steps::start(s).await?;
            }
            Op::StopReplica => {
                replica()?;
                steps::stop(s).await?;
            }
            Op::RestartReplica => {
                replica()?;
                steps::stop(s).await?;
                stopped.add(instance);
                steps::start(s).await?;
            }
            Op::StopReplicaNice => {
                replica()?;
                s.exec(&d.stop_io()).await?;
                s.exec(&d.start_sql()).await?;
                if instance.sql_delay == 0 {
                    wait_sql_caught_up(s).await?;
                }
                steps::stop(s).await?;
            }
            Op::ResetReplica => {
                if status.is_some() {
                    steps::stop(s).await?;
                }
                s.exec(&d.reset_all()).await?;
            }
            Op::DetachReplicaMasterHost | Op::ReattachReplicaMasterHost => {
                let st = replica()?.clone();
                let detached = st.master_host.starts_with(DETACHED);
                let host = match (op, detached) {
                    (Op::DetachReplicaMasterHost, false) => format!("{DETACHED}{}", st.master_host),
                    (Op::ReattachReplicaMasterHost, true) => {
                        st.master_host[DETACHED.len()..].to_string()
                    }
                    (Op::DetachReplicaMasterHost, true) => {
                        return Err(ControlError::Refused(OpError::Invalid(format!(
                            "instance already detached: {}",
                            instance.key
                        ))))
                    }
                    _ => {
                        return Err(ControlError::Refused(OpError::Invalid(format!(
                            "instance does not seem to be detached: {}",
                            instance.key
                        ))))
                    }
                };
                steps::stop(s).await?;
                stopped.add(instance);
                let exec = s.status().await?.and_then(|now| now.exec);
                let sql = change_host(s, &host, st.master_port, instance, exec);
                s.exec(&sql).await?;
                // The IO thread of a detached replica cannot connect: only start it.
                s.exec(&d.start()).await?;
                stopped.started(&instance.key);
            }
            Op::SkipQuery => {
                let st = replica()?;
                if st.sql_running {
                    return Err(refuse(format!(
                        "Replication SQL thread is running on {}",
                        instance.key
                    )));
                }
                if instance.last_sql_error.is_empty() && st.last_errors.is_empty() {
                    return Err(refuse(format!("No SQL error on {}", instance.key)));
                }
                match instance.using_gtid {
                    UsingGtid::SlavePos | UsingGtid::CurrentPos => return Err(refuse(format!(
                        "{} is replicating with MariaDB GTID. To skip a query first disable GTID, then skip, then enable GTID again",
                        instance.key
                    ))),
                    UsingGtid::AutoPosition => return Err(refuse(format!(
                        "{} replicates with MySQL GTID: inject an empty transaction for the failed GTID (not done by orchestrator-rs)",
                        instance.key
                    ))),
                    UsingGtid::No => {}
                }
                s.exec(&d.stop()).await?;
                s.exec(&d.skip_counter()).await?;
                steps::start(s).await?;
            }
            Op::EnableGtid | Op::DisableGtid => {
                replica()?;
                let enable = matches!(op, Op::EnableGtid);
                if instance.using_gtid.is_gtid() == enable {
                    let state = if enable { "already uses" } else { "does not use" };
                    return Err(refuse(format!("{} {state} GTID", instance.key)));
                }
                if enable
                    && instance.flavor == app::core::instance::Flavor::MySQL
                    && !app::core::instance::supports_oracle_gtid(&instance.gtid_mode)
                {
                    return Err(refuse(format!("{} has gtid_mode OFF", instance.key)));
                }
                steps::stop(s).await?;
                stopped.add(instance);
                s.exec(&d.use_gtid(enable)).await?;
                steps::start(s).await?;
                stopped.started(&instance.key);
            }
            Op::SetReadOnly | Op::SetWriteable => {
                let on = matches!(op, Op::SetReadOnly);
                for sql in s.dialect.read_only_statements(on, s.use_super_read_only) {
                    s.exec(&sql).await?;
                }
            }
            Op::FlushBinaryLogs => s.exec("FLUSH BINARY LOGS").await?,
            Op::SetSemiSyncMaster { enable } => s.exec(&d.semi_sync_master(*enable)).await?,
            Op::SetSemiSyncReplica { enable } => {
                s.exec(&d.semi_sync_replica(*enable)).await?;
                if status.as_ref().is_some_and(|st| st.io_running) {
                    s.exec(&d.stop_io()).await?;
                    s.exec(&d.start_io()).await?;
                }
            }
            Op::DelayReplication { seconds } => {
                let st = replica()?.clone();
                for sql in restart_statements(&d, Some(&st), &d.delay(*seconds)) {
                    s.exec(&sql).await?;
                }
            }
            Op::KillQuery { process } => s.exec(&format!("KILL QUERY {process}")).await?,
            other => {
                return Err(refuse(format!("{} is not a control operation", other.name())));
            }
        }
        Ok(())
    }

    async fn purge(
        &self,
        instance: &Instance,
        log_file: &str,
        force: bool,
    ) -> Result<OpResult, OpError> {
        let file = if log_file == "latest" {
            match &instance.self_binlog_coordinates {
                Some(c) => c.file.clone(),
                None => {
                    return Err(OpError::Invalid(format!("{} has no binary log", instance.key)))
                }
            }
        } else {
            log_file.to_string()
        };
        if !force {
            let replicas = self.read_all(&self.replicas_of(&instance.key)).await?;
            check_purge(&instance.key, &file, &replicas)?;
        }
        self.ensure_leader()?;
        let mut s = self.session(instance).await.map_err(unchanged)?;
        let r = s.exec(&purge_to(&file)).await;
        s.close().await;
        r.map_err(unchanged)?;
        Ok(one(self.read(&instance.key).await?))
    }
}

enum ControlError {
    Refused(OpError),
    Step(StepError),
}

impl From<StepError> for ControlError {
    fn from(e: StepError) -> Self {
        ControlError::Step(e)
    }
}

fn refuse(message: String) -> ControlError {
    ControlError::Refused(OpError::Invalid(message))
}

fn s_dialect(instance: &Instance) -> super::dialect::Dialect {
    super::dialect::Dialect::of(instance)
}

/// `CHANGE MASTER TO` another host name for the same master, keeping the position (read
/// after the replica stopped).
fn change_host(
    s: &Session,
    host: &str,
    port: u16,
    instance: &Instance,
    exec: Option<app::core::instance::BinlogCoordinates>,
) -> String {
    // Not a validated InstanceKey: a detached host is deliberately not a valid one.
    let placeholder = InstanceKey { hostname: host.to_string(), port };
    s.dialect.change_master(&placeholder, &super::gtid_moves::executed(instance, exec))
}
