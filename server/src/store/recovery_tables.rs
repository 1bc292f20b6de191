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

use super::apply_tx::{int, text, ApplyTx, Arg, Kind, Val};
use super::StoreError;

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Malformed(e.to_string()))
}

/// `register-failure-detection`: insert unless the uid is known.
pub async fn register_detection(
    tx: &mut ApplyTx<'_>,
    d: &FailureDetection,
) -> Result<CommandOutcome, StoreError> {
    let sql = "SELECT COUNT(*) FROM topology_failure_detection WHERE uid = ?";
    if tx.int(sql, &[text(&d.uid)]).await?.unwrap_or(0) > 0 {
        return Ok(CommandOutcome::Unchanged {
            reason: format!("detection {} already registered", d.uid),
        });
    }
    let detection_json = json(d)?;
    tx.exec(
        "INSERT INTO topology_failure_detection
         (uid, detection_json, cluster_name, cluster_alias, hostname, port, detected_at_ms, acknowledged, ack_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, '')",
        &[
            text(&d.uid),
            text(&detection_json),
            text(&d.cluster_name),
            text(&d.cluster_alias),
            text(&d.key.hostname),
            int(d.key.port),
            int(d.detected_at_ms),
        ],
    )
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `write-recovery`: the fence. See the module doc.
pub async fn write_recovery(
    tx: &mut ApplyTx<'_>,
    r: &RecoveryRecord,
    block_ms: i64,
    now_ms: i64,
) -> Result<CommandOutcome, StoreError> {
    let since = now_ms - block_ms;
    // A cluster is renamed after its new master by a failover: a recovery whose successor is
    // this cluster's name (its master) belongs to the same cluster.
    let cluster = [text(&r.cluster_name), text(&r.cluster_name), int(since)];
    let in_progress = tx
        .rows(
            "SELECT uid FROM topology_recovery
             WHERE (cluster_name = ? OR successor_key = ?) AND ended_at_ms = 0 AND acknowledged = 0 AND started_at_ms > ?
             ORDER BY uid LIMIT 1",
            &cluster,
            &[Kind::Text],
        )
        .await?;
    if let Some(uid) = in_progress.into_iter().flatten().next() {
        return Ok(CommandOutcome::Skipped {
            reason: format!(
                "cluster {} already has recovery {} in progress (unresolved, unacknowledged)",
                r.cluster_name,
                uid.into_text()?
            ),
        });
    }
    if !r.is_manual {
        // Anti-flapping: only a recent recovery of the same class (failover, or a fix on live
        // servers) blocks, so a semi-sync or read-only fix never blocks a master failover.
        let rows = tx
            .rows(
                "SELECT uid, recovery_json FROM topology_recovery
                 WHERE (cluster_name = ? OR successor_key = ?) AND acknowledged = 0 AND started_at_ms > ?
                 ORDER BY uid",
                &cluster,
                &[Kind::Text, Kind::Text],
            )
            .await?;
        let class =
            |code: app::core::AnalysisCode| code.recovery_kind().is_none_or(|k| k.is_failover());
        let mut recent = None;
        for row in rows {
            let mut cols = row.into_iter();
            let uid = cols.next().unwrap_or(Val::Null).into_text()?;
            let json = cols.next().unwrap_or(Val::Null).into_text()?;
            let same = serde_json::from_str::<RecoveryRecord>(&json)
                .map_or(true, |other| class(other.analysis) == class(r.analysis));
            if same {
                recent = Some(uid);
                break;
            }
        }
        if let Some(uid) = recent {
            return Ok(CommandOutcome::Skipped {
                reason: format!(
                    "blocked by recent recovery {uid} of cluster {} (RecoveryPeriodBlockSeconds); acknowledge it to allow another",
                    r.cluster_name
                ),
            });
        }
    }
    let sql = "SELECT COUNT(*) FROM topology_recovery WHERE uid = ?";
    if tx.int(sql, &[text(&r.uid)]).await?.unwrap_or(0) > 0 {
        return Ok(CommandOutcome::Unchanged {
            reason: format!("recovery {} already registered", r.uid),
        });
    }
    insert_recovery(tx, r, 0, "", false, "").await?;
    Ok(CommandOutcome::Applied)
}

async fn insert_recovery(
    tx: &mut ApplyTx<'_>,
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
    let recovery_json = json(r)?;
    tx.exec(
        "INSERT INTO topology_recovery (uid, recovery_json, cluster_name, cluster_alias, hostname, port,
         started_at_ms, ended_at_ms, resolution_json, successor_key, acknowledged, ack_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            text(&r.uid),
            text(&recovery_json),
            text(&r.cluster_name),
            text(&r.cluster_alias),
            text(&r.key.hostname),
            int(r.key.port),
            int(r.started_at_ms),
            int(ended_at_ms),
            text(resolution_json),
            text(&successor),
            int(i32::from(acknowledged)),
            text(ack_json),
        ],
    )
    .await?;
    Ok(())
}

