//! The run's trace (timed lines, printed when a seed fails) and its counters.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use openraft::LogId;

/// Timed lines of one run, shared by the driver and the nodes.
#[derive(Clone)]
pub struct Trace {
    start: Instant,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Trace {
    /// An empty trace starting now.
    pub fn new() -> Self {
        Trace { start: Instant::now(), lines: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Adds a line.
    pub fn log(&self, line: impl Into<String>) {
        let at = self.start.elapsed().as_millis();
        let line = format!("{at:>6} ms  {}", line.into());
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }

    /// Every line so far.
    pub fn render(&self) -> String {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).join("\n")
    }
}

/// Counters of one run (summed over seeds for the final report).
#[derive(Debug, Default)]
pub struct Counters {
    /// Commands a leader acknowledged.
    pub acked: AtomicU64,
    /// Node crashes.
    pub crashes: AtomicU64,
    /// Crashes that left a torn tail.
    pub torn: AtomicU64,
    /// Crashes that left reordered blocks.
    pub reordered: AtomicU64,
    /// Snapshots installed from a leader.
    pub snapshots_installed: AtomicU64,
    /// Operator resets (corrupt log or refused start).
    pub resets: AtomicU64,
    /// Starts with the backend behind the log's purge point (`RejoinBySnapshot`).
    pub rejoins: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `other` into `self`.
    pub fn absorb(&self, other: &Counters) {
        let pairs = [
            (&self.acked, &other.acked),
            (&self.crashes, &other.crashes),
            (&self.torn, &other.torn),
            (&self.reordered, &other.reordered),
            (&self.snapshots_installed, &other.snapshots_installed),
            (&self.resets, &other.resets),
            (&self.rejoins, &other.rejoins),
        ];
        for (mine, theirs) in pairs {
            mine.fetch_add(theirs.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// One line for the summary.
    pub fn summary(&self) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "{} commands acknowledged, {} crashes ({} torn tails, {} reordered tails), \
             {} snapshots installed, {} operator resets, {} rejoins by snapshot",
            g(&self.acked),
            g(&self.crashes),
            g(&self.torn),
            g(&self.reordered),
            g(&self.snapshots_installed),
            g(&self.resets),
            g(&self.rejoins),
        )
    }
}

/// Leaders seen per term: term -> node ids that reported `ServerState::Leader` in it.
pub type LeadersByTerm = Arc<Mutex<BTreeMap<u64, BTreeSet<u64>>>>;

/// Entries applied to state machines: index -> log id -> nodes that applied that log id there.
pub type AppliedIds = Arc<Mutex<BTreeMap<u64, BTreeMap<LogId<u64>, BTreeSet<u64>>>>>;
