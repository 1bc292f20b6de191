//! Replication steps shared by the operations: start and wait until both threads run, `START
//! SLAVE UNTIL` and wait for the exact coordinates, wait for a GTID position, and the cleanup
//! that starts again every replica an operation stopped (reporting those it could not).

use std::time::{Duration, Instant};

use app::core::instance::{BinlogCoordinates, Flavor};
use app::core::{Instance, InstanceKey};

use super::dialect::{lit, Dialect};
use super::session::{ReplicaStatus, Session, StepError};
use super::Ops;

/// How long replication threads get to report running after `START SLAVE`.
const START_WAIT: Duration = Duration::from_secs(5);
/// How long `START SLAVE UNTIL` and GTID catch-ups may take.
pub const CATCH_UP_WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

fn step_error(s: &Session, what: &str, reason: String) -> StepError {
    StepError { key: s.key().clone(), what: what.to_string(), reason }
}

/// `STOP SLAVE`.
pub async fn stop(s: &mut Session) -> Result<(), StepError> {
    let sql = s.dialect.stop();
    s.exec(&sql).await
}

/// `START SLAVE`, then waits until both threads run; fails naming the replication errors.
pub async fn start(s: &mut Session) -> Result<ReplicaStatus, StepError> {
    let sql = s.dialect.start();
    s.exec(&sql).await?;
    let deadline = Instant::now() + START_WAIT;
    loop {
        let status = s.status().await?.unwrap_or_default();
        if status.io_running && status.sql_running {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(step_error(
                s,
                "start replication",
                format!(
                    "threads not running after {START_WAIT:?} (IO {}, SQL {}): {}",
                    status.io_running, status.sql_running, status.last_errors
                ),
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `START SLAVE UNTIL` `target` on a stopped replica, waits until it executed exactly there,
/// then stops it (orchestrator's `StartReplicationUntilMasterCoordinates`).
pub async fn start_until(s: &mut Session, target: &BinlogCoordinates) -> Result<(), StepError> {
    let sql = s.dialect.start_until(target);
    s.exec(&sql).await?;
    let deadline = Instant::now() + CATCH_UP_WAIT;
    let reached = loop {
        let status = s.status().await?.unwrap_or_default();
        match status.exec.as_ref() {
            Some(exec) if exec == target => break Ok(()),
            Some(exec) if exec > target => {
                break Err(format!("executed past the target: at {exec:?}, wanted {target:?}"))
            }
            _ => {}
        }
        if !status.sql_running && !status.last_errors.is_empty() {
            break Err(format!("SQL thread stopped before the target: {}", status.last_errors));
        }
        if Instant::now() >= deadline {
            break Err(format!("did not reach {target:?} within {CATCH_UP_WAIT:?}"));
        }
        tokio::time::sleep(POLL).await;
    };
    stop(s).await?;
    reached.map_err(|reason| step_error(s, "START SLAVE UNTIL", reason))
}

/// Waits until the server executed GTID position `position` (MariaDB `MASTER_GTID_WAIT`, MySQL
/// `WAIT_FOR_EXECUTED_GTID_SET`).
pub async fn wait_gtid(s: &mut Session, flavor: Flavor, position: &str) -> Result<(), StepError> {
    let secs = CATCH_UP_WAIT.as_secs();
    let sql = match flavor {
        Flavor::MariaDB => format!("SELECT MASTER_GTID_WAIT({}, {secs})", lit(position)),
        Flavor::MySQL => format!("SELECT WAIT_FOR_EXECUTED_GTID_SET({}, {secs})", lit(position)),
    };
    // The statement itself blocks up to `secs` on the server.
    let rows = s.rows_within(&sql, CATCH_UP_WAIT + Duration::from_secs(5)).await;
    match rows.map(|r| r.into_iter().next().and_then(|row| row.into_values().next().flatten())) {
        Ok(Some(v)) if v.trim() == "0" => Ok(()),
        Ok(other) => Err(step_error(
            s,
            "wait for GTID",
            format!("did not reach {position} within {CATCH_UP_WAIT:?} ({other:?})"),
        )),
        Err(e) => Err(e),
    }
}

/// Replicas an operation stopped, to start again however it ends.
#[derive(Default)]
pub struct Stopped {
    keys: Vec<(InstanceKey, Dialect)>,
}

impl Stopped {
    /// Remembers that `instance` was stopped.
    pub fn add(&mut self, instance: &Instance) {
        if !self.keys.iter().any(|(k, _)| k == &instance.key) {
            self.keys.push((instance.key.clone(), Dialect::of(instance)));
        }
    }

    /// Forgets `key` (it was started again by the operation itself).
    pub fn started(&mut self, key: &InstanceKey) {
        self.keys.retain(|(k, _)| k != key);
    }
}

impl Ops {
    /// Opens a session to `instance`.
    pub async fn session(&self, instance: &Instance) -> Result<Session, StepError> {
        Session::open(&instance.key, Dialect::of(instance), &self.ctx.config.discovery).await
    }

    /// Starts every replica in `stopped` again; returns those that could not be started.
    pub async fn restart(&self, stopped: Stopped) -> Vec<InstanceKey> {
        let mut failed = Vec::new();
        for (key, dialect) in stopped.keys {
            let result = async {
                let mut s = Session::open(&key, dialect, &self.ctx.config.discovery).await?;
                let sql = s.dialect.start();
                let r = s.exec(&sql).await;
                s.close().await;
                r
            };
            if let Err(e) = result.await {
                tracing::warn!(%key, error = %e, "could not start replication again");
                failed.push(key);
            }
        }
        failed
    }
}
