//! The statements of topology operations in each server's dialect: MariaDB, MySQL before
//! 8.0.22 (`SLAVE`/`MASTER`), MySQL 8.0.22+ (`START REPLICA`, `SHOW REPLICA STATUS`) and 8.0.23+
//! (`CHANGE REPLICATION SOURCE TO … SOURCE_*`; 8.4 no longer accepts the old forms). Text only;
//! `session` runs them.

use app::core::instance::{BinlogCoordinates, Flavor, Instance};
use app::core::InstanceKey;

use crate::probe::queries::version_triplet;

/// How `CHANGE MASTER TO` positions the replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Keep whatever positioning the replica uses (only host and port change).
    Keep,
    /// By GTID: MariaDB `slave_pos` (`current_pos` for a former master), MySQL auto-position.
    Gtid {
        /// MariaDB: the server was a master, its own binlog is its position.
        former_master: bool,
    },
    /// At binlog coordinates of the new master, GTID positioning off.
    Coordinates(BinlogCoordinates),
    /// Where the replica itself has executed (read once it is stopped): GTID positioning is
    /// kept, binlog replication takes its executed coordinates. Resolved before the statement
    /// is built (as `Keep` or `Coordinates`).
    Executed,
}

/// One server's dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    flavor: Flavor,
    version: (u32, u32, u32),
}

