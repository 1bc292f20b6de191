//! What a simulated server answers to one statement, from the fleet's state: the prober's reads
//! (identity and dialect variables, binlog and replication status, replicas, dump threads,
//! semi-sync) as the real server would, and the writes an orchestrator sends (`STOP SLAVE`,
//! `CHANGE MASTER TO`, `SET GLOBAL read_only`, ...) applied to the state and recorded.

use app::core::InstanceKey;

use super::server::{SimFlavor, SimServer};
use super::state::FleetState;

/// One result of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A result set: column names and rows (`None` is SQL NULL).
    Rows {
        /// Column names, as the real server spells them.
        columns: Vec<String>,
        /// Rows of text values.
        rows: Vec<Vec<Option<String>>>,
    },
    /// OK, no result set.
    Ok,
    /// An error, with MySQL's code and message.
    Error(u16, String),
}

impl Reply {
    fn rows(columns: &[&str], rows: Vec<Vec<Option<String>>>) -> Reply {
        Reply::Rows { columns: columns.iter().map(|c| (*c).to_string()).collect(), rows }
    }

    fn pairs(pairs: Vec<(String, String)>) -> Reply {
        Reply::rows(
            &["Variable_name", "Value"],
            pairs.into_iter().map(|(n, v)| vec![Some(n), Some(v)]).collect(),
        )
    }
}

/// Answers every `;`-separated statement of `query` sent to `key`, one reply each; stops after
/// the first error (as the server does with a multi-statement query).
pub fn answer(state: &mut FleetState, key: &InstanceKey, query: &str) -> Vec<Reply> {
    let mut replies = Vec::new();
    for statement in query.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let reply = one(state, key, statement);
        let failed = matches!(reply, Reply::Error(..));
        replies.push(reply);
        if failed {
            break;
        }
    }
    replies
}

fn one(state: &mut FleetState, key: &InstanceKey, statement: &str) -> Reply {
    let upper = statement.to_ascii_uppercase();
    let Some(me) = state.servers.get(key) else {
        return Reply::Error(2013, "Lost connection to server during query".into());
    };
    if let Some(list) = upper.strip_prefix("SELECT ").filter(|rest| !rest.contains(" FROM ")) {
        return select_variables(me, &statement[statement.len() - list.len()..]);
    }
    match upper.as_str() {
        "SHOW MASTER STATUS" | "SHOW BINARY LOG STATUS" => return master_status(me),
        "SHOW SLAVE STATUS" | "SHOW REPLICA STATUS" => return replica_status(state, me),
        "SHOW SLAVE HOSTS" | "SHOW REPLICAS" => return replica_hosts(state, key),
        "SHOW GLOBAL VARIABLES LIKE 'RPL_SEMI_SYNC%'" => return semi_sync_variables(me),
        "SHOW GLOBAL STATUS LIKE 'RPL_SEMI_SYNC%'" => return semi_sync_status(state, key),
        _ => {}
    }
    if upper.contains("INFORMATION_SCHEMA.PROCESSLIST") {
        return dump_threads(state, key);
    }
    write(state, key, statement, &upper)
}

/// `SELECT @@global.a AS x, @@b, ...`: each item from the server's variables.
fn select_variables(me: &SimServer, list: &str) -> Reply {
    let variables = me.variables();
    let mut columns = Vec::new();
    let mut row = Vec::new();
    for item in list.split(',').map(str::trim) {
        let lower = item.to_ascii_lowercase();
        let (expr, column) = match lower.find(" as ") {
            Some(at) => (lower[..at].trim().to_string(), item[at + 4..].trim().to_string()),
            None => (lower.clone(), item.to_string()),
        };
        let Some(name) = expr.strip_prefix("@@") else {
            return Reply::Error(1146, format!("simulated server answers no such query: {item}"));
        };
        let name = name.strip_prefix("global.").unwrap_or(name);
        let Some(value) = variables.get(name) else {
            return Reply::Error(1193, format!("Unknown system variable '{name}'"));
        };
        columns.push(column);
        row.push(Some(value.clone()));
    }
    Reply::Rows { columns, rows: vec![row] }
}

fn master_status(me: &SimServer) -> Reply {
    let mut columns = vec!["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"];
    let mut row = vec![
        Some(me.binlog.0.clone()),
        Some(me.binlog.1.to_string()),
        Some(String::new()),
        Some(String::new()),
    ];
    if me.flavor == SimFlavor::MySQL {
        columns.push("Executed_Gtid_Set");
        row.push(Some(me.mysql_gtid_executed()));
    }
    Reply::rows(&columns, vec![row])
}

