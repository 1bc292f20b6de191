//! Hostname unresolve registrations in the backend (`hostname_unresolve`, replicated: written
//! only by the raft state machine from `register-hostname-unresolve`), and their reads.

use app::core::unresolve::{HostnameRegistration, HostnameUnresolve};
use app::core::CommandOutcome;
use sqlx::AnyConnection;

use super::{Store, StoreError};

/// Applies `register-hostname-unresolve`: sets the host's virtual name (by host name, as
/// orchestrator keys it), or removes it when the name is empty.
pub async fn register(
    conn: &mut AnyConnection,
    r: &HostnameRegistration,
) -> Result<CommandOutcome, StoreError> {
    if r.virtual_name.is_empty() {
        sqlx::query("DELETE FROM hostname_unresolve WHERE hostname = ?")
            .bind(&r.key.hostname)
            .execute(&mut *conn)
            .await?;
    } else {
        put(
            conn,
            &HostnameUnresolve {
                hostname: r.key.hostname.clone(),
                unresolved_hostname: r.virtual_name.clone(),
                registered_at_ms: r.registered_at_ms,
            },
        )
        .await?;
    }
    Ok(CommandOutcome::Applied)
}

async fn put(conn: &mut AnyConnection, u: &HostnameUnresolve) -> Result<(), StoreError> {
    sqlx::query(
        "REPLACE INTO hostname_unresolve (hostname, unresolved_hostname, last_registered_ms) \
         VALUES (?, ?, ?)",
    )
    .bind(&u.hostname)
    .bind(&u.unresolved_hostname)
    .bind(u.registered_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every registration, by host name (lapsed ones included: they are filtered when read).
pub async fn dump(conn: &mut AnyConnection) -> Result<Vec<HostnameUnresolve>, StoreError> {
    Ok(sqlx::query_as::<_, (String, String, i64)>(
        "SELECT hostname, unresolved_hostname, last_registered_ms FROM hostname_unresolve \
         ORDER BY hostname",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(hostname, unresolved_hostname, registered_at_ms)| HostnameUnresolve {
        hostname,
        unresolved_hostname,
        registered_at_ms,
    })
    .collect())
}

/// Replaces every registration (snapshot install).
pub async fn restore(
    conn: &mut AnyConnection,
    rows: &[HostnameUnresolve],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM hostname_unresolve").execute(&mut *conn).await?;
    for u in rows {
        put(conn, u).await?;
    }
    Ok(())
}

impl Store {
    /// The registrations made at or after `since_ms` (older ones have lapsed), by host name.
    pub async fn hostname_unresolves(
        &self,
        since_ms: i64,
    ) -> Result<Vec<HostnameUnresolve>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let mut rows = dump(&mut conn).await?;
        rows.retain(|u| u.registered_at_ms >= since_ms);
        Ok(rows)
    }
}