/// SQL string literal.
pub fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl Dialect {
    /// The dialect of `instance` (its flavor and version).
    pub fn of(instance: &Instance) -> Self {
        Dialect { flavor: instance.flavor, version: version_triplet(&instance.version) }
    }

    fn mysql_at_least(&self, v: (u32, u32, u32)) -> bool {
        self.flavor == Flavor::MySQL && self.version >= v
    }

    /// `REPLICA`/`SLAVE`.
    fn replica(&self) -> &'static str {
        if self.mysql_at_least((8, 0, 22)) {
            "REPLICA"
        } else {
            "SLAVE"
        }
    }

    /// `SOURCE`/`MASTER` option prefix of `CHANGE … TO`.
    fn source(&self) -> &'static str {
        if self.mysql_at_least((8, 0, 23)) {
            "SOURCE"
        } else {
            "MASTER"
        }
    }

    fn change_to(&self) -> &'static str {
        if self.mysql_at_least((8, 0, 23)) {
            "CHANGE REPLICATION SOURCE TO"
        } else {
            "CHANGE MASTER TO"
        }
    }

    /// `STOP SLAVE` / `STOP REPLICA`.
    pub fn stop(&self) -> String {
        format!("STOP {}", self.replica())
    }

    /// `START SLAVE` / `START REPLICA`.
    pub fn start(&self) -> String {
        format!("START {}", self.replica())
    }

    /// Stop only the IO thread.
    pub fn stop_io(&self) -> String {
        format!("STOP {} IO_THREAD", self.replica())
    }

    /// Start only the IO thread.
    pub fn start_io(&self) -> String {
        format!("START {} IO_THREAD", self.replica())
    }

    /// Stop only the SQL thread.
    pub fn stop_sql(&self) -> String {
        format!("STOP {} SQL_THREAD", self.replica())
    }

    /// Start only the SQL thread.
    pub fn start_sql(&self) -> String {
        format!("START {} SQL_THREAD", self.replica())
    }

    /// `START SLAVE UNTIL` the master's coordinates.
    pub fn start_until(&self, c: &BinlogCoordinates) -> String {
        let s = self.source();
        format!(
            "START {} UNTIL {s}_LOG_FILE={}, {s}_LOG_POS={}",
            self.replica(),
            lit(&c.file),
            c.pos
        )
    }

    /// `SHOW SLAVE STATUS` / `SHOW REPLICA STATUS`.
    pub fn show_status(&self) -> String {
        format!("SHOW {} STATUS", self.replica())
    }

    /// `RESET SLAVE ALL` / `RESET REPLICA ALL`.
    pub fn reset_all(&self) -> String {
        format!("RESET {} ALL", self.replica())
    }

    /// Points replication at `master` (credentials are kept: `CHANGE MASTER TO` leaves what it
    /// does not name).
    pub fn change_master(&self, master: &InstanceKey, position: &Position) -> String {
        let s = self.source();
        let mut sql = format!(
            "{} {s}_HOST={}, {s}_PORT={}",
            self.change_to(),
            lit(&master.hostname),
            master.port
        );
        match (position, self.flavor) {
            (Position::Keep | Position::Executed, _) => {}
            (Position::Gtid { former_master }, Flavor::MariaDB) => {
                let mode = if *former_master { "current_pos" } else { "slave_pos" };
                sql.push_str(&format!(", MASTER_USE_GTID={mode}"));
            }
            (Position::Gtid { .. }, Flavor::MySQL) => {
                sql.push_str(&format!(", {s}_AUTO_POSITION=1"))
            }
            (Position::Coordinates(c), flavor) => {
                sql.push_str(&format!(", {s}_LOG_FILE={}, {s}_LOG_POS={}", lit(&c.file), c.pos));
                sql.push_str(match flavor {
                    Flavor::MariaDB => ", MASTER_USE_GTID=no",
                    Flavor::MySQL => "",
                });
                if flavor == Flavor::MySQL {
                    sql.push_str(&format!(", {s}_AUTO_POSITION=0"));
                }
            }
        }
        sql
    }

    /// The replication user clause appended to [`Dialect::change_master`].
    pub fn credentials(&self, user: &str, password: &str) -> String {
        let s = self.source();
        format!(", {s}_USER={}, {s}_PASSWORD={}", lit(user), lit(password))
    }

    /// Switches GTID positioning on (MariaDB `slave_pos`, MySQL auto-position) or off.
    pub fn use_gtid(&self, enable: bool) -> String {
        match self.flavor {
            Flavor::MariaDB => {
                format!(
                    "CHANGE MASTER TO MASTER_USE_GTID={}",
                    if enable { "slave_pos" } else { "no" }
                )
            }
            Flavor::MySQL => {
                format!("{} {}_AUTO_POSITION={}", self.change_to(), self.source(), u8::from(enable))
            }
        }
    }

    /// `MASTER_DELAY` / `SOURCE_DELAY`.
    pub fn delay(&self, seconds: u32) -> String {
        format!("{} {}_DELAY={seconds}", self.change_to(), self.source())
    }

    /// Skip one statement in binlog-coordinates replication.
    pub fn skip_counter(&self) -> String {
        if self.mysql_at_least((8, 0, 26)) {
            "SET GLOBAL sql_replica_skip_counter = 1".into()
        } else {
            "SET GLOBAL sql_slave_skip_counter = 1".into()
        }
    }

    /// Semi-sync on the master side.
    pub fn semi_sync_master(&self, enable: bool) -> String {
        let var = if self.mysql_at_least((8, 0, 26)) {
            "rpl_semi_sync_source_enabled"
        } else {
            "rpl_semi_sync_master_enabled"
        };
        format!("SET GLOBAL {var} = {}", u8::from(enable))
    }

    /// Semi-sync on the replica side.
    pub fn semi_sync_replica(&self, enable: bool) -> String {
        let var = if self.mysql_at_least((8, 0, 26)) {
            "rpl_semi_sync_replica_enabled"
        } else {
            "rpl_semi_sync_slave_enabled"
        };
        format!("SET GLOBAL {var} = {}", u8::from(enable))
    }

    /// The purged GTID set (MySQL), for the purged-gap check.
    pub fn gtid_purged(&self) -> Option<&'static str> {
        (self.flavor == Flavor::MySQL).then_some("SELECT @@GLOBAL.gtid_purged")
    }
}

impl Dialect {
    /// `read_only` on or off; with `UseSuperReadOnly` on MySQL, `super_read_only` too (on:
    /// `super_read_only=1`, which implies `read_only`; off: `super_read_only=0` first).
    pub fn read_only_statements(&self, read_only: bool, use_super: bool) -> Vec<String> {
        let plain = set_read_only(read_only);
        if !use_super || self.flavor != Flavor::MySQL {
            return vec![plain];
        }
        if read_only {
            vec![plain, "SET GLOBAL super_read_only = 1".into()]
        } else {
            vec!["SET GLOBAL super_read_only = 0".into(), plain]
        }
    }
}

/// `SET GLOBAL read_only`.
pub fn set_read_only(read_only: bool) -> String {
    format!("SET GLOBAL read_only = {}", u8::from(read_only))
}

