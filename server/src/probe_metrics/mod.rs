//! This node's discovery, discovery-queue, backend-query and write-buffer metrics, kept in
//! memory for `DiscoveryCollectionRetentionSeconds` (orchestrator's collections) for the
//! `/api/*-metrics-{raw,aggregated}/:seconds` routes; the records and their aggregates are
//! `app::core::discovery_metrics`.
//!
//! The prober records them: one discovery record per probe once its result is stored (instance
//! latency: the probe itself; backend latency: from the probe's end until the batch holding its
//! result is written), one backend-query and one write-buffer record per batch the writer stores.
//! The discovery queue is sampled once a second, as orchestrator does: `Active` is the probes
//! holding one of the `DiscoveryMaxConcurrency` slots, `Queued` the probes due and waiting for
//! one; the last `DiscoveryQueueMaxStatisticsSize` samples are kept.

mod window;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use app::core::discovery_metrics::{DiscoveryMetric, QueryMetric, QueueMetric, WriteBufferMetric};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::clock::Clock;
use window::Window;

/// How the metrics are kept, and the write buffer's settings they report.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// `DiscoveryCollectionRetentionSeconds`: how long records are kept.
    pub retention: Duration,
    /// `DiscoveryQueueMaxStatisticsSize`: queue samples kept (one a second).
    pub queue_samples: usize,
    /// Results that make the writer flush at once (`InstanceWriteBufferSize` in the aggregate).
    pub write_buffer_size: usize,
    /// Longest a result waits before a flush (`InstanceFlushIntervalMilliseconds`).
    pub flush_interval: Duration,
}

