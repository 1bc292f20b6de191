//! Replicated tables: applying raft commands to them, reading them, dumping and restoring them.
//!
//! Only the raft state machine calls the writing functions, inside its per-batch transaction.
//! Everything here is deterministic: times come from the command envelope, never from a clock.

use app::core::{
    CandidateRegistration, Command, CommandEnvelope, CommandOutcome, Downtime, InstanceKey,
    PromotionRule,
};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::apply_tx::{int, text, ApplyTx};
use super::{
    cluster_recovery, kv_tables, operation_tables, probe_share_tables, recovery_tables, tag_tables,
    unresolve_tables, Store, StoreError,
};

/// Applies one command (not a batch: the state machine unfolds those). `env.issued_at_ms` is
/// the only notion of "now" available.
pub async fn apply(
    tx: &mut ApplyTx<'_>,
    env: &CommandEnvelope,
) -> Result<CommandOutcome, StoreError> {
    let now = env.issued_at_ms;
    Ok(match &env.command {
        Command::Batch(_) => return Err(StoreError::Malformed("a batch inside a batch".into())),
        Command::BeginDowntime(d) => {
            if d.ends_at_ms <= now {
                CommandOutcome::Skipped {
                    reason: format!("downtime for {} had already ended", d.key),
                }
            } else {
                upsert_downtime(tx, d).await?;
                CommandOutcome::Applied
            }
        }
        Command::EndDowntime(key) => {
            let n = tx
                .exec(
                    "DELETE FROM database_instance_downtime WHERE hostname = ? AND port = ?",
                    &[text(&key.hostname), int(key.port)],
                )
                .await?;
            if n == 0 {
                CommandOutcome::Unchanged { reason: format!("{key} is not downtimed") }
            } else {
                CommandOutcome::Applied
            }
        }
        Command::RegisterCandidate(c) => {
            upsert_candidate(tx, c).await?;
            CommandOutcome::Applied
        }
        Command::DeregisterCandidate(key) => {
            let n = tx
                .exec(
                    "DELETE FROM candidate_database_instance WHERE hostname = ? AND port = ?",
                    &[text(&key.hostname), int(key.port)],
                )
                .await?;
            if n == 0 {
                CommandOutcome::Unchanged {
                    reason: format!("{key} has no registered promotion rule"),
                }
            } else {
                CommandOutcome::Applied
            }
        }
        Command::Forget(key) => {
            forget(tx, key, now).await?;
            // The observation itself is node-local; every node drops its own copy.
            tx.exec(
                "DELETE FROM database_instance WHERE hostname = ? AND port = ?",
                &[text(&key.hostname), int(key.port)],
            )
            .await?;
            CommandOutcome::Applied
        }
        Command::DisableGlobalRecoveries => {
            tx.exec(
                "REPLACE INTO global_recovery_disable (disable_recovery, set_at_ms) VALUES (1, ?)",
                &[int(now)],
            )
            .await?;
            CommandOutcome::Applied
        }
        Command::EnableGlobalRecoveries => {
            tx.exec("DELETE FROM global_recovery_disable", &[]).await?;
            CommandOutcome::Applied
        }
        Command::LeaderUri { node_id, uri } => {
            leader_uri(tx, *node_id, uri, "REPLACE").await?;
            CommandOutcome::Applied
        }
        Command::Heartbeat => {
            expire(tx, now).await?;
            CommandOutcome::Applied
        }
        Command::Discover(key) => recovery_tables::discovered(tx, key, now).await?,
        Command::ForgetCluster { cluster_name, keys } => {
            for key in keys {
                forget(tx, key, now).await?;
            }
            // Observations are node-local: every node drops its own rows of the cluster.
            tx.exec("DELETE FROM database_instance WHERE cluster_name = ?", &[text(cluster_name)])
                .await?;
            CommandOutcome::Applied
        }
        Command::SetClusterAlias { cluster_name, alias } => {
            recovery_tables::set_alias(tx, cluster_name, alias).await?
        }
        Command::RegisterFailureDetection(d) => recovery_tables::register_detection(tx, d).await?,
        Command::WriteRecovery { recovery, block_ms } => {
            recovery_tables::write_recovery(tx, recovery, *block_ms, now).await?
        }
        Command::WriteRecoveryStep(s) => recovery_tables::write_step(tx, s).await?,
        Command::ResolveRecovery(r) => recovery_tables::resolve(tx, r).await?,
        Command::AckRecovery(a) => recovery_tables::acknowledge(tx, a).await?,
        Command::PruneHistory { before_ms } => {
            operation_tables::prune(tx, *before_ms).await?;
            recovery_tables::prune(tx, *before_ms).await?
        }
        Command::BeginMaintenance(m) => operation_tables::begin(tx, m, now).await?,
        Command::EndMaintenance(which) => operation_tables::end(tx, which, now).await?,
        Command::Audit(entry) => operation_tables::append_audit(tx, entry).await?,
        Command::DisableClusterRecovery(c) => cluster_recovery::disable(tx, c, now).await?,
        Command::EnableClusterRecovery(c) => cluster_recovery::enable(tx, c).await?,
        Command::PutKvPairs(pairs) => kv_tables::put(tx, pairs).await?,
        Command::PutInstanceTag { key, tag } => tag_tables::put(tx, key, tag).await?,
        Command::DeleteInstanceTag { untag, keys } => tag_tables::delete(tx, untag, keys).await?,
        Command::RegisterHostnameUnresolve(r) => unresolve_tables::register(tx, r).await?,
        Command::ProbeShareNodes(nodes) => probe_share_tables::set(tx, nodes).await?,
    })
}