/// `SHOW SLAVE STATUS` (MariaDB names) / `SHOW REPLICA STATUS` (MySQL 8.0.22+ names). A
/// replica whose threads ran has read and executed its master's binary log up to the master's
/// current position.
fn replica_status(state: &FleetState, me: &SimServer) -> Reply {
    let mysql = me.flavor == SimFlavor::MySQL;
    let pick = |mariadb: &'static str, mysql_name: &'static str| {
        if mysql {
            mysql_name
        } else {
            mariadb
        }
    };
    let columns = [
        pick("Slave_IO_State", "Replica_IO_State"),
        pick("Master_Host", "Source_Host"),
        pick("Master_User", "Source_User"),
        pick("Master_Port", "Source_Port"),
        "Connect_Retry",
        pick("Master_Log_File", "Source_Log_File"),
        pick("Read_Master_Log_Pos", "Read_Source_Log_Pos"),
        "Relay_Log_File",
        "Relay_Log_Pos",
        pick("Relay_Master_Log_File", "Relay_Source_Log_File"),
        pick("Slave_IO_Running", "Replica_IO_Running"),
        pick("Slave_SQL_Running", "Replica_SQL_Running"),
        "Replicate_Do_DB",
        "Replicate_Ignore_DB",
        "Replicate_Do_Table",
        "Replicate_Ignore_Table",
        "Replicate_Wild_Do_Table",
        "Replicate_Wild_Ignore_Table",
        "Last_Errno",
        "Last_Error",
        "Skip_Counter",
        pick("Exec_Master_Log_Pos", "Exec_Source_Log_Pos"),
        "Relay_Log_Space",
        pick("Seconds_Behind_Master", "Seconds_Behind_Source"),
        "Last_IO_Errno",
        "Last_IO_Error",
        "Last_SQL_Errno",
        "Last_SQL_Error",
        pick("Master_Server_Id", "Source_Server_Id"),
        // The last three in each server's order: MariaDB `Using_Gtid, Gtid_IO_Pos, ..,
        // SQL_Delay`; MySQL `SQL_Delay, .., Executed_Gtid_Set, Auto_Position`.
        pick("Using_Gtid", "SQL_Delay"),
        pick("Gtid_IO_Pos", "Executed_Gtid_Set"),
        pick("SQL_Delay", "Auto_Position"),
    ];
    let Some(r) = &me.replication else {
        return Reply::rows(&columns, Vec::new());
    };
    let yes_no = |b: bool| Some(if b { "Yes" } else { "No" }.to_string());
    let text = |s: &str| Some(s.to_string());
    let (io_errno, io_error) = r.last_io_error.clone().unwrap_or((0, String::new()));
    let (sql_errno, sql_error) = r.last_sql_error.clone().unwrap_or((0, String::new()));
    let lag = (r.io_running && r.sql_running).then(|| r.lag_seconds.to_string());
    let using_gtid = match (mysql, r.using_gtid) {
        (true, true) => "1",
        (true, false) => "0",
        (false, true) => "Slave_Pos",
        (false, false) => "No",
    };
    let gtid_column = if mysql { me.mysql_gtid_executed() } else { me.mariadb_gtid() };
    let (master_file, master_pos) = state
        .servers
        .get(&r.master)
        .map_or_else(|| (String::new(), 4), |m| (m.binlog.0.clone(), m.binlog.1));
    let mut row = vec![
        text(if !r.io_running {
            ""
        } else if mysql {
            "Waiting for source to send event"
        } else {
            "Waiting for master to send event"
        }),
        text(&r.master.hostname),
        text("repl"),
        Some(r.master.port.to_string()),
        text("60"),
        text(&master_file),
        Some(master_pos.to_string()),
        text("relay-bin.000002"),
        text("555"),
        text(&master_file),
        yes_no(r.io_running),
        yes_no(r.sql_running),
        text(""),
        text(""),
        text(""),
        text(""),
        text(""),
        text(""),
        Some(sql_errno.to_string()),
        text(&sql_error),
        text("0"),
        Some(r.applier.exec_pos.unwrap_or(master_pos).to_string()),
        text("1024"),
        lag,
        Some(io_errno.to_string()),
        text(&io_error),
        Some(sql_errno.to_string()),
        text(&sql_error),
        Some(state.servers.get(&r.master).map_or(0, |m| m.server_id).to_string()),
    ];
    let delay = Some(r.applier.sql_delay.to_string());
    if mysql {
        row.extend([delay, Some(gtid_column), text(using_gtid)]);
    } else {
        row.extend([text(using_gtid), Some(gtid_column), delay]);
    }
    Reply::rows(&columns, vec![row])
}

