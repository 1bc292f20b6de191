//! Replicated tables of topology operations: maintenance locks and the audit log. Written only
//! by the raft state machine, deterministically: ids are the next number after the largest
//! stored, times come from the command envelope.

use app::core::audit::AuditEntry;
use app::core::maintenance::{Maintenance, MaintenanceEnd};
use app::core::{CommandOutcome, InstanceKey};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::apply_tx::{int, text, ApplyTx, Arg, Kind, Val};
use super::{Store, StoreError};

type MaintenanceRow = (i64, String, i32, String, String, i64, i64, i64);
type AuditRow = (i64, i64, String, String, i32, String);

const MAINTENANCE_COLUMNS: &str = "maintenance_id, hostname, port, owner, reason, begins_at_ms, \
                                   ends_at_ms, ended_at_ms";
const AUDIT_COLUMNS: &str = "audit_id, at_ms, audit_type, hostname, port, message";

fn key(hostname: String, port: i32) -> Result<InstanceKey, StoreError> {
    let port = u16::try_from(port)
        .map_err(|_| StoreError::Malformed(format!("port {port} out of range")))?;
    Ok(InstanceKey { hostname, port })
}

fn id(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Malformed(format!("negative id {n}")))
}

fn maintenance(row: MaintenanceRow) -> Result<Maintenance, StoreError> {
    let (m_id, h, p, owner, reason, begins_at_ms, ends_at_ms, ended) = row;
    Ok(Maintenance {
        id: id(m_id)?,
        key: key(h, p)?,
        owner,
        reason,
        begins_at_ms,
        ends_at_ms,
        ended_at_ms: (ended != 0).then_some(ended),
    })
}

fn audit(row: AuditRow) -> Result<AuditEntry, StoreError> {
    let (a_id, at_ms, audit_type, h, p, message) = row;
    Ok(AuditEntry { id: id(a_id)?, at_ms, audit_type, key: key(h, p)?, message })
}

/// Reads selected `MAINTENANCE_COLUMNS` rows.
async fn maintenance_rows(
    tx: &mut ApplyTx<'_>,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<Vec<Maintenance>, StoreError> {
    use Kind::{Int, Text};
    let rows = tx.rows(sql, args, &[Int, Text, Int, Text, Text, Int, Int, Int]).await?;
    rows.into_iter()
        .map(|r| {
            let mut v = r.into_iter();
            let mut next = || v.next().unwrap_or(Val::Null);
            let row: MaintenanceRow = (
                next().int()?,
                next().into_text()?,
                port(next().int()?)?,
                next().into_text()?,
                next().into_text()?,
                next().int()?,
                next().int()?,
                next().int()?,
            );
            maintenance(row)
        })
        .collect()
}

fn port(n: i64) -> Result<i32, StoreError> {
    i32::try_from(n).map_err(|_| StoreError::Malformed(format!("port {n} out of range")))
}

async fn next_id(tx: &mut ApplyTx<'_>, sql: &str) -> Result<i64, StoreError> {
    Ok(tx.int(sql, &[]).await?.unwrap_or(0) + 1)
}

async fn insert_maintenance(tx: &mut ApplyTx<'_>, m: &Maintenance) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO database_instance_maintenance (maintenance_id, hostname, port, owner, reason, \
         begins_at_ms, ends_at_ms, ended_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            int(m.id as i64),
            text(&m.key.hostname),
            int(m.key.port),
            text(&m.owner),
            text(&m.reason),
            int(m.begins_at_ms),
            int(m.ends_at_ms),
            int(m.ended_at_ms.unwrap_or(0)),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_audit(tx: &mut ApplyTx<'_>, a: &AuditEntry) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO audit (audit_id, at_ms, audit_type, hostname, port, message) \
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            int(a.id as i64),
            int(a.at_ms),
            text(&a.audit_type),
            text(&a.key.hostname),
            int(a.key.port),
            text(&a.message),
        ],
    )
    .await?;
    Ok(())
}

/// `begin-maintenance`: refused (skipped) while the instance holds an active lock.
pub async fn begin(
    tx: &mut ApplyTx<'_>,
    m: &Maintenance,
    now: i64,
) -> Result<CommandOutcome, StoreError> {
    let held = maintenance_rows(
        tx,
        &format!(
            "SELECT {MAINTENANCE_COLUMNS} FROM database_instance_maintenance
             WHERE hostname = ? AND port = ? AND ended_at_ms = 0 AND ends_at_ms > ?
             ORDER BY maintenance_id LIMIT 1"
        ),
        &[text(&m.key.hostname), int(m.key.port), int(now)],
    )
    .await?;
    if let Some(held) = held.into_iter().next() {
        return Ok(CommandOutcome::Skipped {
            reason: format!(
                "Cannot begin maintenance on {}: already under maintenance (id {}) by {}: {}",
                m.key, held.id, held.owner, held.reason
            ),
        });
    }
    if m.ends_at_ms <= now {
        return Ok(CommandOutcome::Skipped {
            reason: format!("maintenance of {} had already lapsed", m.key),
        });
    }
    let next = next_id(tx, "SELECT MAX(maintenance_id) FROM database_instance_maintenance").await?;
    insert_maintenance(tx, &Maintenance { id: id(next)?, ..m.clone() }).await?;
    Ok(CommandOutcome::Applied)
}