/// How long a `forget` keeps an instance from being rediscovered.
pub const FORGET_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Records that `key` was forgotten at `at_ms`.
async fn forget(tx: &mut ApplyTx<'_>, key: &InstanceKey, at_ms: i64) -> Result<(), StoreError> {
    tx.exec(
        "REPLACE INTO forgotten_instance (hostname, port, forgotten_at_ms) VALUES (?, ?, ?)",
        &[text(&key.hostname), int(key.port), int(at_ms)],
    )
    .await?;
    Ok(())
}

/// Records a leader's URI (`verb`: `REPLACE` when applied, `INSERT` into emptied tables).
async fn leader_uri(
    tx: &mut ApplyTx<'_>,
    node_id: u64,
    uri: &str,
    verb: &str,
) -> Result<(), StoreError> {
    let sql = format!("{verb} INTO raft_leader_uri (node_id, uri) VALUES (?, ?)");
    tx.exec(&sql, &[int(node_id as i64), text(uri)]).await?;
    Ok(())
}

/// Drops rows that ended before `now` (run on the leader's heartbeat command, so every node
/// drops the same rows at the same point of the log).
async fn expire(tx: &mut ApplyTx<'_>, now: i64) -> Result<(), StoreError> {
    tx.exec("DELETE FROM database_instance_downtime WHERE ends_at_ms <= ?", &[int(now)]).await?;
    tx.exec("DELETE FROM candidate_database_instance WHERE expires_at_ms <= ?", &[int(now)])
        .await?;
    tx.exec(
        "DELETE FROM forgotten_instance WHERE forgotten_at_ms <= ?",
        &[int(now - FORGET_WINDOW_MS)],
    )
    .await?;
    Ok(())
}

