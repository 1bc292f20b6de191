//! The apply transaction: the one interface the replicated-table writers run their SQL through,
//! served by sqlx (either backend) or by a synchronous SQLite handle on the state machine's task.
//!
//! Every statement is written once, in the table modules; only how it reaches the database
//! differs. The SQLite handle runs each statement in place (no hand-off to sqlx's worker thread
//! and back), which is what the state machine uses for the SQLite backend.

use sqlx::{AnyConnection, Row};

use super::StoreError;

/// A bound parameter.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// An integer.
    Int(i64),
    /// A string.
    Text(&'a str),
}

/// An integer parameter.
pub fn int(n: impl Into<i64>) -> Arg<'static> {
    Arg::Int(n.into())
}

/// A string parameter.
pub fn text(s: &str) -> Arg<'_> {
    Arg::Text(s)
}

/// The type of a selected column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer (`NULL` reads as absent).
    Int,
    /// A string.
    Text,
}

/// A read value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// An integer.
    Int(i64),
    /// A string.
    Text(String),
    /// SQL `NULL`.
    Null,
}

impl Val {
    /// The integer, or `Malformed`.
    pub fn int(&self) -> Result<i64, StoreError> {
        match self {
            Val::Int(n) => Ok(*n),
            other => Err(StoreError::Malformed(format!("expected an integer, read {other:?}"))),
        }
    }

    /// The integer, `None` for `NULL`.
    pub fn opt_int(&self) -> Result<Option<i64>, StoreError> {
        match self {
            Val::Null => Ok(None),
            other => other.int().map(Some),
        }
    }

    /// The string, or `Malformed`.
    pub fn into_text(self) -> Result<String, StoreError> {
        match self {
            Val::Text(s) => Ok(s),
            other => Err(StoreError::Malformed(format!("expected a string, read {other:?}"))),
        }
    }
}

/// Where an apply transaction's statements go.
pub enum ApplyTx<'c> {
    /// A sqlx connection (inside a transaction the caller opened).
    Sqlx(&'c mut AnyConnection),
    /// A synchronous SQLite connection (inside a transaction the caller opened).
    Sqlite(&'c mut rusqlite::Connection),
}

impl ApplyTx<'_> {
    /// Runs a statement; returns the number of rows it changed.
    pub async fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        match self {
            ApplyTx::Sqlx(conn) => {
                Ok(sqlx_query(sql, args).execute(&mut **conn).await?.rows_affected())
            }
            ApplyTx::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let n = stmt.execute(rusqlite::params_from_iter(args.iter().map(to_sql)))?;
                Ok(n as u64)
            }
        }
    }

    /// Runs a query; returns its rows, each column read as `kinds` says.
    pub async fn rows(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        kinds: &[Kind],
    ) -> Result<Vec<Vec<Val>>, StoreError> {
        match self {
            ApplyTx::Sqlx(conn) => {
                let rows = sqlx_query(sql, args).fetch_all(&mut **conn).await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut vals = Vec::with_capacity(kinds.len());
                    for (i, kind) in kinds.iter().enumerate() {
                        vals.push(match kind {
                            Kind::Int => {
                                row.try_get::<Option<i64>, _>(i)?.map_or(Val::Null, Val::Int)
                            }
                            Kind::Text => {
                                row.try_get::<Option<String>, _>(i)?.map_or(Val::Null, Val::Text)
                            }
                        });
                    }
                    out.push(vals);
                }
                Ok(out)
            }
            ApplyTx::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args.iter().map(to_sql)))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut vals = Vec::with_capacity(kinds.len());
                    for (i, kind) in kinds.iter().enumerate() {
                        vals.push(match kind {
                            Kind::Int => row.get::<_, Option<i64>>(i)?.map_or(Val::Null, Val::Int),
                            Kind::Text => {
                                row.get::<_, Option<String>>(i)?.map_or(Val::Null, Val::Text)
                            }
                        });
                    }
                    out.push(vals);
                }
                Ok(out)
            }
        }
    }

    /// The first column of the first row as an integer (`None` when there is no row or it is
    /// `NULL`): `COUNT(*)`, `MAX(id)`.
    pub async fn int(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<i64>, StoreError> {
        let rows = self.rows(sql, args, &[Kind::Int]).await?;
        match rows.into_iter().next().and_then(|r| r.into_iter().next()) {
            Some(v) => v.opt_int(),
            None => Ok(None),
        }
    }
}

/// `sql` with `args` bound, for sqlx.
fn sqlx_query<'q>(
    sql: &str,
    args: &[Arg<'_>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in args {
        q = match *a {
            Arg::Int(n) => q.bind(n),
            Arg::Text(s) => q.bind(s.to_owned()),
        };
    }
    q
}

/// An argument as rusqlite binds it (borrowed, no copy).
fn to_sql<'a>(a: &'a Arg<'a>) -> rusqlite::types::ToSqlOutput<'a> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    match *a {
        Arg::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(n)),
        Arg::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
    }
}

/// Opens the state machine's synchronous handle on a SQLite backend file, with the pool's
/// settings (WAL, `synchronous=NORMAL`, the same busy timeout, no automatic checkpoints).
pub fn open_sqlite(path: &std::path::Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_millis(5000))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;",
    )?;
    conn.execute_batch(super::wal::SIZE_LIMIT_PRAGMA)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}
