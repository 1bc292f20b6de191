//! Replication threads kept as they were: orchestrator's restart-preserve statements (stop
//! the running threads, run a statement, start again only those that ran), and waiting until
//! the SQL thread executed everything the IO thread read (`stop-replica-nice`).

use std::time::{Duration, Instant};

use super::dialect::Dialect;
use super::session::{ReplicaStatus, Session, StepError};
use super::steps::CATCH_UP_WAIT;

/// orchestrator's `GetReplicationRestartPreserveStatements`: stop the running threads, run
/// `query`, start again only those that ran.
pub fn restart_statements(d: &Dialect, status: Option<&ReplicaStatus>, query: &str) -> Vec<String> {
    let (io, sql) = status.map_or((false, false), |s| (s.io_running, s.sql_running));
    let mut out = Vec::new();
    if io {
        out.push(d.stop_io());
    }
    if sql {
        out.push(d.stop_sql());
    }
    out.push(query.to_string());
    if sql {
        out.push(d.start_sql());
    }
    if io {
        out.push(d.start_io());
    }
    out.into_iter().map(|s| format!("{s};")).collect()
}

/// Waits until the SQL thread executed everything the IO thread read.
pub async fn wait_sql_caught_up(s: &mut Session) -> Result<(), StepError> {
    let deadline = Instant::now() + CATCH_UP_WAIT;
    loop {
        let st = s.status().await?.unwrap_or_default();
        if st.exec.is_some() && st.exec == st.read {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(StepError {
                key: s.key().clone(),
                what: "stop replication nicely".into(),
                reason: format!("SQL thread did not catch up within {CATCH_UP_WAIT:?}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::core::instance::Flavor;
    use app::core::{Instance, InstanceKey};

    #[test]
    fn restart_statements_keep_the_threads_as_they_were() {
        let mut i = Instance::new(InstanceKey::new("r", 3306).unwrap());
        i.flavor = Flavor::MariaDB;
        i.version = "10.11.6-MariaDB".into();
        let d = Dialect::of(&i);
        let st = ReplicaStatus { io_running: true, sql_running: false, ..Default::default() };
        assert_eq!(
            restart_statements(&d, Some(&st), "CHANGE MASTER TO MASTER_DELAY=5"),
            ["STOP SLAVE IO_THREAD;", "CHANGE MASTER TO MASTER_DELAY=5;", "START SLAVE IO_THREAD;"]
        );
    }
}