async fn upsert_downtime(tx: &mut ApplyTx<'_>, d: &Downtime) -> Result<(), StoreError> {
    tx.exec(
        "REPLACE INTO database_instance_downtime (hostname, port, owner, reason, begins_at_ms, ends_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            text(&d.key.hostname),
            int(d.key.port),
            text(&d.owner),
            text(&d.reason),
            int(d.begins_at_ms),
            int(d.ends_at_ms),
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_candidate(
    tx: &mut ApplyTx<'_>,
    c: &CandidateRegistration,
) -> Result<(), StoreError> {
    tx.exec(
        "REPLACE INTO candidate_database_instance (hostname, port, promotion_rule, last_suggested_ms, expires_at_ms)
         VALUES (?, ?, ?, ?, ?)",
        &[
            text(&c.key.hostname),
            int(c.key.port),
            text(c.promotion_rule.as_str()),
            int(c.last_suggested_ms),
            int(c.expires_at_ms),
        ],
    )
    .await?;
    Ok(())
}

/// Every replicated row, in a canonical order: the content of a snapshot, and what the
/// replicated-state digest is computed over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicatedTables {
    /// Downtimes (including ones past their end that no heartbeat has expired yet).
    pub downtimes: Vec<Downtime>,
    /// Promotion-rule registrations.
    pub candidates: Vec<CandidateRegistration>,
    /// Whether global recoveries are disabled.
    pub global_recoveries_disabled: bool,
    /// HTTP URIs announced by nodes as they became leader.
    pub leader_uris: Vec<(u64, String)>,
    /// Recently forgotten instances and when.
    pub forgotten: Vec<(InstanceKey, i64)>,
    /// Detections, recoveries, discovered instances, alias overrides.
    #[serde(default)]
    pub recovery: recovery_tables::RecoveryTables,
    /// Maintenance locks and the audit log.
    #[serde(default)]
    pub operations: operation_tables::OperationTables,
    /// Clusters whose automated recovery is disabled, sorted.
    #[serde(default)]
    pub disabled_clusters: Vec<String>,
    /// Key-value master discovery pairs (absent from older snapshots and digests when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kv: Vec<app::core::kv::KvPair>,
    /// Instance tags, by instance then name (absent from older snapshots and digests when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(InstanceKey, app::core::tag::Tag)>,
    /// Hostname unresolve registrations, by host name (absent from older snapshots and digests
    /// when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolves: Vec<app::core::unresolve::HostnameUnresolve>,
    /// The probe-sharing node set (absent from older snapshots and digests when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probe_share_nodes: Vec<app::core::probe_share::ShareNode>,
}

type DowntimeRow = (String, i32, String, String, i64, i64);
type CandidateRow = (String, i32, String, i64, i64);

fn key(hostname: String, port: i32) -> Result<InstanceKey, StoreError> {
    let port = u16::try_from(port)
        .map_err(|_| StoreError::Malformed(format!("port {port} out of range")))?;
    Ok(InstanceKey { hostname, port })
}

fn rule(text: &str) -> Result<PromotionRule, StoreError> {
    text.parse().map_err(|_| StoreError::Malformed(format!("promotion rule {text:?}")))
}

/// Reads every replicated table on `conn` (use a transaction for a consistent view).
pub async fn dump(conn: &mut AnyConnection) -> Result<ReplicatedTables, StoreError> {
    let downtimes = sqlx::query_as::<_, DowntimeRow>(
        "SELECT hostname, port, owner, reason, begins_at_ms, ends_at_ms FROM database_instance_downtime
         ORDER BY hostname, port",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(h, p, owner, reason, begins_at_ms, ends_at_ms)| {
        Ok(Downtime { key: key(h, p)?, owner, reason, begins_at_ms, ends_at_ms })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let candidates = sqlx::query_as::<_, CandidateRow>(
        "SELECT hostname, port, promotion_rule, last_suggested_ms, expires_at_ms FROM candidate_database_instance
         ORDER BY hostname, port",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(h, p, r, last_suggested_ms, expires_at_ms)| {
        Ok(CandidateRegistration { key: key(h, p)?, promotion_rule: rule(&r)?, last_suggested_ms, expires_at_ms })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let disabled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM global_recovery_disable")
        .fetch_one(&mut *conn)
        .await?;
    let leader_uris = sqlx::query_as::<_, (i64, String)>(
        "SELECT node_id, uri FROM raft_leader_uri ORDER BY node_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(id, uri)| (id as u64, uri))
    .collect();
    let forgotten = sqlx::query_as::<_, (String, i32, i64)>(
        "SELECT hostname, port, forgotten_at_ms FROM forgotten_instance ORDER BY hostname, port",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(h, p, at)| Ok((key(h, p)?, at)))
    .collect::<Result<Vec<_>, StoreError>>()?;
    let recovery = recovery_tables::dump(conn).await?;
    let operations = operation_tables::dump(conn).await?;
    let disabled_clusters = cluster_recovery::dump(conn).await?;
    let kv = kv_tables::dump(conn).await?;
    let tags = tag_tables::dump(conn).await?;
    let unresolves = unresolve_tables::dump(conn).await?;
    let probe_share_nodes = probe_share_tables::dump(conn).await?;
    Ok(ReplicatedTables {
        downtimes,
        candidates,
        global_recoveries_disabled: disabled > 0,
        leader_uris,
        forgotten,
        recovery,
        operations,
        disabled_clusters,
        kv,
        tags,
        unresolves,
        probe_share_nodes,
    })
}

/// Replaces every replicated table's content with `tables` (snapshot install).
pub async fn restore(tx: &mut ApplyTx<'_>, tables: &ReplicatedTables) -> Result<(), StoreError> {
    for table in [
        "database_instance_downtime",
        "candidate_database_instance",
        "global_recovery_disable",
        "raft_leader_uri",
        "forgotten_instance",
    ] {
        tx.exec(&format!("DELETE FROM {table}"), &[]).await?;
    }
    for d in &tables.downtimes {
        upsert_downtime(tx, d).await?;
    }
    for c in &tables.candidates {
        upsert_candidate(tx, c).await?;
    }
    if tables.global_recoveries_disabled {
        tx.exec(
            "INSERT INTO global_recovery_disable (disable_recovery, set_at_ms) VALUES (1, 0)",
            &[],
        )
        .await?;
    }
    for (id, uri) in &tables.leader_uris {
        leader_uri(tx, *id, uri, "INSERT").await?;
    }
    recovery_tables::restore(tx, &tables.recovery).await?;
    operation_tables::restore(tx, &tables.operations).await?;
    cluster_recovery::restore(tx, &tables.disabled_clusters).await?;
    kv_tables::restore(tx, &tables.kv).await?;
    tag_tables::restore(tx, &tables.tags).await?;
    unresolve_tables::restore(tx, &tables.unresolves).await?;
    probe_share_tables::restore(tx, &tables.probe_share_nodes).await?;
    for (k, at) in &tables.forgotten {
        tx.exec(
            "INSERT INTO forgotten_instance (hostname, port, forgotten_at_ms) VALUES (?, ?, ?)",
            &[text(&k.hostname), int(k.port), int(*at)],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Downtimes in force at `now_ms`.
    pub async fn active_downtimes(&self, now_ms: i64) -> Result<Vec<Downtime>, StoreError> {
        let rows = sqlx::query_as::<_, DowntimeRow>(
            "SELECT hostname, port, owner, reason, begins_at_ms, ends_at_ms FROM database_instance_downtime
             WHERE ends_at_ms > ? ORDER BY hostname, port",
        )
        .bind(now_ms)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(h, p, owner, reason, begins_at_ms, ends_at_ms)| {
                Ok(Downtime { key: key(h, p)?, owner, reason, begins_at_ms, ends_at_ms })
            })
            .collect()
    }

    /// Registrations in force at `now_ms`. A rule that does not decode is an error, never dropped.
    pub async fn active_candidates(
        &self,
        now_ms: i64,
    ) -> Result<Vec<CandidateRegistration>, StoreError> {
        let rows = sqlx::query_as::<_, CandidateRow>(
            "SELECT hostname, port, promotion_rule, last_suggested_ms, expires_at_ms FROM candidate_database_instance
             WHERE expires_at_ms > ? ORDER BY hostname, port",
        )
        .bind(now_ms)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(h, p, r, last_suggested_ms, expires_at_ms)| {
                Ok(CandidateRegistration {
                    key: key(h, p)?,
                    promotion_rule: rule(&r)?,
                    last_suggested_ms,
                    expires_at_ms,
                })
            })
            .collect()
    }

    /// Whether global recoveries are disabled.
    pub async fn global_recoveries_disabled(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM global_recovery_disable")
            .fetch_one(self.pool())
            .await?;
        Ok(n > 0)
    }

    /// HTTP URI announced by `node_id`, if any.
    pub async fn leader_uri(&self, node_id: u64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar::<_, String>("SELECT uri FROM raft_leader_uri WHERE node_id = ?")
            .bind(node_id as i64)
            .fetch_optional(self.pool())
            .await?)
    }

    /// [`Store::replicated_digest`] for a caller that read `applied` (the state machine's applied
    /// log index) just before: computed again only when that index moved since the last call,
    /// since the digest reads every replicated row (slow with thousands of KV pairs or audit
    /// rows). The replicated tables change only by applying entries, so a digest asked at the
    /// same index describes the same state (or, in a race with an apply, a later one, as an
    /// uncached read would).
    pub async fn replicated_digest_at(&self, applied: Option<u64>) -> Result<String, StoreError> {
        let cached =
            self.digest_cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some((at, digest)) = cached {
            if at == applied && applied.is_some() {
                return Ok(digest);
            }
        }
        let digest = self.replicated_digest().await?;
        *self.digest_cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((applied, digest.clone()));
        Ok(digest)
    }

    /// A SHA-256 over every replicated row in canonical order: equal on two nodes exactly when
    /// their replicated state is equal.
    pub async fn replicated_digest(&self) -> Result<String, StoreError> {
        use sha2::{Digest, Sha256};
        let mut tx = self.pool().begin().await?;
        let tables = dump(&mut tx).await?;
        tx.commit().await?;
        let bytes =
            serde_json::to_vec(&tables).map_err(|e| StoreError::Malformed(e.to_string()))?;
        Ok(Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
    }
}
