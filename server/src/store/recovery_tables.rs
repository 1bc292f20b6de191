//! Replicated recovery tables: failure detections, recoveries, their steps, acknowledgements,
//! discovered instances and cluster alias overrides. Written only by the raft state machine.
//!
//! `write_recovery` is the fence that makes "at most one failover per failure" hold across
//! leader changes: applying it is skipped (deterministically, on every node) when the cluster
//! already has a recovery in progress or, for automated recoveries, an unacknowledged one within
//! the block period.

use app::core::recovery::{
    AckSelector, FailureDetection, RecoveryAck, RecoveryRecord, RecoveryResolution, RecoveryStep,
};
use app::core::{CommandOutcome, InstanceKey};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::StoreError;

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Malformed(e.to_string()))
}

/// `register-failure-detection`: insert unless the uid is known.
pub async fn register_detection(
    conn: &mut AnyConnection,
    d: &FailureDetection,
) -> Result<CommandOutcome, StoreError> {
    let exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM topology_failure_detection WHERE uid = ?")
            .bind(&d.uid)
            .fetch_one(&mut *conn)
            .await?;
    if exists > 0 {
        return Ok(CommandOutcome::Unchanged {
            reason: format!("detection {} already registered", d.uid),
        });
    }
    sqlx::query(
        "INSERT INTO topology_failure_detection
         (uid, detection_json, cluster_name, cluster_alias, hostname, port, detected_at_ms, acknowledged, ack_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, '')",
    )
    .bind(&d.uid)
    .bind(json(d)?)
    .bind(&d.cluster_name)
    .bind(&d.cluster_alias)
    .bind(&d.key.hostname)
    .bind(d.key.port as i32)
    .bind(d.detected_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `write-recovery`: the fence. See the module doc.
pub async fn write_recovery(
    conn: &mut AnyConnection,
    r: &RecoveryRecord,
    block_ms: i64,
    now_ms: i64,
) -> Result<CommandOutcome, StoreError> {
    let since = now_ms - block_ms;
    // A cluster is renamed after its new master by a failover: a recovery whose successor is
    // this cluster's name (its master) belongs to the same cluster.
    let in_progress: Option<String> = sqlx::query_scalar(
        "SELECT uid FROM topology_recovery
         WHERE (cluster_name = ? OR successor_key = ?) AND ended_at_ms = 0 AND acknowledged = 0 AND started_at_ms > ?
         ORDER BY uid LIMIT 1",
    )
    .bind(&r.cluster_name)
    .bind(&r.cluster_name)
    .bind(since)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(uid) = in_progress {
        return Ok(CommandOutcome::Skipped {
            reason: format!(
                "cluster {} already has recovery {uid} in progress (unresolved, unacknowledged)",
                r.cluster_name
            ),
        });
    }
    if !r.is_manual {
        // Anti-flapping: only a recent recovery of the same class (failover, or a fix on live
        // servers) blocks, so a semi-sync or read-only fix never blocks a master failover.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT uid, recovery_json FROM topology_recovery
             WHERE (cluster_name = ? OR successor_key = ?) AND acknowledged = 0 AND started_at_ms > ?
             ORDER BY uid",
        )
        .bind(&r.cluster_name)
        .bind(&r.cluster_name)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
        let class =
            |code: app::core::AnalysisCode| code.recovery_kind().is_none_or(|k| k.is_failover());
        let recent = rows.into_iter().find_map(|(uid, json)| {
            let same = serde_json::from_str::<RecoveryRecord>(&json)
                .map_or(true, |other| class(other.analysis) == class(r.analysis));
            same.then_some(uid)
        });
        if let Some(uid) = recent {
            return Ok(CommandOutcome::Skipped {
                reason: format!(
                    "blocked by recent recovery {uid} of cluster {} (RecoveryPeriodBlockSeconds); acknowledge it to allow another",
                    r.cluster_name
                ),
            });
        }
    }
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM topology_recovery WHERE uid = ?")
        .bind(&r.uid)
        .fetch_one(&mut *conn)
        .await?;
    if exists > 0 {
        return Ok(CommandOutcome::Unchanged {
            reason: format!("recovery {} already registered", r.uid),
        });
    }
    insert_recovery(conn, r, 0, "", false, "").await?;
    Ok(CommandOutcome::Applied)
}

async fn insert_recovery(
    conn: &mut AnyConnection,
    r: &RecoveryRecord,
    ended_at_ms: i64,
    resolution_json: &str,
    acknowledged: bool,
    ack_json: &str,
) -> Result<(), StoreError> {
    let successor = match resolution_json {
        "" => String::new(),
        text => {
            parse::<RecoveryResolution>(text)?.successor.map(|k| k.to_string()).unwrap_or_default()
        }
    };
    sqlx::query(
        "INSERT INTO topology_recovery (uid, recovery_json, cluster_name, cluster_alias, hostname, port,
         started_at_ms, ended_at_ms, resolution_json, successor_key, acknowledged, ack_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&r.uid)
    .bind(json(r)?)
    .bind(&r.cluster_name)
    .bind(&r.cluster_alias)
    .bind(&r.key.hostname)
    .bind(r.key.port as i32)
    .bind(r.started_at_ms)
    .bind(ended_at_ms)
    .bind(resolution_json)
    .bind(successor)
    .bind(i32::from(acknowledged))
    .bind(ack_json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `write-recovery-step`: appended with the next step number of its recovery.
pub async fn write_step(
    conn: &mut AnyConnection,
    s: &RecoveryStep,
) -> Result<CommandOutcome, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM topology_recovery_steps WHERE uid = ?")
        .bind(&s.uid)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO topology_recovery_steps (uid, step_no, at_ms, message) VALUES (?, ?, ?, ?)",
    )
    .bind(&s.uid)
    .bind(n as i32)
    .bind(s.at_ms)
    .bind(&s.message)
    .execute(&mut *conn)
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `resolve-recovery`.
pub async fn resolve(
    conn: &mut AnyConnection,
    r: &RecoveryResolution,
) -> Result<CommandOutcome, StoreError> {
    let successor = r.successor.as_ref().map(|k| k.to_string()).unwrap_or_default();
    let n = sqlx::query(
        "UPDATE topology_recovery SET ended_at_ms = ?, resolution_json = ?, successor_key = ? WHERE uid = ? AND ended_at_ms = 0",
    )
        .bind(r.ended_at_ms.max(1))
        .bind(json(r)?)
        .bind(successor)
        .bind(&r.uid)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(if n == 0 {
        CommandOutcome::Unchanged {
            reason: format!("recovery {} unknown or already resolved", r.uid),
        }
    } else {
        CommandOutcome::Applied
    })
}

/// `ack-recovery`: marks matching unacknowledged recoveries (and, for cluster/instance/all,
/// their detections) acknowledged.
pub async fn acknowledge(
    conn: &mut AnyConnection,
    ack: &RecoveryAck,
) -> Result<CommandOutcome, StoreError> {
    let ack_json = json(ack)?;
    let (filter, args): (&str, Vec<String>) = match &ack.selector {
        AckSelector::All => ("1 = 1", vec![]),
        AckSelector::Cluster(c) => {
            ("(cluster_name = ? OR cluster_alias = ?)", vec![c.clone(), c.clone()])
        }
        AckSelector::Instance(k) => {
            ("(hostname = ? AND port = ?)", vec![k.hostname.clone(), k.port.to_string()])
        }
        AckSelector::Uid(u) => ("uid = ?", vec![u.clone()]),
    };
    let mut total = 0;
    let tables: &[&str] = match ack.selector {
        AckSelector::Uid(_) => &["topology_recovery"],
        _ => &["topology_recovery", "topology_failure_detection"],
    };
    for table in tables {
        let sql = format!(
            "UPDATE {table} SET acknowledged = 1, ack_json = ? WHERE acknowledged = 0 AND {filter}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ack_json.clone());
        for (i, a) in args.iter().enumerate() {
            q = match (&ack.selector, i) {
                (AckSelector::Instance(k), 1) => q.bind(k.port as i32),
                _ => q.bind(a.clone()),
            };
        }
        let n = q.execute(&mut *conn).await?.rows_affected();
        if *table == "topology_recovery" {
            total += n;
        }
    }
    Ok(if total == 0 {
        CommandOutcome::Unchanged { reason: "no unacknowledged recovery matched".into() }
    } else {
        CommandOutcome::Applied
    })
}

/// `prune-history`: drops detections and finished or acknowledged recoveries older than `before_ms`.
pub async fn prune(conn: &mut AnyConnection, before_ms: i64) -> Result<CommandOutcome, StoreError> {
    sqlx::query("DELETE FROM topology_failure_detection WHERE detected_at_ms < ?")
        .bind(before_ms)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM topology_recovery WHERE started_at_ms < ? AND ((ended_at_ms > 0 AND ended_at_ms < ?) OR acknowledged = 1)",
    )
    .bind(before_ms)
    .bind(before_ms)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM topology_recovery_steps WHERE uid NOT IN (SELECT uid FROM topology_recovery)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM discovered_instance WHERE discovered_at_ms < ?")
        .bind(before_ms)
        .execute(&mut *conn)
        .await?;
    Ok(CommandOutcome::Applied)
}

/// `discover`: remembers the key for every node's prober.
pub async fn discovered(
    conn: &mut AnyConnection,
    key: &InstanceKey,
    now_ms: i64,
) -> Result<CommandOutcome, StoreError> {
    sqlx::query(
        "REPLACE INTO discovered_instance (hostname, port, discovered_at_ms) VALUES (?, ?, ?)",
    )
    .bind(&key.hostname)
    .bind(key.port as i32)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `set-cluster-alias-manual-override`.
pub async fn set_alias(
    conn: &mut AnyConnection,
    cluster: &str,
    alias: &str,
) -> Result<CommandOutcome, StoreError> {
    if alias.is_empty() {
        sqlx::query("DELETE FROM cluster_alias_override WHERE cluster_name = ?")
            .bind(cluster)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("REPLACE INTO cluster_alias_override (cluster_name, alias) VALUES (?, ?)")
            .bind(cluster)
            .bind(alias)
            .execute(&mut *conn)
            .await?;
    }
    Ok(CommandOutcome::Applied)
}

/// A recovery as stored: the record, its resolution and acknowledgement, its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecovery {
    /// The registration.
    pub record: RecoveryRecord,
    /// How it ended, once resolved.
    pub resolution: Option<RecoveryResolution>,
    /// The acknowledgement, once acknowledged.
    pub ack: Option<RecoveryAck>,
    /// Audit lines in order.
    pub steps: Vec<RecoveryStep>,
}

/// A detection as stored, with its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDetection {
    /// The detection.
    pub detection: FailureDetection,
    /// The acknowledgement, once acknowledged.
    pub ack: Option<RecoveryAck>,
}

/// Every recovery-related replicated row, in canonical order (part of snapshots and the digest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryTables {
    /// Detections by uid.
    pub detections: Vec<StoredDetection>,
    /// Recoveries by uid.
    pub recoveries: Vec<StoredRecovery>,
    /// Instances announced by `discover`.
    pub discovered: Vec<(InstanceKey, i64)>,
    /// Manual cluster aliases.
    pub alias_overrides: Vec<(String, String)>,
}