/// `PURGE BINARY LOGS TO`.
pub fn purge_to(file: &str) -> String {
    format!("PURGE BINARY LOGS TO {}", lit(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect(flavor: Flavor, version: &str) -> Dialect {
        let mut i = Instance::new(InstanceKey::new("db", 3306).unwrap());
        i.flavor = flavor;
        i.version = version.into();
        Dialect::of(&i)
    }

    fn m() -> InstanceKey {
        InstanceKey::new("m1", 3307).unwrap()
    }

    #[test]
    fn mariadb_speaks_slave_and_master_use_gtid() {
        let d = dialect(Flavor::MariaDB, "10.11.6-MariaDB-log");
        assert_eq!(d.stop(), "STOP SLAVE");
        assert_eq!(d.show_status(), "SHOW SLAVE STATUS");
        assert_eq!(
            d.change_master(&m(), &Position::Gtid { former_master: false }),
            "CHANGE MASTER TO MASTER_HOST='m1', MASTER_PORT=3307, MASTER_USE_GTID=slave_pos"
        );
        let c = BinlogCoordinates::new("mysql-bin.000002", 342);
        assert_eq!(
            d.change_master(&m(), &Position::Coordinates(c.clone())),
            "CHANGE MASTER TO MASTER_HOST='m1', MASTER_PORT=3307, MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=342, MASTER_USE_GTID=no"
        );
        assert_eq!(
            d.start_until(&c),
            "START SLAVE UNTIL MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=342"
        );
        assert_eq!(d.semi_sync_replica(true), "SET GLOBAL rpl_semi_sync_slave_enabled = 1");
    }

    #[test]
    fn mysql_8_speaks_replica_and_source() {
        let d = dialect(Flavor::MySQL, "8.0.36");
        assert_eq!(d.stop(), "STOP REPLICA");
        assert_eq!(d.show_status(), "SHOW REPLICA STATUS");
        assert_eq!(d.reset_all(), "RESET REPLICA ALL");
        assert_eq!(
            d.change_master(&m(), &Position::Gtid { former_master: true }),
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='m1', SOURCE_PORT=3307, SOURCE_AUTO_POSITION=1"
        );
        let c = BinlogCoordinates::new("binlog.000007", 157);
        assert_eq!(
            d.change_master(&m(), &Position::Coordinates(c.clone())),
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='m1', SOURCE_PORT=3307, SOURCE_LOG_FILE='binlog.000007', SOURCE_LOG_POS=157, SOURCE_AUTO_POSITION=0"
        );
        assert_eq!(
            d.start_until(&c),
            "START REPLICA UNTIL SOURCE_LOG_FILE='binlog.000007', SOURCE_LOG_POS=157"
        );
        assert_eq!(d.delay(60), "CHANGE REPLICATION SOURCE TO SOURCE_DELAY=60");
        assert_eq!(d.skip_counter(), "SET GLOBAL sql_replica_skip_counter = 1");
        assert_eq!(d.semi_sync_master(false), "SET GLOBAL rpl_semi_sync_source_enabled = 0");
        assert_eq!(d.gtid_purged(), Some("SELECT @@GLOBAL.gtid_purged"));
    }

    #[test]
    fn mysql_5_7_and_8_0_22_are_in_between() {
        let d = dialect(Flavor::MySQL, "5.7.44-log");
        assert_eq!(d.start(), "START SLAVE");
        assert_eq!(
            d.change_master(&m(), &Position::Keep),
            "CHANGE MASTER TO MASTER_HOST='m1', MASTER_PORT=3307"
        );
        let d = dialect(Flavor::MySQL, "8.0.22");
        assert_eq!(d.start(), "START REPLICA");
        assert_eq!(
            d.change_master(&m(), &Position::Keep),
            "CHANGE MASTER TO MASTER_HOST='m1', MASTER_PORT=3307"
        );
        assert_eq!(lit("a'b"), "'a\\'b'");
    }

    #[test]
    fn super_read_only_only_on_mysql_when_asked() {
        let mysql = dialect(Flavor::MySQL, "8.0.35");
        assert_eq!(mysql.read_only_statements(true, false), ["SET GLOBAL read_only = 1"]);
        assert_eq!(
            mysql.read_only_statements(true, true),
            ["SET GLOBAL read_only = 1", "SET GLOBAL super_read_only = 1"]
        );
        assert_eq!(
            mysql.read_only_statements(false, true),
            ["SET GLOBAL super_read_only = 0", "SET GLOBAL read_only = 0"]
        );
        let mariadb = dialect(Flavor::MariaDB, "10.11.6-MariaDB");
        assert_eq!(mariadb.read_only_statements(false, true), ["SET GLOBAL read_only = 0"]);
    }
}