/// `end-maintenance`: ends the selected active lock, if any.
pub async fn end(
    tx: &mut ApplyTx<'_>,
    which: &MaintenanceEnd,
    now: i64,
) -> Result<CommandOutcome, StoreError> {
    let rows = maintenance_rows(
        tx,
        &format!(
            "SELECT {MAINTENANCE_COLUMNS} FROM database_instance_maintenance
             WHERE ended_at_ms = 0 AND ends_at_ms > ? ORDER BY maintenance_id"
        ),
        &[int(now)],
    )
    .await?;
    let mut ended = 0;
    for m in rows {
        if which.selects(&m) {
            tx.exec(
                "UPDATE database_instance_maintenance SET ended_at_ms = ? WHERE maintenance_id = ?",
                &[int(now.max(1)), int(m.id as i64)],
            )
            .await?;
            ended += 1;
        }
    }
    Ok(if ended == 0 {
        CommandOutcome::Unchanged { reason: format!("{which} is not under maintenance") }
    } else {
        CommandOutcome::Applied
    })
}

/// `audit`: appends a line.
pub async fn append_audit(
    tx: &mut ApplyTx<'_>,
    a: &AuditEntry,
) -> Result<CommandOutcome, StoreError> {
    let next = next_id(tx, "SELECT MAX(audit_id) FROM audit").await?;
    insert_audit(tx, &AuditEntry { id: id(next)?, ..a.clone() }).await?;
    Ok(CommandOutcome::Applied)
}

/// Drops audit lines and finished locks from before `before_ms`, keeping the newest row of
/// each table so that ids keep growing.
pub async fn prune(tx: &mut ApplyTx<'_>, before_ms: i64) -> Result<(), StoreError> {
    let max_m =
        tx.int("SELECT MAX(maintenance_id) FROM database_instance_maintenance", &[]).await?;
    tx.exec(
        "DELETE FROM database_instance_maintenance WHERE ends_at_ms < ? AND maintenance_id < ?",
        &[int(before_ms), int(max_m.unwrap_or(0))],
    )
    .await?;
    let max_a = tx.int("SELECT MAX(audit_id) FROM audit", &[]).await?;
    tx.exec(
        "DELETE FROM audit WHERE at_ms < ? AND audit_id < ?",
        &[int(before_ms), int(max_a.unwrap_or(0))],
    )
    .await?;
    Ok(())
}

/// The tables' content, in id order (part of snapshots and the replicated digest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationTables {
    /// Maintenance locks, ended and lapsed ones included until pruned.
    pub maintenance: Vec<Maintenance>,
    /// Audit lines.
    pub audit: Vec<AuditEntry>,
}

/// Reads both tables.
pub async fn dump(conn: &mut AnyConnection) -> Result<OperationTables, StoreError> {
    let maintenance = sqlx::query_as::<_, MaintenanceRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {MAINTENANCE_COLUMNS} FROM database_instance_maintenance ORDER BY maintenance_id"
    )))
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(maintenance)
    .collect::<Result<Vec<_>, _>>()?;
    let audit = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {AUDIT_COLUMNS} FROM audit ORDER BY audit_id"
    )))
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(audit)
    .collect::<Result<Vec<_>, _>>()?;
    Ok(OperationTables { maintenance, audit })
}

/// Replaces both tables' content (snapshot install).
pub async fn restore(tx: &mut ApplyTx<'_>, t: &OperationTables) -> Result<(), StoreError> {
    tx.exec("DELETE FROM database_instance_maintenance", &[]).await?;
    tx.exec("DELETE FROM audit", &[]).await?;
    for m in &t.maintenance {
        insert_maintenance(tx, m).await?;
    }
    for a in &t.audit {
        insert_audit(tx, a).await?;
    }
    Ok(())
}

impl Store {
    /// Locks held at `now_ms`, in id order.
    pub async fn active_maintenance(&self, now_ms: i64) -> Result<Vec<Maintenance>, StoreError> {
        sqlx::query_as::<_, MaintenanceRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {MAINTENANCE_COLUMNS} FROM database_instance_maintenance
             WHERE ended_at_ms = 0 AND begins_at_ms <= ? AND ends_at_ms > ? ORDER BY maintenance_id"
        )))
        .bind(now_ms)
        .bind(now_ms)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(maintenance)
        .collect()
    }

    /// Audit lines, newest first: page `page` of [`app::core::audit::AUDIT_PAGE_SIZE`], of one
    /// instance or of all.
    pub async fn audit_page(
        &self,
        instance: Option<&InstanceKey>,
        page: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let size = app::core::audit::AUDIT_PAGE_SIZE;
        let offset = i64::try_from(page.saturating_mul(size)).unwrap_or(i64::MAX);
        let filter = if instance.is_some() { "WHERE hostname = ? AND port = ?" } else { "" };
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit {filter} ORDER BY audit_id DESC LIMIT ? OFFSET ?"
        );
        let mut query = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql));
        if let Some(k) = instance {
            query = query.bind(k.hostname.clone()).bind(i32::from(k.port));
        }
        query
            .bind(size as i64)
            .bind(offset)
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(audit)
            .collect()
    }
}