fn opt<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Option<T>, StoreError> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text).map(Some)
    }
}

/// Reads recoveries matching an optional SQL filter (`WHERE` clause body) in uid order.
pub async fn read_recoveries(
    conn: &mut AnyConnection,
    filter: &str,
) -> Result<Vec<StoredRecovery>, StoreError> {
    let sql = format!(
        "SELECT recovery_json, resolution_json, ack_json FROM topology_recovery WHERE {filter} ORDER BY started_at_ms, uid"
    );
    let rows = sqlx::query_as::<_, (String, String, String)>(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (r, res, ack) in rows {
        let record: RecoveryRecord = parse(&r)?;
        let steps = sqlx::query_as::<_, (String, i64, String)>(
            "SELECT uid, at_ms, message FROM topology_recovery_steps WHERE uid = ? ORDER BY step_no",
        )
        .bind(&record.uid)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(uid, at_ms, message)| RecoveryStep { uid, at_ms, message })
        .collect();
        out.push(StoredRecovery { record, resolution: opt(&res)?, ack: opt(&ack)?, steps });
    }
    Ok(out)
}

/// Reads detections matching an optional SQL filter in detection order.
pub async fn read_detections(
    conn: &mut AnyConnection,
    filter: &str,
) -> Result<Vec<StoredDetection>, StoreError> {
    let sql = format!(
        "SELECT detection_json, ack_json FROM topology_failure_detection WHERE {filter} ORDER BY detected_at_ms, uid"
    );
    let rows = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(|(d, a)| Ok(StoredDetection { detection: parse(&d)?, ack: opt(&a)? }))
        .collect()
}