/// `write-recovery-step`: appended with the next step number of its recovery.
pub async fn write_step(
    tx: &mut ApplyTx<'_>,
    s: &RecoveryStep,
) -> Result<CommandOutcome, StoreError> {
    let sql = "SELECT COUNT(*) FROM topology_recovery_steps WHERE uid = ?";
    let n = tx.int(sql, &[text(&s.uid)]).await?.unwrap_or(0);
    tx.exec(
        "INSERT INTO topology_recovery_steps (uid, step_no, at_ms, message) VALUES (?, ?, ?, ?)",
        &[text(&s.uid), int(n), int(s.at_ms), text(&s.message)],
    )
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `resolve-recovery`.
pub async fn resolve(
    tx: &mut ApplyTx<'_>,
    r: &RecoveryResolution,
) -> Result<CommandOutcome, StoreError> {
    let successor = r.successor.as_ref().map(|k| k.to_string()).unwrap_or_default();
    let resolution_json = json(r)?;
    let n = tx
        .exec(
            "UPDATE topology_recovery SET ended_at_ms = ?, resolution_json = ?, successor_key = ? WHERE uid = ? AND ended_at_ms = 0",
            &[int(r.ended_at_ms.max(1)), text(&resolution_json), text(&successor), text(&r.uid)],
        )
        .await?;
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
    tx: &mut ApplyTx<'_>,
    ack: &RecoveryAck,
) -> Result<CommandOutcome, StoreError> {
    let ack_json = json(ack)?;
    let (filter, args): (&str, Vec<Arg<'_>>) = match &ack.selector {
        AckSelector::All => ("1 = 1", vec![]),
        AckSelector::Cluster(c) => {
            ("(cluster_name = ? OR cluster_alias = ?)", vec![text(c), text(c)])
        }
        AckSelector::Instance(k) => {
            ("(hostname = ? AND port = ?)", vec![text(&k.hostname), int(k.port)])
        }
        AckSelector::Uid(u) => ("uid = ?", vec![text(u)]),
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
        let mut all = vec![text(&ack_json)];
        all.extend_from_slice(&args);
        let n = tx.exec(&sql, &all).await?;
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
pub async fn prune(tx: &mut ApplyTx<'_>, before_ms: i64) -> Result<CommandOutcome, StoreError> {
    tx.exec("DELETE FROM topology_failure_detection WHERE detected_at_ms < ?", &[int(before_ms)])
        .await?;
    tx.exec(
        "DELETE FROM topology_recovery WHERE started_at_ms < ? AND ((ended_at_ms > 0 AND ended_at_ms < ?) OR acknowledged = 1)",
        &[int(before_ms), int(before_ms)],
    )
    .await?;
    tx.exec(
        "DELETE FROM topology_recovery_steps WHERE uid NOT IN (SELECT uid FROM topology_recovery)",
        &[],
    )
    .await?;
    tx.exec("DELETE FROM discovered_instance WHERE discovered_at_ms < ?", &[int(before_ms)])
        .await?;
    Ok(CommandOutcome::Applied)
}

/// `discover`: remembers the key for every node's prober.
pub async fn discovered(
    tx: &mut ApplyTx<'_>,
    key: &InstanceKey,
    now_ms: i64,
) -> Result<CommandOutcome, StoreError> {
    tx.exec(
        "REPLACE INTO discovered_instance (hostname, port, discovered_at_ms) VALUES (?, ?, ?)",
        &[text(&key.hostname), int(key.port), int(now_ms)],
    )
    .await?;
    Ok(CommandOutcome::Applied)
}

/// `set-cluster-alias-manual-override`.
pub async fn set_alias(
    tx: &mut ApplyTx<'_>,
    cluster: &str,
    alias: &str,
) -> Result<CommandOutcome, StoreError> {
    if alias.is_empty() {
        tx.exec("DELETE FROM cluster_alias_override WHERE cluster_name = ?", &[text(cluster)])
            .await?;
    } else {
        tx.exec(
            "REPLACE INTO cluster_alias_override (cluster_name, alias) VALUES (?, ?)",
            &[text(cluster), text(alias)],
        )
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
pub async fn restore(tx: &mut ApplyTx<'_>, t: &RecoveryTables) -> Result<(), StoreError> {
    for table in [
        "topology_failure_detection",
        "topology_recovery",
        "topology_recovery_steps",
        "discovered_instance",
        "cluster_alias_override",
    ] {
        tx.exec(&format!("DELETE FROM {table}"), &[]).await?;
    }
    for d in &t.detections {
        register_detection(tx, &d.detection).await?;
        if let Some(ack) = &d.ack {
            let ack_json = json(ack)?;
            tx.exec(
                "UPDATE topology_failure_detection SET acknowledged = 1, ack_json = ? WHERE uid = ?",
                &[text(&ack_json), text(&d.detection.uid)],
            )
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
        insert_recovery(tx, &r.record, ended, &res, r.ack.is_some(), &ack).await?;
        for s in &r.steps {
            write_step(tx, s).await?;
        }
    }
    for (k, at) in &t.discovered {
        discovered(tx, k, *at).await?;
    }
    for (c, a) in &t.alias_overrides {
        set_alias(tx, c, a).await?;
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
