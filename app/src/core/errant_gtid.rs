//! Errant-GTID remedies (orchestrator's `locate-gtid-errant`, `gtid-errant-reset-master`,
//! `gtid-errant-inject-empty`), for both GTID flavors, as pure decisions: which transactions are
//! errant one by one, the GTID state a `RESET MASTER` must restore, and which binary logs hold
//! the errant transactions. The statements that carry them out are the server's.
//!
//! MySQL: an errant set is a GTID set (`uuid:1-3`); the state after a reset is
//! `gtid_purged = gtid_executed − errant`; a binary log's "previous" state is its
//! `Previous_gtids` event. MariaDB: an errant set lists `domain-server-seq` GTIDs (the replica's
//! own writes its master lacks); the state after a reset is
//! `gtid_binlog_state = gtid_binlog_state − errant`; a binary log's previous state is its
//! `Gtid_list` event (`[0-1-3,9-5-1]`).

use crate::core::error::DomainError;
use crate::core::gtid::MysqlGtidSet;
use crate::core::instance::{Flavor, Instance};

/// At most this many transactions are injected one by one.
pub const MAX_INJECTED: usize = 10_000;

fn invalid(message: String) -> DomainError {
    DomainError::field("gtid", message)
}

fn mariadb_entries(text: &str) -> Vec<(u64, u64, u64)> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .filter_map(|g| {
            let mut parts = g.trim().splitn(3, '-').map(|p| p.trim().parse::<u64>());
            match (parts.next(), parts.next(), parts.next()) {
                (Some(Ok(d)), Some(Ok(s)), Some(Ok(n))) => Some((d, s, n)),
                _ => None,
            }
        })
        .collect()
}

fn mysql(text: &str) -> Result<MysqlGtidSet, DomainError> {
    MysqlGtidSet::parse(text).map_err(|e| invalid(e.to_string()))
}

/// The errant transactions of `instance`, one by one (MySQL `uuid:n`, MariaDB `d-s-n`).
pub fn errant_transactions(instance: &Instance) -> Result<Vec<String>, DomainError> {
    let errant = instance.gtid_errant.trim();
    if errant.is_empty() {
        return Err(invalid(format!("{} has no errant GTID", instance.key)));
    }
    match instance.flavor {
        Flavor::MySQL => mysql(errant)?.transactions(MAX_INJECTED).ok_or_else(|| {
            invalid(format!("more than {MAX_INJECTED} errant transactions on {}", instance.key))
        }),
        Flavor::MariaDB => {
            let list: Vec<String> =
                mariadb_entries(errant).iter().map(|(d, s, n)| format!("{d}-{s}-{n}")).collect();
            if list.is_empty() {
                return Err(invalid(format!("unparsable errant GTID {errant:?}")));
            }
            Ok(list)
        }
    }
}

/// The GTID state `gtid-errant-reset-master` restores after `RESET MASTER`: MySQL
/// `gtid_purged` (executed − errant), MariaDB `gtid_binlog_state` (state − errant).
pub fn state_after_reset(instance: &Instance) -> Result<String, DomainError> {
    errant_transactions(instance)?;
    match instance.flavor {
        Flavor::MySQL => {
            let executed = mysql(&instance.executed_gtid_set)?;
            Ok(executed.subtract(&mysql(&instance.gtid_errant)?).to_string())
        }
        Flavor::MariaDB => {
            let errant = mariadb_entries(&instance.gtid_errant);
            let kept: Vec<String> = mariadb_entries(&instance.gtid_binlog_state)
                .into_iter()
                .filter(|e| !errant.contains(e))
                .map(|(d, s, n)| format!("{d}-{s}-{n}"))
                .collect();
            Ok(kept.join(","))
        }
    }
}

