//! Errant-GTID remedies on live servers (`locate-gtid-errant`, `gtid-errant-reset-master`,
//! `gtid-errant-inject-empty`). What is errant, which binary logs hold it and the state a reset
//! restores are decided by `app::core::errant_gtid`; this module reads the servers and runs the
//! statements in each flavor's dialect.

use app::core::errant_gtid::{errant_transactions, locate_errant, state_after_reset};
use app::core::instance::Flavor;
use app::core::operation::Op;
use app::core::operation_result::{OpError, OpResult};
use app::core::{DomainError, Instance, InstanceKey};

use super::dialect::lit;
use super::lock::Locks;
use super::session::Session;
use super::steps::{self, Stopped};
use super::{one, unchanged, Ops};
use crate::probe::queries::version_triplet;

fn refuse(e: DomainError) -> OpError {
    OpError::Invalid(e.to_string())
}

/// `RESET MASTER` (MySQL 8.4+: `RESET BINARY LOGS AND GTIDS`).
fn reset_binary_logs(instance: &Instance) -> &'static str {
    if instance.flavor == Flavor::MySQL && version_triplet(&instance.version) >= (8, 4, 0) {
        "RESET BINARY LOGS AND GTIDS"
    } else {
        "RESET MASTER"
    }
}

/// The statements that restore `state` after the reset.
pub fn restore_state(flavor: Flavor, state: &str) -> String {
    match flavor {
        Flavor::MySQL => format!("SET GLOBAL gtid_purged = {}", lit(state)),
        Flavor::MariaDB => format!("SET GLOBAL gtid_binlog_state = {}", lit(state)),
    }
}

/// The statements that inject one empty transaction with `gtid` (MySQL only: MariaDB does not
/// write empty transactions to its binary log).
pub fn inject_empty(gtid: &str) -> Vec<String> {
    vec![
        format!("SET GTID_NEXT = {}", lit(gtid)),
        "BEGIN".into(),
        "COMMIT".into(),
        "SET GTID_NEXT = 'AUTOMATIC'".into(),
    ]
}

impl Ops {
    /// Runs an errant-GTID remedy on `key`.
    pub async fn errant(&self, key: &InstanceKey, op: &Op) -> Result<OpResult, OpError> {
        let instance = self.read(key).await?;
        match op {
            Op::LocateGtidErrant => self.locate(&instance).await,
            Op::GtidErrantResetMaster => self.reset_master(&instance).await,
            _ => self.inject(&instance).await,
        }
    }

    async fn locate(&self, instance: &Instance) -> Result<OpResult, OpError> {
        errant_transactions(instance).map_err(refuse)?;
        let mut s = self.session(instance).await.map_err(unchanged)?;
        let read = async {
            let mut binlogs = Vec::new();
            for row in s.rows("SHOW BINARY LOGS").await? {
                let Some(Some(file)) = row.get("log_name").cloned() else { continue };
                let sql = format!("SHOW BINLOG EVENTS IN {} LIMIT 3", lit(&file));
                let previous = s
                    .rows(&sql)
                    .await?
                    .into_iter()
                    .find(|r| {
                        matches!(
                            r.get("event_type").cloned().flatten().as_deref(),
                            Some("Previous_gtids" | "Gtid_list")
                        )
                    })
                    .and_then(|r| r.get("info").cloned().flatten())
                    .unwrap_or_default();
                binlogs.push((file, previous));
            }
            Ok(binlogs)
        }
        .await;
        s.close().await;
        let binlogs = read.map_err(unchanged)?;
        Ok(OpResult::Statements(locate_errant(instance, &binlogs).map_err(refuse)?))
    }