/// Replicas whose IO thread is connected to `key`.
fn connected_replicas<'a>(
    state: &'a FleetState,
    key: &'a InstanceKey,
) -> impl Iterator<Item = &'a SimServer> + 'a {
    state.servers.values().filter(move |s| {
        s.replication.as_ref().is_some_and(|r| &r.master == key && r.io_running)
            && s.fault == super::server::Fault::Healthy
    })
}

fn replica_hosts(state: &FleetState, key: &InstanceKey) -> Reply {
    let mysql = state.servers.get(key).is_some_and(|s| s.flavor == SimFlavor::MySQL);
    let master_id = state.servers.get(key).map_or(0, |s| s.server_id);
    let columns: &[&str] = if mysql {
        &["Server_Id", "Host", "Port", "Source_Id", "Replica_UUID"]
    } else {
        &["Server_id", "Host", "Port", "Master_id"]
    };
    let rows = connected_replicas(state, key)
        .map(|r| {
            let mut row = vec![
                Some(r.server_id.to_string()),
                Some(r.key.hostname.clone()),
                Some(r.key.port.to_string()),
                Some(master_id.to_string()),
            ];
            if mysql {
                row.push(Some(r.server_uuid.clone()));
            }
            row
        })
        .collect();
    Reply::rows(columns, rows)
}

fn dump_threads(state: &FleetState, key: &InstanceKey) -> Reply {
    let rows = connected_replicas(state, key)
        .map(|r| vec![Some(format!("{}:{}", r.key.hostname, 40_000 + (r.server_id % 20_000)))])
        .collect();
    Reply::rows(&["host"], rows)
}

fn semi_sync_variables(me: &SimServer) -> Reply {
    let on_off = |b: bool| if b { "ON" } else { "OFF" }.to_string();
    let plugins = me.semi_sync_plugins;
    let (master, slave) = semi_sync_words(me);
    let mut pairs = Vec::new();
    if plugins.master {
        pairs.push((format!("rpl_semi_sync_{master}_enabled"), on_off(me.semi_sync_master)));
        pairs.push((format!("rpl_semi_sync_{master}_timeout"), "10000".into()));
        if me.flavor == SimFlavor::MySQL {
            let count = format!("rpl_semi_sync_{master}_wait_for_{slave}_count");
            pairs.push((count, plugins.wait_count.to_string()));
            pairs.push((format!("rpl_semi_sync_{master}_wait_point"), "AFTER_SYNC".into()));
        } else {
            pairs.push((format!("rpl_semi_sync_{master}_wait_no_{slave}"), "ON".into()));
        }
    }
    if plugins.replica {
        pairs.push((format!("rpl_semi_sync_{slave}_enabled"), on_off(me.semi_sync_replica)));
    }
    Reply::pairs(pairs)
}

/// The words the server's semi-sync plugins use: `master`/`slave`, or `source`/`replica`
/// (MySQL 8.0.26+).
fn semi_sync_words(me: &SimServer) -> (&'static str, &'static str) {
    if me.semi_sync_new_names() {
        ("source", "replica")
    } else {
        ("master", "slave")
    }
}

fn semi_sync_status(state: &FleetState, key: &InstanceKey) -> Reply {
    let Some(me) = state.servers.get(key) else {
        return Reply::pairs(Vec::new());
    };
    let clients = connected_replicas(state, key).filter(|r| r.semi_sync_replica).count();
    let on_off = |b: bool| if b { "ON" } else { "OFF" }.to_string();
    let (master, slave) = semi_sync_words(me);
    let mut pairs = Vec::new();
    if me.semi_sync_plugins.master {
        pairs.push((format!("Rpl_semi_sync_{master}_clients"), clients.to_string()));
        let status = on_off(me.semi_sync_master && clients > 0);
        pairs.push((format!("Rpl_semi_sync_{master}_status"), status));
    }
    if me.semi_sync_plugins.replica {
        let status = on_off(me.semi_sync_replica && me.replicating());
        pairs.push((format!("Rpl_semi_sync_{slave}_status"), status));
    }
    Reply::pairs(pairs)
}

