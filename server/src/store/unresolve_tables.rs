//! Hostname unresolve registrations in the backend (`hostname_unresolve`, replicated: written
//! only by the raft state machine from `register-hostname-unresolve`), and their reads.

use app::core::unresolve::{HostnameRegistration, HostnameUnresolve};
use app::core::CommandOutcome;
use sqlx::AnyConnection;

use super::apply_tx::{int, text, ApplyTx};
use super::{Store, StoreError};

/// Applies `register-hostname-unresolve`: sets the host's virtual name (by host name, as
/// orchestrator keys it), or removes it when the name is empty.
pub async fn register(
    tx: &mut ApplyTx<'_>,
    r: &HostnameRegistration,
) -> Result<CommandOutcome, StoreError> {
    if r.virtual_name.is_empty() {
        tx.exec("DELETE FROM hostname_unresolve WHERE hostname = ?", &[text(&r.key.hostname)])
            .await?;
    } else {
        put(
            tx,
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

async fn put(tx: &mut ApplyTx<'_>, u: &HostnameUnresolve) -> Result<(), StoreError> {
    tx.exec(
        "REPLACE INTO hostname_unresolve (hostname, unresolved_hostname, last_registered_ms) \
         VALUES (?, ?, ?)",
        &[text(&u.hostname), text(&u.unresolved_hostname), int(u.registered_at_ms)],
    )
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
pub async fn restore(tx: &mut ApplyTx<'_>, rows: &[HostnameUnresolve]) -> Result<(), StoreError> {
    tx.exec("DELETE FROM hostname_unresolve", &[]).await?;
    for u in rows {
        put(tx, u).await?;
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
