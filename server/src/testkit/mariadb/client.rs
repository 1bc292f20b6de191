//! SQL over TCP with sqlx as [`ORC_USER`] (text protocol), as orchestrator itself connects: for
//! callers that are async and poll many servers (the benchmarks).

use std::collections::HashMap;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{Column, ConnectOptions, Connection, Row};

use super::{Error, Server, ORC_PASSWORD, ORC_USER};

fn sql_error(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error {
    let what = what.into();
    move |source| Error::Sql { what, source }
}

/// A connection as [`ORC_USER`] to `host:port` (2 s connect timeout, no TLS).
pub async fn connect(host: &str, port: u16) -> Result<MySqlConnection, Error> {
    let options = MySqlConnectOptions::new()
        .host(host)
        .port(port)
        .username(ORC_USER)
        .password(ORC_PASSWORD)
        .ssl_mode(MySqlSslMode::Disabled)
        .statement_cache_capacity(0);
    let what = format!("connect to {host}:{port}");
    match tokio::time::timeout(Duration::from_secs(2), options.connect()).await {
        Ok(r) => r.map_err(sql_error(what)),
        Err(_) => Err(Error::Usage(format!("{what}: timed out"))),
    }
}

/// Rows of `sql` as column → value (NULL as absent).
pub async fn query(
    conn: &mut MySqlConnection,
    sql: &str,
) -> Result<Vec<HashMap<String, String>>, Error> {
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_error(sql))?;
    Ok(rows
        .iter()
        .map(|row| {
            row.columns()
                .iter()
                .filter_map(|c| {
                    let v =
                        row.try_get_unchecked::<Option<String>, _>(c.ordinal()).ok().flatten()?;
                    Some((c.name().to_string(), v))
                })
                .collect()
        })
        .collect())
}

/// The first value of the first row of `sql`.
pub async fn scalar(conn: &mut MySqlConnection, sql: &str) -> Result<Option<String>, Error> {
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_error(sql))?;
    Ok(rows.first().and_then(|r| r.try_get_unchecked::<Option<String>, _>(0).ok().flatten()))
}

/// `SHOW SLAVE STATUS` as column → value (empty when not a replica).
pub async fn slave_status(conn: &mut MySqlConnection) -> Result<HashMap<String, String>, Error> {
    Ok(query(conn, "SHOW SLAVE STATUS").await?.into_iter().next().unwrap_or_default())
}

impl Server {
    /// A new connection as [`ORC_USER`] over TCP.
    pub async fn connect(&self) -> Result<MySqlConnection, Error> {
        connect(self.host(), self.port()).await
    }

    /// Runs each statement, in order, on one new [`ORC_USER`] connection.
    pub async fn exec(&self, statements: &[&str]) -> Result<(), Error> {
        let mut conn = self.connect().await?;
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .map_err(sql_error(format!("{self}: {sql}")))?;
        }
        let _ = conn.close().await;
        Ok(())
    }
}
