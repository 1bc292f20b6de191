//! A node's backend database and the config keys that select it.

use std::path::Path;

use serde_json::{Map, Value};

/// Backend of one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file `orchestrator.db` in the node's directory.
    Sqlite,
    /// MySQL/MariaDB (see `mariadb::BackendDb::backend`).
    MySql {
        /// Address as the node reaches it.
        host: String,
        /// TCP port.
        port: u16,
        /// Database name.
        database: String,
        /// User.
        user: String,
        /// Password.
        password: String,
    },
}

impl Backend {
    /// `BackendDB` and its keys for a node whose directory is `node_dir`.
    pub(super) fn keys(&self, node_dir: &Path) -> Map<String, Value> {
        let mut keys = Map::new();
        match self {
            Backend::Sqlite => {
                keys.insert("BackendDB".into(), "sqlite".into());
                let file = node_dir.join("orchestrator.db").display().to_string();
                keys.insert("SQLite3DataFile".into(), file.into());
            }
            Backend::MySql { host, port, database, user, password } => {
                keys.insert("BackendDB".into(), "mysql".into());
                keys.insert("MySQLOrchestratorHost".into(), host.as_str().into());
                keys.insert("MySQLOrchestratorPort".into(), (*port).into());
                keys.insert("MySQLOrchestratorDatabase".into(), database.as_str().into());
                keys.insert("MySQLOrchestratorUser".into(), user.as_str().into());
                keys.insert("MySQLOrchestratorPassword".into(), password.as_str().into());
            }
        }
        keys
    }
}