/// A statement that changes the server: applied to the state when understood, recorded always.
fn write(state: &mut FleetState, key: &InstanceKey, statement: &str, upper: &str) -> Reply {
    let Some(me) = state.servers.get_mut(key) else {
        return Reply::Error(2013, "Lost connection to server during query".into());
    };
    me.statements.push(statement.to_string());
    let words: Vec<&str> = upper.split_whitespace().collect();
    match words.as_slice() {
        ["STOP", "SLAVE" | "REPLICA", ..] => {
            if let Some(r) = me.replication.as_mut() {
                let (io, sql) = threads_named(&words[2..]);
                r.io_running &= !io;
                r.sql_running &= !sql;
            }
        }
        ["START", "SLAVE" | "REPLICA", ..] => {
            if let Some(r) = me.replication.as_mut() {
                let (io, sql) = threads_named(&words[2..]);
                r.io_running |= io;
                r.sql_running |= sql;
            }
        }
        ["RESET", "SLAVE" | "REPLICA", "ALL", ..] => me.replication = None,
        ["CHANGE", "MASTER" | "REPLICATION", "TO" | "SOURCE", ..] => {
            return change_master(me, statement);
        }
        ["SET", "GLOBAL", ..] => set_global(me, upper),
        _ => {}
    }
    Reply::Ok
}

/// `(io, sql)`: which threads a `START/STOP SLAVE [IO_THREAD | SQL_THREAD]` names.
fn threads_named(rest: &[&str]) -> (bool, bool) {
    let io = rest.iter().any(|w| w.starts_with("IO_THREAD"));
    let sql = rest.iter().any(|w| w.starts_with("SQL_THREAD"));
    if io || sql {
        (io, sql)
    } else {
        (true, true)
    }
}

/// `CHANGE MASTER TO MASTER_HOST='h', MASTER_PORT=p, ...` (or `SOURCE_*`): points the
/// replication at the new master, stopped, as the real server leaves it.
fn change_master(me: &mut SimServer, statement: &str) -> Reply {
    let mut host = None;
    let mut port = None;
    let mut gtid = None;
    for option in statement.split(',') {
        let Some((name, value)) = option.split_once('=') else { continue };
        let name = name.trim().rsplit(' ').next().unwrap_or("").to_ascii_uppercase();
        let value = value.trim().trim_matches(['\'', '"']).to_string();
        match name.as_str() {
            "MASTER_HOST" | "SOURCE_HOST" => host = Some(value),
            "MASTER_PORT" | "SOURCE_PORT" => port = value.parse::<u16>().ok(),
            "MASTER_USE_GTID" | "MASTER_AUTO_POSITION" | "SOURCE_AUTO_POSITION" => {
                gtid = Some(value != "no" && value != "0");
            }
            _ => {}
        }
    }
    if me.replicating() {
        return Reply::Error(
            1198,
            "This operation cannot be performed as you have a running slave; run STOP SLAVE first"
                .into(),
        );
    }
    let previous = me.replication.take();
    let master = match (host, port) {
        (Some(h), Some(p)) => InstanceKey::new(&h, p).ok(),
        (Some(h), None) => previous.as_ref().and_then(|r| InstanceKey::new(&h, r.master.port).ok()),
        (None, Some(p)) => {
            previous.as_ref().and_then(|r| InstanceKey::new(&r.master.hostname, p).ok())
        }
        (None, None) => previous.as_ref().map(|r| r.master.clone()),
    };
    me.replication = master.map(|master| super::server::Replication {
        master,
        io_running: false,
        sql_running: false,
        lag_seconds: 0,
        last_io_error: None,
        last_sql_error: None,
        using_gtid: gtid.unwrap_or_else(|| previous.as_ref().is_none_or(|r| r.using_gtid)),
        applier: super::server::Applier {
            sql_delay: previous.as_ref().map_or(0, |r| r.applier.sql_delay),
            exec_pos: None,
        },
    });
    Reply::Ok
}

/// `SET GLOBAL read_only = ON`, `SET GLOBAL rpl_semi_sync_master_enabled = 1`, ...
fn set_global(me: &mut SimServer, upper: &str) {
    let Some((name, value)) = upper.trim_start_matches("SET GLOBAL").split_once('=') else {
        return;
    };
    let on = matches!(value.trim().trim_matches('\''), "1" | "ON" | "TRUE");
    match name.trim() {
        "READ_ONLY" | "SUPER_READ_ONLY" => me.read_only = on,
        "RPL_SEMI_SYNC_MASTER_ENABLED" | "RPL_SEMI_SYNC_SOURCE_ENABLED" => {
            me.semi_sync_master = on;
        }
        "RPL_SEMI_SYNC_SLAVE_ENABLED" | "RPL_SEMI_SYNC_REPLICA_ENABLED" => {
            me.semi_sync_replica = on;
        }
        _ => {}
    }
}
