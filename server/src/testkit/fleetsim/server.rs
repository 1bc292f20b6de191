//! The state of one simulated MySQL/MariaDB server and how a fleet of them is laid out.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use app::core::InstanceKey;
use serde::{Deserialize, Serialize};

/// Which server the simulation pretends to be: it decides the statements the prober sends and
/// the column names of the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimFlavor {
    /// MariaDB 10.x: `gtid_current_pos`, `SHOW SLAVE STATUS`, `SHOW SLAVE HOSTS`.
    MariaDB,
    /// MySQL 8.0.22+: `server_uuid` + `gtid_executed`, `SHOW REPLICA STATUS`, `SHOW REPLICAS`.
    MySQL,
}

impl SimFlavor {
    /// The version string a server of this flavor reports by default.
    pub fn default_version(self) -> &'static str {
        match self {
            SimFlavor::MariaDB => "10.11.14-MariaDB-log",
            SimFlavor::MySQL => "8.0.35",
        }
    }
}

/// What a server does with connections, set through the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "fault", content = "millis")]
pub enum Fault {
    /// Answers.
    #[default]
    Healthy,
    /// Its port is closed: connections are refused.
    Dead,
    /// Accepts connections and never answers (a SIGSTOPped or overloaded server).
    Hung,
    /// Answers every statement after this many milliseconds.
    Slow(u64),
}

impl Fault {
    /// The delay before each answer.
    pub fn delay(self) -> Option<Duration> {
        match self {
            Fault::Slow(ms) => Some(Duration::from_millis(ms)),
            _ => None,
        }
    }
}

/// A replica's replication settings and threads (`SHOW SLAVE STATUS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replication {
    /// The server it replicates from.
    pub master: InstanceKey,
    /// `Slave_IO_Running`.
    pub io_running: bool,
    /// `Slave_SQL_Running`.
    pub sql_running: bool,
    /// `Seconds_Behind_Master` while both threads run.
    pub lag_seconds: i64,
    /// `Last_IO_Errno` / `Last_IO_Error`.
    pub last_io_error: Option<(u32, String)>,
    /// `Last_SQL_Errno` / `Last_SQL_Error`.
    pub last_sql_error: Option<(u32, String)>,
    /// GTID auto-positioning (`Using_Gtid: Slave_Pos` / `Auto_Position: 1`).
    pub using_gtid: bool,
    /// The SQL thread's delay and position.
    #[serde(default)]
    pub applier: Applier,
}

/// Where a replica's SQL thread is relative to what its IO thread read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applier {
    /// `SQL_Delay` (`MASTER_DELAY`), seconds.
    pub sql_delay: u64,
    /// `Exec_Master_Log_Pos` when the SQL thread is behind the IO thread (a delayed or lagging
    /// replica); `None`: it executed everything it read (the master's current position).
    pub exec_pos: Option<u64>,
}

/// Which semi-synchronous replication plugins are loaded (their variables exist only then).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SemiSyncPlugins {
    /// The master (`source`) side plugin.
    pub master: bool,
    /// The replica side plugin.
    pub replica: bool,
    /// `rpl_semi_sync_master_wait_for_slave_count` (MySQL only).
    pub wait_count: u32,
}

impl Default for SemiSyncPlugins {
    fn default() -> Self {
        SemiSyncPlugins { master: true, replica: true, wait_count: 1 }
    }
}

/// One simulated server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimServer {
    /// Where it listens (`127.0.0.x:port`).
    pub key: InstanceKey,
    /// Dialect.
    pub flavor: SimFlavor,
    /// `@@server_id`.
    pub server_id: u32,
    /// `@@version`.
    pub version: String,
    /// `@@version_comment`.
    pub version_comment: String,
    /// `@@read_only`.
    pub read_only: bool,
    /// `@@log_slave_updates`.
    pub log_slave_updates: bool,
    /// `@@binlog_format`.
    pub binlog_format: String,
    /// `@@server_uuid` (MySQL GTID source id).
    pub server_uuid: String,
    /// Own binary log: current file and position.
    pub binlog: (String, u64),
    /// GTID sequence of its cluster that it has executed (the master's writes it applied).
    pub gtid_seq: u64,
    /// The server id (MariaDB) / uuid (MySQL) that wrote the cluster's transactions.
    pub gtid_source: (u32, String),
    /// An errant transaction: one written on this server only, not by its master.
    pub errant: bool,
    /// Replication, when it is a replica.
    pub replication: Option<Replication>,
    /// `rpl_semi_sync_master_enabled`.
    pub semi_sync_master: bool,
    /// `rpl_semi_sync_slave_enabled`.
    pub semi_sync_replica: bool,
    /// Loaded semi-sync plugins.
    #[serde(default)]
    pub semi_sync_plugins: SemiSyncPlugins,
    /// Connection behaviour.
    pub fault: Fault,
    /// Users whose connections hang after the greeting, as if the network between that client
    /// (an orchestrator node, told apart by its `MySQLTopologyUser`) and this server were cut.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub cut_users: BTreeSet<String>,
    /// Connections it accepted (each probe opens one).
    #[serde(default)]
    pub connections: u64,
    /// Statements it received that are not the prober's reads, in order (what the
    /// orchestrator did to it).
    pub statements: Vec<String>,
}

