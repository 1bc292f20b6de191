//! The node's own backend database (SQLite file or MySQL server): pool, dialect, schema.
//!
//! This is the only module tree that writes SQL. Replicated tables (written only by the raft
//! state machine) live in `replicated`; node-local tables in `local`. Every value uses the few
//! column types sqlx's Any driver reads on both backends: BIGINT/INT, VARCHAR/TEXT.

pub mod apply_tx;
pub mod cluster_recovery;
pub mod history_tables;
pub mod kv_tables;
pub mod local;
pub mod observed;
pub mod operation_tables;
pub mod probe_share_tables;
pub mod recovery_tables;
pub mod replicated;
mod schema;
pub mod tag_tables;
pub mod unresolve_tables;
pub mod wal;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use thiserror::Error;

use crate::config::BackendConfig;

/// Which SQL dialect the backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite.
    Sqlite,
    /// MySQL or MariaDB.
    MySql,
}

/// Errors of the backend store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The backend could not be reached or opened.
    #[error("cannot open backend database ({what}): {source}")]
    Open {
        /// Which backend (never includes the password).
        what: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("backend query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// A statement on the state machine's synchronous SQLite handle failed.
    #[error("backend query failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored data does not decode.
    #[error("backend data is malformed: {0}")]
    Malformed(String),
    /// The backend's files are damaged (SQLite's integrity check, or a corruption error of either
    /// backend). Never retried: the node stops. Recovery is in docs/operations.md.
    #[error("backend database is corrupt ({what}): {detail}; {CORRUPT_HINT}")]
    Corrupt {
        /// Which backend.
        what: String,
        /// What the check or the driver said.
        detail: String,
    },
}

/// What an operator does about a corrupt backend.
pub const CORRUPT_HINT: &str = "stop the node, move the SQLite file (or drop the MySQL backend \
database) aside and start it again: the node then rebuilds its state from a snapshot (docs/operations.md)";

/// SQLite primary result codes that mean damaged files.
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_NOTADB: i64 = 26;
/// MySQL/MariaDB error numbers that mean damaged or vanished tables: ER_NOT_FORM_FILE,
/// ER_NOT_KEYFILE, ER_CRASHED_ON_USAGE, ER_CRASHED_ON_REPAIR, ER_NO_SUCH_TABLE (the schema this
/// node created is gone), ER_INDEX_CORRUPT, ER_TABLE_CORRUPT.
const MYSQL_CORRUPT: &[u16] = &[1033, 1034, 1194, 1195, 1146, 1712, 1877];

/// Whether a driver error says the backend's data is damaged (as opposed to unreachable).
pub fn is_corruption(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else { return false };
    if let Some(m) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return MYSQL_CORRUPT.contains(&m.number());
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let primary = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
        return matches!(primary, Some(SQLITE_CORRUPT | SQLITE_NOTADB));
    }
    false
}

impl StoreError {
    /// Whether this error means damaged backend data: fatal, never retried.
    pub fn is_corruption(&self) -> bool {
        match self {
            StoreError::Corrupt { .. } => true,
            StoreError::Query(e) | StoreError::Open { source: e, .. } => is_corruption(e),
            StoreError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ),
            StoreError::Malformed(_) => false,
        }
    }
}

/// A replicated-state digest and the applied index it was asked at.
type DigestAt = (Option<u64>, String);

/// Handle to the backend: a connection pool and its dialect. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// Which backend, for messages (never includes the password).
    what: String,
    /// The SQLite file (none for MySQL).
    sqlite_path: Option<std::path::PathBuf>,
    /// The last replicated-state digest served, and the applied index it was asked at.
    digest_cache: std::sync::Arc<std::sync::Mutex<Option<DigestAt>>>,
}

