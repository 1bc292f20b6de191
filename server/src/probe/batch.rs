//! The batch writer: turns probe results into stored rows, one transaction per batch (every
//! 100 ms or 100 results, orchestrator's `InstanceFlushIntervalMilliseconds` /
//! `InstanceWriteBufferSize`).
//!
//! It owns the node's in-memory view of every observed instance, and with it stamps what a single
//! probe cannot know: the check timestamps and validity (as orchestrator sets them), since when the
//! binlog position has not moved, errant GTIDs against the master, the cluster name (via
//! `Topology::build`, so a rename reaches every member in the same flush) and the suggested alias
//! (`DetectClusterAliasQuery`, else `ClusterNameToAlias`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use app::core::{Instance, InstanceKey, Topology};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::one::{Observation, Probed};
use super::parse::errant_gtids;
use crate::config::DiscoveryConfig;
use crate::probe_metrics::ProbeMetrics;
use crate::store::Store;

/// Longest a result waits before it is written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Results that trigger a write at once.
pub const FLUSH_ROWS: usize = 100;

/// Messages to the writer.
pub enum WriterMsg {
    /// A probe of this key started at this time (unix ms).
    Attempt(InstanceKey, i64),
    /// A probe ended; the sender, if any, gets the instance as written (after the flush).
    Probed(Probed, Option<oneshot::Sender<Instance>>),
    /// Drop this key: delete its row, forget its observation.
    Forget(InstanceKey),
}

/// The writer's state.
pub struct Writer {
    store: Store,
    config: DiscoveryConfig,
    view: BTreeMap<InstanceKey, Instance>,
    detected_alias: HashMap<InstanceKey, String>,
    attempts: BTreeMap<InstanceKey, i64>,
    results: Vec<(Probed, Option<oneshot::Sender<Instance>>)>,
    forget: Vec<InstanceKey>,
    oldest: Option<Instant>,
    /// Told after a flush that changed an instance's health (validity or replication threads),
    /// so the analysis runs at once instead of on its next tick; and where the replicas of a
    /// newly failed instance are sent to be probed at once (they confirm or refute its death).
    signals: Option<Signals>,
    health_changed: bool,
    confirm: Vec<InstanceKey>,
    /// Where each flush and the probes it stores are recorded (`/api/*-metrics-*`).
    metrics: Option<ProbeMetrics>,
}

/// Where the writer reports health changes (see [`Writer::with_signals`]).
pub struct Signals {
    /// Woken after a flush that changed an instance's health.
    pub changed: std::sync::Arc<tokio::sync::Notify>,
    /// Receives the replicas of newly failed instances, to probe at once.
    pub probe_now: mpsc::UnboundedSender<super::scheduler::SchedMsg>,
}

/// What the analysis reads of an instance's health.
fn health(i: &Instance) -> (bool, bool, bool) {
    (i.is_last_check_valid, i.slave_io_running.is_running(), i.slave_sql_running.is_running())
}

impl Writer {
    /// A writer whose view starts with the instances already stored.
    pub fn new(store: Store, config: DiscoveryConfig, known: Vec<Instance>) -> Self {
        // Stored aliases came from the detection query when one is configured.
        let detected_alias = if config.detect_cluster_alias_query.is_empty() {
            HashMap::new()
        } else {
            known.iter().map(|i| (i.key.clone(), i.suggested_cluster_alias.clone())).collect()
        };
        Writer {
            store,
            config,
            view: known.into_iter().map(|i| (i.key.clone(), i)).collect(),
            detected_alias,
            attempts: BTreeMap::new(),
            results: Vec::new(),
            forget: Vec::new(),
            oldest: None,
            signals: None,
            health_changed: false,
            confirm: Vec::new(),
            metrics: None,
        }
    }

