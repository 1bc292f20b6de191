//! GTID replication between sandbox servers: set-up, and waiting until it runs or has caught up.

use std::time::Duration;

use super::{Error, Server, HEARTBEAT_PERIOD, REPL_PASSWORD, REPL_USER, TIMEOUT};
use crate::testkit::Wait;

/// The `CHANGE MASTER` every replica gets: GTID `slave_pos`, fast failure detection.
pub fn change_master_sql(host: &str, port: u16) -> String {
    format!(
        "CHANGE MASTER TO MASTER_HOST='{host}', MASTER_PORT={port}, MASTER_USER='{REPL_USER}', \
         MASTER_PASSWORD='{REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, \
         MASTER_HEARTBEAT_PERIOD={HEARTBEAT_PERIOD}"
    )
}

impl Server {
    /// Makes this server a read-only GTID replica (`slave_pos`) of `master` and waits until both
    /// replication threads run.
    pub fn replicate_from(&self, master: &Server) -> Result<(), Error> {
        self.replicate_from_addr(master.host(), master.port())
    }

    /// As [`Server::replicate_from`], for the master at `host:port`.
    pub fn replicate_from_addr(&self, host: &str, port: u16) -> Result<(), Error> {
        self.sql(&format!(
            "STOP SLAVE; RESET SLAVE ALL; {}; SET GLOBAL read_only=ON; START SLAVE",
            change_master_sql(host, port)
        ))?;
        self.wait_replicating(Some(port), TIMEOUT)
    }

    /// Waits until `SHOW SLAVE STATUS` shows both threads running (from `master_port`, if
    /// given); the error includes the last status.
    pub fn wait_replicating(
        &self,
        master_port: Option<u16>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let running = || {
            self.slave_status().is_ok_and(|s| {
                let yes = |k: &str| s.get(k).is_some_and(|v| v == "Yes");
                yes("Slave_IO_Running")
                    && yes("Slave_SQL_Running")
                    && master_port.is_none_or(|p| s.get("Master_Port") == Some(&p.to_string()))
            })
        };
        Wait::new(timeout, format!("{self} to replicate"))
            .every(Duration::from_millis(20))
            .blocking_until(running)
            .map_err(|e| self.error(format!("{e}; slave status: {:?}", self.slave_status())))
    }
}

/// Waits (up to [`TIMEOUT`]) until every replica has applied the master's current
/// `@@gtid_binlog_pos`, using `MASTER_GTID_WAIT` (works through chains too).
pub fn wait_replicated<'a>(
    master: &Server,
    replicas: impl IntoIterator<Item = &'a Server>,
) -> Result<(), Error> {
    let pos = master.sql("SELECT @@gtid_binlog_pos")?;
    for r in replicas {
        let secs = TIMEOUT.as_secs();
        let res = r.sql(&format!("SELECT MASTER_GTID_WAIT('{pos}', {secs})"))?;
        if res != "0" {
            let status = r.slave_status();
            return Err(r.error(format!(
                "did not reach {master}'s GTID {pos:?} (MASTER_GTID_WAIT: {res}); {status:?}"
            )));
        }
    }
    Ok(())
}
