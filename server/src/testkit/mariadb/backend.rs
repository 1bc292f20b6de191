//! A standalone server holding orchestrator's backend database (`BackendDB: mysql`).

use super::{Error, Placement, Sandbox, Server};
use crate::testkit::cluster::Backend;

/// A standalone server with one database and a user granted ALL on it; see
/// [`Sandbox::backend_db`].
pub struct BackendDb {
    /// The server (kept alive as long as this value).
    pub server: Server,
    /// The server's address (`127.0.0.1` unless placed elsewhere).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// `orchestrator`.
    pub user: String,
    /// `orch_pass`.
    pub password: String,
    /// The database name passed to [`Sandbox::backend_db`].
    pub database: String,
}

impl BackendDb {
    /// `mysql://user:password@host:port/database`, e.g. for sqlx.
    pub fn url(&self) -> String {
        let BackendDb { user, password, host, port, database, .. } = self;
        format!("mysql://{user}:{password}@{host}:{port}/{database}")
    }

    /// The store's backend config (`BackendDB: mysql`) for this database.
    pub fn config(&self) -> crate::config::BackendConfig {
        crate::config::BackendConfig::MySql {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
        }
    }

    /// The node backend that uses this database.
    pub fn backend(&self) -> Backend {
        Backend::MySql {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
        }
    }
}

impl Sandbox {
    /// Starts one standalone server with database `name` and user `orchestrator`/`orch_pass`
    /// @127.0.0.1 granted ALL on it: a backend for orchestrator's `BackendDB: mysql`.
    pub fn backend_db(&self, name: &str) -> Result<BackendDb, Error> {
        self.backend_db_placed(name, Placement::default())
    }

    /// As [`Sandbox::backend_db`], with the server at `place` (the user is still `@127.0.0.1`, so
    /// a non-loopback placement needs a client connecting from that address, e.g. its namespace).
    pub fn backend_db_placed(&self, name: &str, place: Placement) -> Result<BackendDb, Error> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Usage(format!(
                "backend database name {name:?} must match [A-Za-z0-9_]+"
            )));
        }
        let host = place.host.clone();
        let server = self
            .start_placed(vec![place])?
            .pop()
            .ok_or_else(|| Error::Usage("no server started".into()))?;
        let (user, password) = ("orchestrator", "orch_pass");
        server.sql(&format!(
            "CREATE DATABASE `{name}`; CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'; \
             GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'127.0.0.1'"
        ))?;
        Ok(BackendDb {
            host,
            port: server.port(),
            user: user.into(),
            password: password.into(),
            database: name.into(),
            server,
        })
    }
}