    /// Records each flush and the probes it stores in `metrics`.
    pub fn with_metrics(mut self, metrics: ProbeMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Reports health changes to `signals` (the running node; tests may leave it out).
    pub fn with_signals(mut self, signals: Signals) -> Self {
        self.signals = Some(signals);
        self
    }

    /// Queues a message; `true` when the batch must be written now.
    fn accept(&mut self, msg: WriterMsg) -> bool {
        self.oldest.get_or_insert_with(Instant::now);
        match msg {
            WriterMsg::Attempt(key, at) => {
                self.attempts.insert(key, at);
            }
            WriterMsg::Probed(probed, reply) => {
                let urgent = reply.is_some();
                self.results.push((probed, reply));
                return urgent || self.results.len() >= FLUSH_ROWS;
            }
            WriterMsg::Forget(key) => {
                self.view.remove(&key);
                self.detected_alias.remove(&key);
                self.attempts.remove(&key);
                self.results.retain(|(p, _)| p.key != key);
                self.forget.push(key);
            }
        }
        false
    }

    /// Stamps one result onto the view; returns the key, or `None` when there is nothing to
    /// record: a failed probe of a never-seen key is only recorded when a known instance names
    /// it as its master (orchestrator's unseen-master placeholder), so a typo'd seed or a
    /// stale replica listing leaves no row.
    fn record(&mut self, probed: Probed) -> Option<InstanceKey> {
        let Probed { key, started_ms, ended_ms, observation, .. } = probed;
        let previous = self.view.remove(&key);
        let was_valid = previous.as_ref().is_some_and(|p| p.is_last_check_valid);
        let before = previous.as_ref().map(health);
        let instance = match observation {
            Observation::Seen(seen) => {
                let mut i = *seen;
                i.last_attempted_check_ms = started_ms;
                i.last_checked_ms = ended_ms;
                i.last_seen_ms = ended_ms;
                i.is_last_check_valid = true;
                i.last_check_partial_success = true;
                i.self_binlog_unchanged_since_ms = match (&previous, &i.self_binlog_coordinates) {
                    (_, None) => None,
                    (Some(p), Some(now)) if p.self_binlog_coordinates.as_ref() == Some(now) => {
                        p.self_binlog_unchanged_since_ms.or(Some(p.last_seen_ms))
                    }
                    _ => Some(ended_ms),
                };
                if let Some(p) = &previous {
                    i.promotion_rule = p.promotion_rule;
                }
                self.detected_alias.insert(key.clone(), i.suggested_cluster_alias.clone());
                if !was_valid && previous.is_some() {
                    tracing::info!(instance = %key, "instance reachable again");
                }
                i
            }
            Observation::Failed { partial, error } => {
                if was_valid {
                    tracing::warn!(instance = %key, %error, "probe failed");
                } else {
                    tracing::debug!(instance = %key, %error, "probe failed");
                }
                let is_a_master =
                    || self.view.values().any(|i| i.master_key.as_ref() == Some(&key));
                if previous.is_none() && !is_a_master() {
                    return None;
                }
                let mut i = previous.unwrap_or_else(|| Instance::new(key.clone()));
                i.last_attempted_check_ms = started_ms;
                i.last_checked_ms = ended_ms;
                i.is_last_check_valid = false;
                i.last_check_partial_success = partial;
                i
            }
        };
        if before.is_some_and(|b| b != health(&instance)) {
            self.health_changed = true;
            if was_valid && !instance.is_last_check_valid {
                let replicas = self
                    .view
                    .values()
                    .filter(|r| r.master_key.as_ref() == Some(&key))
                    .map(|r| r.key.clone());
                self.confirm.extend(replicas);
            }
        }
        self.view.insert(key.clone(), instance);
        Some(key)
    }

    /// MySQL errant GTIDs of `key` against its master in the view (with the master's ancestors'
    /// UUIDs excluded).
    fn errant(&self, key: &InstanceKey) -> String {
        let Some(me) = self.view.get(key) else { return String::new() };
        let Some(master) = me.master_key.as_ref().and_then(|m| self.view.get(m)) else {
            return String::new();
        };
        let mut uuids: Vec<&str> = Vec::new();
        let mut at = Some(master);
        while let Some(i) = at.filter(|_| uuids.len() <= self.view.len()) {
            uuids.push(i.server_uuid.as_str());
            at = i.master_key.as_ref().filter(|m| *m != key).and_then(|m| self.view.get(m));
        }
        errant_gtids(me, master, &uuids)
    }

    /// Writes everything pending in one transaction.
    async fn flush(&mut self) {
        let waited = self.oldest.take().map(|t| t.elapsed()).unwrap_or_default();
        let started = std::time::Instant::now();
        let results = std::mem::take(&mut self.results);
        let probes: Vec<ProbeTiming> = results.iter().map(|(p, _)| ProbeTiming::of(p)).collect();
        let forget = std::mem::take(&mut self.forget);
        let mut dirty: BTreeSet<InstanceKey> = BTreeSet::new();
        let mut replies = Vec::new();
        for (probed, reply) in results {
            let Some(key) = self.record(probed) else { continue };
            if let Some(reply) = reply {
                replies.push((key.clone(), reply));
            }
            dirty.insert(key);
        }
        for key in &dirty {
            let errant = self.errant(key);
            if let Some(i) = self.view.get_mut(key) {
                i.gtid_errant = errant;
            }
        }
        // Cluster names and aliases of every member, so renames propagate in this flush.
        let topology = Topology::build(self.view.values().cloned());
        for (key, instance) in self.view.iter_mut() {
            let cluster = topology.cluster_of(key).unwrap_or_default().to_string();
            let detected = self.detected_alias.get(key).map_or("", String::as_str);
            let alias = if detected.is_empty() {
                self.config.mapped_cluster_alias(&cluster).unwrap_or_default().to_string()
            } else {
                detected.to_string()
            };
            if instance.cluster_name != cluster || instance.suggested_cluster_alias != alias {
                instance.cluster_name = cluster;
                instance.suggested_cluster_alias = alias;
                dirty.insert(key.clone());
            }
        }
        let attempts: Vec<(InstanceKey, i64)> = std::mem::take(&mut self.attempts)
            .into_iter()
            .filter(|(k, _)| !dirty.contains(k))
            .collect();
        let rows: Vec<Instance> = dirty.iter().filter_map(|k| self.view.get(k).cloned()).collect();
        let writes = !(attempts.is_empty() && rows.is_empty() && forget.is_empty());
        let writing = std::time::Instant::now();
        let written = self.store.write_probe_batch(&attempts, &rows, &forget).await;
        if let Err(e) = &written {
            tracing::warn!(error = %e, rows = rows.len(), "cannot write probe results; the next probes will retry");
        }
        if let Some(metrics) = &self.metrics {
            let flush = Flush { waited, started, writing, rows: rows.len() };
            record_metrics(metrics, &flush, writes.then_some(&written), probes);
        }
        for (key, reply) in replies {
            if let Some(instance) = self.view.get(&key) {
                let _ = reply.send(instance.clone());
            }
        }
        if let Some(signals) = &self.signals {
            if std::mem::take(&mut self.health_changed) {
                signals.changed.notify_one();
            }
            let confirm = std::mem::take(&mut self.confirm);
            if !confirm.is_empty() {
                let _ = signals.probe_now.send(super::scheduler::SchedMsg::ProbeNow(confirm));
            }
        }
    }

    fn has_pending(&self) -> bool {
        !self.results.is_empty() || !self.attempts.is_empty() || !self.forget.is_empty()
    }
}

/// What the discovery metrics need of one probe in a batch.
struct ProbeTiming {
    key: InstanceKey,
    took: Duration,
    ended: std::time::Instant,
    error: Option<String>,
}

impl ProbeTiming {
    fn of(p: &Probed) -> Self {
        let error = match &p.observation {
            Observation::Seen(_) => None,
            Observation::Failed { error, .. } => Some(error.clone()),
        };
        ProbeTiming { key: p.key.clone(), took: p.took, ended: p.ended, error }
    }
}

/// One flush's timings.
struct Flush {
    /// How long its oldest message waited in the buffer.
    waited: Duration,
    /// When it started.
    started: std::time::Instant,
    /// When its store write started.
    writing: std::time::Instant,
    /// Instance rows written.
    rows: usize,
}

/// Records a flush: a backend write and a write-buffer flush when it wrote anything, and one
/// discovery record per probe it stored (backend latency: from the probe's end until now).
fn record_metrics(
    metrics: &ProbeMetrics,
    flush: &Flush,
    written: Option<&Result<(), crate::store::StoreError>>,
    probes: Vec<ProbeTiming>,
) {
    use app::core::discovery_metrics::{DiscoveryMetric, QueryMetric, WriteBufferMetric};
    let now = std::time::Instant::now();
    let now_ms = metrics.now_ms();
    let ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    let started_ms = now_ms - now.duration_since(flush.started).as_millis() as i64;
    if let Some(written) = written {
        metrics.record_query(QueryMetric {
            timestamp: started_ms,
            wait_latency: ns(flush.writing.duration_since(flush.started)),
            execute_latency: ns(now.duration_since(flush.writing)),
            err: written.as_ref().err().map(ToString::to_string),
        });
        metrics.record_flush(WriteBufferMetric {
            timestamp: started_ms,
            instances: flush.rows,
            wait_latency: ns(flush.waited),
            write_latency: ns(now.duration_since(flush.writing)),
        });
    }
    for p in probes {
        let backend = now.saturating_duration_since(p.ended).as_secs_f64();
        let instance = p.took.as_secs_f64();
        metrics.record_discovery(DiscoveryMetric {
            timestamp: now_ms,
            hostname: p.key.hostname,
            port: p.key.port,
            backend_latency_seconds: backend,
            instance_latency_seconds: instance,
            total_latency_seconds: backend + instance,
            err: p.error,
        });
    }
}

/// Runs until shutdown (or until every sender is gone), writing what is pending before it stops.
pub async fn run(
    mut writer: Writer,
    mut rx: mpsc::UnboundedReceiver<WriterMsg>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let deadline = writer.oldest.map(|t| t + FLUSH_INTERVAL);
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    while let Ok(msg) = rx.try_recv() {
                        writer.accept(msg);
                    }
                    writer.flush().await;
                    return;
                }
            }
            msg = rx.recv() => match msg {
                Some(msg) => {
                    if writer.accept(msg) {
                        writer.flush().await;
                    }
                }
                None => {
                    writer.flush().await;
                    return;
                }
            },
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                if writer.has_pending() {
                    writer.flush().await;
                } else {
                    writer.oldest = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BackendConfig;
    use app::core::instance::BinlogCoordinates;

    fn key(name: &str) -> InstanceKey {
        InstanceKey::new(name, 3306).expect("key")
    }

    fn seen(name: &str, master: Option<&str>, at: i64, pos: u64) -> Probed {
        let mut i = Instance::new(key(name));
        i.master_key = master.map(key);
        i.self_binlog_coordinates = Some(BinlogCoordinates::new("bin.000001", pos));
        Probed {
            key: key(name),
            started_ms: at - 5,
            ended_ms: at,
            observation: Observation::Seen(Box::new(i)),
            took: Duration::from_millis(3),
            ended: std::time::Instant::now(),
        }
    }

    fn failed(name: &str, at: i64) -> Probed {
        let observation = Observation::Failed { partial: false, error: "refused".into() };
        Probed {
            key: key(name),
            started_ms: at - 5,
            ended_ms: at,
            observation,
            took: Duration::from_millis(3),
            ended: std::time::Instant::now(),
        }
    }

    async fn writer(dir: &tempfile::TempDir) -> Writer {
        let backend = BackendConfig::Sqlite { path: dir.path().join("orc.db") };
        let store = Store::open(&backend, Duration::from_secs(5)).await.expect("store");
        let config = DiscoveryConfig {
            cluster_name_to_alias: vec![(regex::Regex::new("^m:").expect("regex"), "shop".into())],
            ..DiscoveryConfig::default()
        };
        Writer::new(store, config, Vec::new())
    }

    async fn write(w: &mut Writer, batch: Vec<Probed>) {
        for p in batch {
            w.accept(WriterMsg::Probed(p, None));
        }
        w.flush().await;
    }

    #[tokio::test]
    async fn a_failed_master_wakes_the_analysis_and_has_its_replicas_probed_now() {
        let dir = tempfile::tempdir().expect("tempdir");
        let changed = std::sync::Arc::new(tokio::sync::Notify::new());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w =
            writer(&dir).await.with_signals(Signals { changed: changed.clone(), probe_now: tx });
        write(&mut w, vec![seen("m", None, 1_000, 7), seen("r", Some("m"), 1_000, 7)]).await;
        // First sightings are not changes of health.
        assert!(rx.try_recv().is_err());
        write(&mut w, vec![failed("m", 2_000)]).await;
        tokio::time::timeout(Duration::from_secs(1), changed.notified())
            .await
            .expect("the analysis is woken");
        match rx.try_recv() {
            Ok(super::super::scheduler::SchedMsg::ProbeNow(keys)) => assert_eq!(keys, [key("r")]),
            _ => panic!("the replicas of the failed master are probed now"),
        }
    }

    #[tokio::test]
    async fn a_flush_records_its_probes_its_store_write_and_itself_in_the_metrics() {
        use crate::probe_metrics::{ProbeMetrics, Settings};
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = Settings {
            retention: Duration::from_secs(120),
            queue_samples: 120,
            write_buffer_size: FLUSH_ROWS,
            flush_interval: FLUSH_INTERVAL,
        };
        let metrics = ProbeMetrics::new(settings, std::sync::Arc::new(crate::clock::SystemClock));
        let mut w = writer(&dir).await.with_metrics(metrics.clone());
        write(&mut w, vec![seen("m", None, 1_000, 7), failed("typo", 1_000)]).await;
        let probes = metrics.discovery(60);
        assert_eq!(probes.len(), 2, "a failed probe is recorded too, even when it leaves no row");
        assert!(probes.iter().all(|p| p.instance_latency_seconds == 0.003));
        assert_eq!(probes.iter().filter(|p| p.err.is_some()).count(), 1);
        assert!(probes.iter().all(|p| p.total_latency_seconds >= p.backend_latency_seconds));
        let writes = metrics.queries(60);
        assert_eq!((writes.len(), writes[0].err.is_none()), (1, true));
        assert_eq!(metrics.flushes(60).iter().map(|f| f.instances).collect::<Vec<_>>(), [1]);
    }

    #[tokio::test]
    async fn stamps_checks_names_clusters_and_records_unseen_masters_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = writer(&dir).await;
        // The replica first: its master is unknown, so it names its own cluster.
        write(&mut w, vec![seen("r", Some("m"), 1_000, 7), failed("typo", 1_000)]).await;
        let r = w.store.instance(&key("r")).await.expect("read").expect("row");
        assert_eq!(
            (r.cluster_name.as_str(), r.last_seen_ms, r.last_attempted_check_ms),
            ("r:3306", 1_000, 995)
        );
        assert!(r.is_last_check_valid && r.last_check_partial_success);
        assert!(
            w.store.instance(&key("typo")).await.expect("read").is_none(),
            "a never-seen failure leaves no row"
        );

        // The master is dead: a placeholder row, and the replica is renamed in the same flush.
        write(&mut w, vec![failed("m", 2_000)]).await;
        let m = w.store.instance(&key("m")).await.expect("read").expect("placeholder");
        assert!(!m.is_last_check_valid && m.last_seen_ms == 0);
        let r = w.store.instance(&key("r")).await.expect("read").expect("row");
        assert_eq!(
            (r.cluster_name.as_str(), r.suggested_cluster_alias.as_str()),
            ("m:3306", "shop")
        );

        // Binlog position unchanged since the first probe, then moved.
        write(&mut w, vec![seen("r", Some("m"), 3_000, 7)]).await;
        let r = w.store.instance(&key("r")).await.expect("read").expect("row");
        assert_eq!(r.self_binlog_unchanged_since_ms, Some(1_000));
        write(&mut w, vec![seen("r", Some("m"), 4_000, 9)]).await;
        let r = w.store.instance(&key("r")).await.expect("read").expect("row");
        assert_eq!(r.self_binlog_unchanged_since_ms, Some(4_000));

        // Forget drops pending results and the row.
        w.accept(WriterMsg::Probed(seen("r", Some("m"), 5_000, 9), None));
        w.accept(WriterMsg::Forget(key("r")));
        w.flush().await;
        assert!(w.store.instance(&key("r")).await.expect("read").is_none());
    }
}