/// Dumps every recovery-related table.
pub async fn dump(conn: &mut AnyConnection) -> Result<RecoveryTables, StoreError> {
    let mut recoveries = read_recoveries(conn, "1 = 1").await?;
    recoveries.sort_by(|a, b| a.record.uid.cmp(&b.record.uid));
    let mut detections = read_detections(conn, "1 = 1").await?;
    detections.sort_by(|a, b| a.detection.uid.cmp(&b.detection.uid));
    let discovered = sqlx::query_as::<_, (String, i32, i64)>(
        "SELECT hostname, port, discovered_at_ms FROM discovered_instance ORDER BY hostname, port",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(h, p, at)| {
        Ok((
            InstanceKey {
                hostname: h,
                port: u16::try_from(p).map_err(|_| StoreError::Malformed("port".into()))?,
            },
            at,
        ))
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let alias_overrides = sqlx::query_as::<_, (String, String)>(
        "SELECT cluster_name, alias FROM cluster_alias_override ORDER BY cluster_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(RecoveryTables { detections, recoveries, discovered, alias_overrides })
}

/// Replaces every recovery-related table with `t`.
pub async fn restore(conn: &mut AnyConnection, t: &RecoveryTables) -> Result<(), StoreError> {
    for table in [
        "topology_failure_detection",
        "topology_recovery",
        "topology_recovery_steps",
        "discovered_instance",
        "cluster_alias_override",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *conn)
            .await?;
    }
    for d in &t.detections {
        register_detection(conn, &d.detection).await?;
        if let Some(ack) = &d.ack {
            sqlx::query("UPDATE topology_failure_detection SET acknowledged = 1, ack_json = ? WHERE uid = ?")
                .bind(json(ack)?)
                .bind(&d.detection.uid)
                .execute(&mut *conn)
                .await?;
        }
    }
    for r in &t.recoveries {
        let res = match &r.resolution {
            Some(x) => json(x)?,
            None => String::new(),
        };
        let ack = match &r.ack {
            Some(x) => json(x)?,
            None => String::new(),
        };
        let ended = r.resolution.as_ref().map(|x| x.ended_at_ms.max(1)).unwrap_or(0);
        insert_recovery(conn, &r.record, ended, &res, r.ack.is_some(), &ack).await?;
        for s in &r.steps {
            write_step(conn, s).await?;
        }
    }
    for (k, at) in &t.discovered {
        discovered(conn, k, *at).await?;
    }
    for (c, a) in &t.alias_overrides {
        set_alias(conn, c, a).await?;
    }
    Ok(())
}

impl super::Store {
    /// Recoveries started at or after `since_ms`.
    pub async fn recoveries_since(&self, since_ms: i64) -> Result<Vec<StoredRecovery>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_recoveries(&mut conn, &format!("started_at_ms >= {since_ms}")).await
    }

    /// Every recovery, oldest first.
    pub async fn all_recoveries(&self) -> Result<Vec<StoredRecovery>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_recoveries(&mut conn, "1 = 1").await
    }

    /// Every detection, oldest first.
    pub async fn all_detections(&self) -> Result<Vec<StoredDetection>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_detections(&mut conn, "1 = 1").await
    }

    /// Whether a detection of `code` on `key` was registered at or after `since_ms`.
    pub async fn detection_exists(
        &self,
        key: &InstanceKey,
        code: app::core::AnalysisCode,
        since_ms: i64,
    ) -> Result<bool, StoreError> {
        let rows = sqlx::query_scalar::<_, String>(
            "SELECT detection_json FROM topology_failure_detection WHERE hostname = ? AND port = ? AND detected_at_ms >= ?",
        )
        .bind(&key.hostname)
        .bind(key.port as i32)
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?;
        for text in rows {
            let d: FailureDetection = parse(&text)?;
            if d.analysis == code {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Manual cluster aliases (cluster name, alias).
    pub async fn alias_overrides(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as::<_, (String, String)>(
            "SELECT cluster_name, alias FROM cluster_alias_override ORDER BY cluster_name",
        )
        .fetch_all(self.pool())
        .await?)
    }
}