impl Store {
    /// Connects to the backend described by `config`, creates the schema, and checks it works.
    pub async fn open(
        config: &BackendConfig,
        connect_timeout: Duration,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, what, dialect) = match config {
            BackendConfig::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                        what: format!("sqlite {}", path.display()),
                        source: sqlx::Error::Io(e),
                    })?;
                }
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    format!("sqlite {}", path.display()),
                    Dialect::Sqlite,
                )
            }
            BackendConfig::MySql { host, port, database, user, password } => (
                mysql_url(host, *port, database, user, password),
                format!("mysql {user}@{host}:{port}/{database}"),
                Dialect::MySql,
            ),
        };
        let open_err = |source: sqlx::Error| {
            if is_corruption(&source) {
                StoreError::Corrupt { what: what.clone(), detail: source.to_string() }
            } else {
                StoreError::Open { what: what.clone(), source }
            }
        };
        let options: AnyConnectOptions = url.parse().map_err(open_err)?;
        if dialect == Dialect::Sqlite {
            // One plain connection first: a damaged file fails here with SQLite's own error (the
            // pool would only retry until its acquire timeout and report that instead).
            let mut probe = <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options)
                .await
                .map_err(open_err)?;
            let checked = quick_check(&mut probe).await;
            let _ = sqlx::Connection::close(probe).await;
            checked.map_err(|detail| match detail {
                Ok(detail) => StoreError::Corrupt { what: what.clone(), detail },
                Err(source) => open_err(source),
            })?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 })
            .min_connections(1)
            .acquire_timeout(connect_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the state machine's writer. NORMAL is safe here:
                        // the raft log is the durable record and replays anything a crash loses;
                        // snapshots checkpoint before the log behind them is purged.
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute("PRAGMA synchronous=NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout=5000").await?;
                        // Checkpoints run in the background (`Store::checkpoint`), never inside a
                        // committing apply, where they cost up to two fsyncs.
                        conn.execute("PRAGMA wal_autocheckpoint=0").await?;
                        // After a checkpoint resets the WAL, shrink the file back to this size.
                        conn.execute(wal::SIZE_LIMIT_PRAGMA).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(open_err)?;
        let sqlite_path = match config {
            BackendConfig::Sqlite { path } => Some(path.clone()),
            BackendConfig::MySql { .. } => None,
        };
        let store = Store {
            pool,
            dialect,
            what: what.clone(),
            sqlite_path,
            digest_cache: Default::default(),
        };
        store.integrity_check().await?;
        schema::create(&store).await.map_err(|e| match e {
            StoreError::Query(source) if !is_corruption(&source) => {
                StoreError::Open { what: what.clone(), source }
            }
            StoreError::Query(source) => {
                StoreError::Corrupt { what: what.clone(), detail: source.to_string() }
            }
            other => other,
        })?;
        Ok(store)
    }

    /// The SQLite file, for a SQLite backend.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.sqlite_path.as_deref()
    }

    /// The connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The backend's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The statement that opens a transaction that writes. On SQLite `BEGIN IMMEDIATE` takes the
    /// write lock at once, waiting up to `busy_timeout` for it: a deferred transaction that reads
    /// before it writes fails at its first write with "database is locked" whenever another
    /// writer committed in between, and SQLite does not wait in that case. `BEGIN` on MySQL.
    pub fn begin_write_sql(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::MySql => "BEGIN",
        }
    }

    /// A transaction that writes, from the pool ([`Store::begin_write_sql`]).
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(self.pool.begin_with(self.begin_write_sql()).await?)
    }

    /// SQLite's `PRAGMA quick_check`: a damaged file is [`StoreError::Corrupt`]. On MySQL the
    /// server guards its own files; corruption errors of its queries are caught where they occur.
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        if self.dialect != Dialect::Sqlite {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        quick_check(&mut conn).await.map_err(|detail| match detail {
            Ok(detail) => StoreError::Corrupt { what: self.what.clone(), detail },
            Err(e) => StoreError::Query(e),
        })
    }

    /// Whether this SQLite backend's WAL is past its hard bound ([`wal::over_hard_limit`]).
    pub fn wal_over_hard_limit(&self) -> bool {
        self.sqlite_path.as_deref().is_some_and(wal::over_hard_limit)
    }

    /// Copies the SQLite WAL into the database (no-op for MySQL). PASSIVE never blocks the
    /// state machine's writer; `truncate` waits briefly for readers, copies everything and
    /// shrinks the WAL file to nothing, so that it stays bounded under constant load.
    pub async fn checkpoint(&self, truncate: bool) -> Result<(), StoreError> {
        if self.dialect != Dialect::Sqlite {
            return Ok(());
        }
        if !truncate {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.pool).await?;
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        // While TRUNCATE waits for readers it holds the write lock: wait only briefly.
        conn.execute("PRAGMA busy_timeout=200").await?;
        let result = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await;
        conn.execute("PRAGMA busy_timeout=5000").await?;
        result?;
        Ok(())
    }
}

/// SQLite's `PRAGMA quick_check` on `conn`: `Err(Ok(report))` when the file is damaged,
/// `Err(Err(e))` when the check itself could not run.
async fn quick_check(conn: &mut sqlx::AnyConnection) -> Result<(), Result<String, sqlx::Error>> {
    match sqlx::query_scalar::<_, String>("PRAGMA quick_check(5)").fetch_all(&mut *conn).await {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Ok(()),
        Ok(rows) => Err(Ok(format!("PRAGMA quick_check reports: {}", rows.join("; ")))),
        Err(e) if is_corruption(&e) => Err(Ok(e.to_string())),
        Err(e) => Err(Err(e)),
    }
}

/// Percent-encodes a URL userinfo part.
/// The backend's MySQL URL. The backend connection is never encrypted: `ssl-mode=DISABLED` keeps
/// it so now that sqlx is built with TLS (for topology connections), where sqlx's default would
/// be PREFERRED (TLS whenever the server offers it). `MySQLOrchestratorSSL*` is not implemented.
fn mysql_url(host: &str, port: u16, database: &str, user: &str, password: &str) -> String {
    format!(
        "mysql://{}:{}@{}:{}/{}?ssl-mode=DISABLED",
        encode(user),
        encode(password),
        host,
        port,
        database
    )
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_userinfo() {
        assert_eq!(super::encode("p@ss:w/rd"), "p%40ss%3Aw%2Frd");
    }

    #[test]
    fn backend_mysql_never_uses_tls() {
        use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
        let url = super::mysql_url("db", 3306, "orchestrator", "orc", "p@ss");
        let options: MySqlConnectOptions = url.parse().expect("parse");
        assert!(matches!(options.get_ssl_mode(), MySqlSslMode::Disabled));
        assert_eq!((options.get_host(), options.get_database()), ("db", Some("orchestrator")));
    }
}