/// Whether the state `previous` (a binary log's `Previous_gtids` / `Gtid_list`) holds the
/// errant transaction `gtid`.
fn holds(flavor: Flavor, previous: &str, gtid: &str) -> bool {
    match flavor {
        Flavor::MySQL => match (MysqlGtidSet::parse(previous), MysqlGtidSet::parse(gtid)) {
            (Ok(p), Ok(g)) => p.contains(&g),
            _ => false,
        },
        Flavor::MariaDB => {
            let Some(&(d, s, n)) = mariadb_entries(gtid).first() else { return false };
            mariadb_entries(previous).iter().any(|&(pd, ps, pn)| pd == d && ps == s && pn >= n)
        }
    }
}

/// The binary logs holding the errant transactions (orchestrator's `LocateErrantGTID`):
/// `binlogs` are the server's binary logs in order, each with the GTID state before it. A
/// transaction is in the last log whose previous state does not hold it.
pub fn locate_errant(
    instance: &Instance,
    binlogs: &[(String, String)],
) -> Result<Vec<String>, DomainError> {
    let errant = errant_transactions(instance)?;
    let mut found: Vec<String> = Vec::new();
    for gtid in &errant {
        let first_holding = binlogs.iter().position(|(_, prev)| holds(instance.flavor, prev, gtid));
        let file = match first_holding {
            Some(0) => {
                return Err(invalid(format!("{gtid} is already purged on {}", instance.key)))
            }
            Some(i) => &binlogs[i - 1].0,
            None => match binlogs.last() {
                Some((f, _)) => f,
                None => return Err(invalid(format!("{} has no binary logs", instance.key))),
            },
        };
        if !found.contains(file) {
            found.push(file.clone());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::instance_key::InstanceKey;

    const U1: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const U2: &str = "8a94f357-aab4-11df-86ab-c80aa9429563";

    fn mysql_replica() -> Instance {
        let mut i = Instance::new(InstanceKey::new("r", 3306).unwrap());
        i.flavor = Flavor::MySQL;
        i.executed_gtid_set = format!("{U1}:1-5,{U2}:1-1000");
        i.gtid_errant = format!("{U1}:4-5");
        i
    }

    #[test]
    fn mysql_errant_set_is_exploded_and_subtracted() {
        let i = mysql_replica();
        assert_eq!(errant_transactions(&i).unwrap(), [format!("{U1}:4"), format!("{U1}:5")]);
        assert_eq!(state_after_reset(&i).unwrap(), format!("{U1}:1-3,{U2}:1-1000"));
    }

    /// `SHOW BINLOG EVENTS IN '<file>' LIMIT 2` → the `Previous_gtids` Info of each log, as a
    /// MySQL 8.0 server recorded them.
    #[test]
    fn mysql_locate_from_recorded_previous_gtids() {
        let i = mysql_replica();
        let binlogs = vec![
            ("binlog.000001".to_string(), String::new()),
            ("binlog.000002".to_string(), format!("{U1}:1-3,\n{U2}:1-400")),
            ("binlog.000003".to_string(), format!("{U1}:1-4,\n{U2}:1-900")),
        ];
        assert_eq!(locate_errant(&i, &binlogs).unwrap(), ["binlog.000002", "binlog.000003"]);
    }

    #[test]
    fn mariadb_errant_entries_and_state() {
        let mut i = Instance::new(InstanceKey::new("r", 3306).unwrap());
        i.flavor = Flavor::MariaDB;
        i.gtid_binlog_state = "0-1-100,9-5-2".into();
        i.gtid_errant = "9-5-2".into();
        assert_eq!(errant_transactions(&i).unwrap(), ["9-5-2"]);
        assert_eq!(state_after_reset(&i).unwrap(), "0-1-100");
        let binlogs = vec![
            ("mysql-bin.000001".to_string(), "[]".to_string()),
            ("mysql-bin.000002".to_string(), "[0-1-50,9-5-1]".to_string()),
        ];
        assert_eq!(locate_errant(&i, &binlogs).unwrap(), ["mysql-bin.000002"]);
        i.gtid_errant = String::new();
        assert!(errant_transactions(&i).is_err());
    }
}