/// The handle: cheap to clone, shared by the prober (writes) and the HTTP API (reads).
#[derive(Clone)]
pub struct ProbeMetrics {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    clock: Arc<dyn Clock>,
    discovery: Mutex<Window<DiscoveryMetric>>,
    queries: Mutex<Window<QueryMetric>>,
    flushes: Mutex<Window<WriteBufferMetric>>,
    queue: Mutex<VecDeque<QueueMetric>>,
    active: AtomicUsize,
    queued: AtomicUsize,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts one probe in a queue gauge while it lives (dropped with an aborted task too).
pub struct Gauge {
    inner: Arc<Inner>,
    active: bool,
}

impl Drop for Gauge {
    fn drop(&mut self) {
        let counter = if self.active { &self.inner.active } else { &self.inner.queued };
        counter.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ProbeMetrics {
    /// Empty collections.
    pub fn new(settings: Settings, clock: Arc<dyn Clock>) -> Self {
        let retention_ms = settings.retention.as_millis() as i64;
        ProbeMetrics {
            inner: Arc::new(Inner {
                settings,
                clock,
                discovery: Mutex::new(Window::new(retention_ms)),
                queries: Mutex::new(Window::new(retention_ms)),
                flushes: Mutex::new(Window::new(retention_ms)),
                queue: Mutex::new(VecDeque::new()),
                active: AtomicUsize::new(0),
                queued: AtomicUsize::new(0),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.inner.settings
    }

    /// Now, by the metrics' clock (unix ms).
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Records one probe.
    pub fn record_discovery(&self, record: DiscoveryMetric) {
        locked(&self.inner.discovery).push(record.timestamp, record);
    }

    /// Records one backend write.
    pub fn record_query(&self, record: QueryMetric) {
        locked(&self.inner.queries).push(record.timestamp, record);
    }

    /// Records one write-buffer flush.
    pub fn record_flush(&self, record: WriteBufferMetric) {
        locked(&self.inner.flushes).push(record.timestamp, record);
    }

    fn gauge(&self, active: bool) -> Gauge {
        let counter = if active { &self.inner.active } else { &self.inner.queued };
        counter.fetch_add(1, Ordering::Relaxed);
        Gauge { inner: self.inner.clone(), active }
    }

    /// A probe is due and waits for a concurrency slot (counted `Queued` while held).
    pub fn waiting(&self) -> Gauge {
        self.gauge(false)
    }

    /// A probe holds a concurrency slot (counted `Active` while held).
    pub fn running(&self) -> Gauge {
        self.gauge(true)
    }

    /// Takes one queue sample now.
    pub fn sample_queue(&self) {
        let sample = QueueMetric {
            active: self.inner.active.load(Ordering::Relaxed),
            queued: self.inner.queued.load(Ordering::Relaxed),
        };
        let mut queue = locked(&self.inner.queue);
        queue.push_back(sample);
        while queue.len() > self.inner.settings.queue_samples {
            queue.pop_front();
        }
    }

    /// Samples the queue once a second until `shutdown` becomes true.
    pub async fn sample_queue_every_second(self, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate: sample a second after start
        loop {
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
                _ = tick.tick() => self.sample_queue(),
            }
        }
    }

    /// The records of `window` from the last `seconds`, oldest first (expired ones dropped).
    fn last<T: Clone>(&self, window: &Mutex<Window<T>>, seconds: u64) -> Vec<T> {
        let now = self.now_ms();
        let since = now.saturating_sub((seconds as i64).saturating_mul(1000));
        let mut window = locked(window);
        window.expire(now);
        window.since(since)
    }

    /// Probe records of the last `seconds`, oldest first.
    pub fn discovery(&self, seconds: u64) -> Vec<DiscoveryMetric> {
        self.last(&self.inner.discovery, seconds)
    }

    /// Backend writes of the last `seconds`, oldest first.
    pub fn queries(&self, seconds: u64) -> Vec<QueryMetric> {
        self.last(&self.inner.queries, seconds)
    }

    /// Write-buffer flushes of the last `seconds`, oldest first.
    pub fn flushes(&self, seconds: u64) -> Vec<WriteBufferMetric> {
        self.last(&self.inner.flushes, seconds)
    }

    /// The last `seconds` queue samples (one a second; fewer when fewer were taken).
    pub fn queue(&self, seconds: u64) -> Vec<QueueMetric> {
        let queue = locked(&self.inner.queue);
        let n = queue.len().min(usize::try_from(seconds).unwrap_or(usize::MAX));
        queue.iter().skip(queue.len() - n).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(i64);
    impl Clock for Fixed {
        fn now_ms(&self) -> i64 {
            self.0
        }
    }

    fn metrics(now: i64) -> ProbeMetrics {
        let settings = Settings {
            retention: Duration::from_secs(120),
            queue_samples: 3,
            write_buffer_size: 100,
            flush_interval: Duration::from_millis(100),
        };
        ProbeMetrics::new(settings, Arc::new(Fixed(now)))
    }

    #[test]
    fn queue_gauges_count_while_held_and_samples_are_bounded() {
        let m = metrics(0);
        let waiting = m.waiting();
        let running = m.running();
        m.sample_queue();
        drop((waiting, running));
        for _ in 0..3 {
            m.sample_queue();
        }
        assert_eq!(m.queue(10).len(), 3, "DiscoveryQueueMaxStatisticsSize bounds the samples");
        assert_eq!(m.queue(1), [QueueMetric { active: 0, queued: 0 }]);
        let m = metrics(0);
        let _held = (m.waiting(), m.running(), m.running());
        m.sample_queue();
        assert_eq!(m.queue(1), [QueueMetric { active: 2, queued: 1 }]);
    }

    #[test]
    fn reads_return_the_records_of_the_last_seconds() {
        let m = metrics(100_000);
        for at in [1_000, 95_000, 99_000] {
            m.record_query(QueryMetric {
                timestamp: at,
                wait_latency: 0,
                execute_latency: 1,
                err: None,
            });
        }
        assert_eq!(m.queries(5).len(), 2);
        assert_eq!(m.queries(1).len(), 1);
        assert_eq!(m.queries(1_000).len(), 3, "within the 120 s retention");
    }
}