    async fn reset_master(&self, instance: &Instance) -> Result<OpResult, OpError> {
        let key = &instance.key;
        let state = state_after_reset(instance).map_err(refuse)?;
        let replicas = self.replicas_of(key);
        if !replicas.is_empty() || !instance.replica_hosts.is_empty() {
            return Err(OpError::Invalid(format!(
                "gtid-errant-reset-master will not operate on {key} because it has {} replicas. Expecting no replicas",
                replicas.len().max(instance.replica_hosts.len())
            )));
        }
        let mut locks = Locks::default();
        self.lock(&mut locks, key, "gtid-errant-reset-master").await?;
        self.ensure_leader()?;
        let mut stopped = Stopped::default();
        let result = match self.session(instance).await {
            Ok(mut s) => {
                let r = async {
                    if instance.is_replica() {
                        steps::stop(&mut s).await?;
                        stopped.add(instance);
                    }
                    s.exec(reset_binary_logs(instance)).await?;
                    s.exec(&restore_state(instance.flavor, &state)).await?;
                    if instance.is_replica() {
                        steps::start(&mut s).await?;
                        stopped.started(key);
                    }
                    Ok::<_, super::session::StepError>(())
                }
                .await;
                s.close().await;
                r
            }
            Err(e) => Err(e),
        };
        let result = match result {
            Ok(()) => Ok(()),
            Err(e) => {
                let left_stopped = self.restart(stopped).await;
                Err(OpError::Failed {
                    message: format!("{e} (intended GTID state: {state})"),
                    left_stopped,
                })
            }
        };
        self.unlock(locks).await;
        result?;
        Ok(one(self.read(key).await?))
    }

    async fn inject(&self, instance: &Instance) -> Result<OpResult, OpError> {
        let key = &instance.key;
        let gtids = errant_transactions(instance).map_err(refuse)?;
        if instance.flavor != Flavor::MySQL {
            return Err(OpError::Invalid(format!(
                "gtid-errant-inject-empty: {key} is MariaDB, which does not write empty transactions \
                 to its binary log; use gtid-errant-reset-master on it instead"
            )));
        }
        let snapshot = self.ctx.analysis.get();
        let master_key = snapshot
            .topology
            .cluster_of(key)
            .and_then(|c| snapshot.master_of_cluster(c))
            .ok_or_else(|| OpError::Invalid(format!("the master of {key}'s cluster is unknown")))?;
        let master = self.read(&master_key).await?;
        if master.read_only {
            return Err(OpError::Invalid(format!(
                "gtid-errant-inject-empty found no writeable master for {key}'s cluster ({master_key} is read-only)"
            )));
        }
        self.ensure_leader()?;
        let mut s: Session = self.session(&master).await.map_err(unchanged)?;
        let mut injected = 0usize;
        let mut failure = None;
        for gtid in &gtids {
            let mut run = Ok(());
            for sql in inject_empty(gtid) {
                run = s.exec(&sql).await;
                if run.is_err() {
                    break;
                }
            }
            if let Err(e) = run {
                let _ = s.exec("SET GTID_NEXT = 'AUTOMATIC'").await;
                failure = Some(e);
                break;
            }
            injected += 1;
        }
        s.close().await;
        if let Some(e) = failure {
            return Err(OpError::Failed {
                message: format!("{e}; injected {injected} of {} on {master_key}", gtids.len()),
                left_stopped: Vec::new(),
            });
        }
        Ok(one(self.read(key).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_per_flavor() {
        assert_eq!(restore_state(Flavor::MySQL, "u:1-3"), "SET GLOBAL gtid_purged = 'u:1-3'");
        assert_eq!(
            restore_state(Flavor::MariaDB, "0-1-100"),
            "SET GLOBAL gtid_binlog_state = '0-1-100'"
        );
        assert_eq!(inject_empty("u:4")[0], "SET GTID_NEXT = 'u:4'");
        let mut i = Instance::new(InstanceKey::new("h", 1).unwrap());
        i.flavor = Flavor::MySQL;
        i.version = "8.4.3".into();
        assert_eq!(reset_binary_logs(&i), "RESET BINARY LOGS AND GTIDS");
        i.version = "8.0.35".into();
        assert_eq!(reset_binary_logs(&i), "RESET MASTER");
    }
}