impl SimServer {
    /// A stand-alone writable master with GTID and binary logs.
    pub fn master(key: InstanceKey, flavor: SimFlavor, server_id: u32) -> Self {
        SimServer {
            key,
            flavor,
            server_id,
            version: flavor.default_version().to_string(),
            version_comment: match flavor {
                SimFlavor::MariaDB => "Simulated MariaDB Server".into(),
                SimFlavor::MySQL => "Simulated MySQL Community Server - GPL".into(),
            },
            read_only: false,
            log_slave_updates: true,
            binlog_format: "ROW".into(),
            server_uuid: uuid_of(server_id),
            binlog: ("mysql-bin.000001".into(), 1_000),
            gtid_seq: 10,
            gtid_source: (server_id, uuid_of(server_id)),
            errant: false,
            replication: None,
            semi_sync_master: false,
            semi_sync_replica: false,
            semi_sync_plugins: SemiSyncPlugins::default(),
            fault: Fault::Healthy,
            cut_users: BTreeSet::new(),
            connections: 0,
            statements: Vec::new(),
        }
    }

    /// A read-only GTID replica of `master`, caught up.
    pub fn replica_of(key: InstanceKey, master: &SimServer, server_id: u32) -> Self {
        let mut replica = SimServer::master(key, master.flavor, server_id);
        replica.read_only = true;
        replica.version.clone_from(&master.version);
        replica.version_comment.clone_from(&master.version_comment);
        replica.gtid_seq = master.gtid_seq;
        replica.gtid_source = master.gtid_source.clone();
        replica.replication = Some(Replication {
            master: master.key.clone(),
            io_running: true,
            sql_running: true,
            lag_seconds: 0,
            last_io_error: None,
            last_sql_error: None,
            using_gtid: true,
            applier: Applier::default(),
        });
        replica
    }

    /// MySQL 8.0.26+: the semi-sync plugins name their variables and status `source` /
    /// `replica` (`rpl_semi_sync_source_enabled`, `Rpl_semi_sync_replica_status`).
    pub fn semi_sync_new_names(&self) -> bool {
        if self.flavor != SimFlavor::MySQL {
            return false;
        }
        let parts: Vec<u32> = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .take(3)
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        match parts.as_slice() {
            [major, minor, patch, ..] => (*major, *minor, *patch) >= (8, 0, 26),
            _ => false,
        }
    }

    /// Whether its replication threads both run.
    pub fn replicating(&self) -> bool {
        self.replication.as_ref().is_some_and(|r| r.io_running && r.sql_running)
    }

    /// MariaDB `gtid_binlog_pos` / `gtid_current_pos`: the last GTID of domain 0, the cluster's,
    /// or this server's own errant transaction written after it.
    pub fn mariadb_gtid(&self) -> String {
        if self.errant {
            format!("0-{}-{}", self.server_id, self.gtid_seq + 1)
        } else {
            format!("0-{}-{}", self.gtid_source.0, self.gtid_seq)
        }
    }

    /// MariaDB `gtid_binlog_state`: the last GTID of each server in domain 0.
    pub fn mariadb_binlog_state(&self) -> String {
        let mut state = format!("0-{}-{}", self.gtid_source.0, self.gtid_seq);
        if self.errant {
            state.push_str(&format!(",0-{}-{}", self.server_id, self.gtid_seq + 1));
        }
        state
    }

    /// MySQL `gtid_executed`: the cluster's transactions and this server's own errant one.
    pub fn mysql_gtid_executed(&self) -> String {
        let mut set = format!("{}:1-{}", self.gtid_source.1, self.gtid_seq);
        if self.errant {
            set.push_str(&format!(",\n{}:1", self.server_uuid));
        }
        set
    }

    /// The server's global variables as `SELECT @@global.name` answers them (lower-case names).
    pub fn variables(&self) -> BTreeMap<&'static str, String> {
        let flag = |b: bool| if b { "1" } else { "0" }.to_string();
        let mut v = BTreeMap::new();
        v.insert("server_id", self.server_id.to_string());
        v.insert("version", self.version.clone());
        v.insert("version_comment", self.version_comment.clone());
        v.insert("read_only", flag(self.read_only));
        v.insert("super_read_only", flag(self.read_only));
        v.insert("log_bin", "1".into());
        v.insert("binlog_format", self.binlog_format.clone());
        v.insert("log_slave_updates", flag(self.log_slave_updates));
        v.insert("log_replica_updates", flag(self.log_slave_updates));
        v.insert("hostname", self.key.hostname.clone());
        v.insert("report_host", self.key.hostname.clone());
        v.insert("port", self.key.port.to_string());
        v.insert("report_port", self.key.port.to_string());
        match self.flavor {
            SimFlavor::MariaDB => {
                let gtid = self.mariadb_gtid();
                v.insert("gtid_binlog_pos", gtid.clone());
                v.insert("gtid_binlog_state", self.mariadb_binlog_state());
                v.insert("gtid_current_pos", gtid);
                let slave_pos = if self.replication.is_some() {
                    format!("0-{}-{}", self.gtid_source.0, self.gtid_seq)
                } else {
                    String::new()
                };
                v.insert("gtid_slave_pos", slave_pos);
            }
            SimFlavor::MySQL => {
                v.insert("gtid_mode", "ON".into());
                v.insert("enforce_gtid_consistency", "ON".into());
                v.insert("server_uuid", self.server_uuid.clone());
                v.insert("gtid_executed", self.mysql_gtid_executed());
            }
        }
        v
    }
}

/// A stable, valid-looking UUID for a server id.
pub fn uuid_of(server_id: u32) -> String {
    format!("00000000-0000-4000-8000-{server_id:012x}")
}
