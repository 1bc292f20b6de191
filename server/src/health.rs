//! Backend health tick: write this node's health row every second; yield leadership after
//! `BackendHealthYieldSeconds` of failures and stop the node after `BackendHealthExitSeconds`.
//! Also turns a stopped raft core or a corrupt backend into a fatal node condition. (The SQLite
//! WAL is kept bounded by `store::wal`.)

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::consensus::Consensus;
use crate::store::Store;

/// What the health tick uses.
pub struct Health {
    /// This node as a raft member (fail, yield, backend flag).
    pub consensus: Consensus,
    /// The backend checked.
    pub store: Store,
    /// `BackendHealthYieldSeconds`.
    pub yield_after: Duration,
    /// `BackendHealthExitSeconds`.
    pub exit_after: Duration,
}

/// Every how many ticks the backend's integrity is checked (SQLite `quick_check`).
const INTEGRITY_CHECK_EVERY: u64 = 30;

/// How long one health write may take before it counts as failed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// The shortest a health write is given, even right at the exit deadline.
const MIN_WRITE_TIMEOUT: Duration = Duration::from_millis(100);

/// Fail-stop: the moment the raft core stops (a fatal storage error, or a panic, which drops its
/// metrics channel) the node is marked failed, so health endpoints turn unhealthy at once and
/// the binary exits non-zero instead of serving stale data as a member.
pub async fn watch_raft_core(node: Consensus, mut shutdown: watch::Receiver<bool>) {
    let mut metrics = node.raft().metrics();
    loop {
        if let Err(fatal) = &metrics.borrow_and_update().running_state {
            node.fail(format!("raft stopped: {fatal}"));
            return;
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            changed = metrics.changed() => {
                if changed.is_err() {
                    if !*shutdown.borrow() {
                        node.fail("raft core stopped unexpectedly (panicked); see the log above".into());
                    }
                    return;
                }
            }
        }
    }
}

/// Runs until shutdown or a fatal condition.
pub async fn run(health: Health, mut shutdown: watch::Receiver<bool>) {
    let Health { consensus: node, store, yield_after, exit_after } = health;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing_since: Option<Instant> = None;
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
        }
        let running = node.raft().metrics().borrow().running_state.clone();
        if let Err(fatal) = running {
            node.fail(format!("raft stopped: {fatal}"));
            return;
        }
        ticks += 1;
        if ticks.is_multiple_of(INTEGRITY_CHECK_EVERY) {
            if let Err(e) = store.integrity_check().await {
                if e.is_corruption() {
                    node.fail(e.to_string());
                    return;
                }
                tracing::warn!(error = %e, "backend integrity check could not run");
            }
        }
        // A failing write can take the whole timeout: the failure began when it was issued. While
        // failing, a write never runs past the exit deadline, so the node stops on time.
        let attempt = Instant::now();
        let write = store.write_node_health(node.id(), node.clock().now_ms());
        let timeout = failing_since.map_or(WRITE_TIMEOUT, |since| {
            (since + exit_after)
                .saturating_duration_since(attempt)
                .clamp(MIN_WRITE_TIMEOUT, WRITE_TIMEOUT)
        });
        match tokio::time::timeout(timeout, write).await {
            Ok(Ok(())) => {
                node.set_backend_ok(true);
                if failing_since.take().is_some() {
                    tracing::info!("backend DB writes succeed again");
                }
            }
            outcome => {
                let reason = match outcome {
                    Ok(Err(e)) if e.is_corruption() => {
                        node.fail(e.to_string());
                        return;
                    }
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_string(),
                };
                node.set_backend_ok(false);
                let since = *failing_since.get_or_insert(attempt);
                let failing_for = since.elapsed();
                tracing::warn!(%reason, ?failing_for, "backend DB health write failed");
                if failing_for >= exit_after {
                    node.fail(format!(
                        "backend DB unreachable for {}s: {reason}",
                        failing_for.as_secs()
                    ));
                    return;
                }
                if failing_for >= yield_after && node.is_leader_with_quorum() {
                    tracing::warn!(
                        "health test is failing for over {}s: raft yielding",
                        failing_for.as_secs()
                    );
                    if let Err(e) = node.yield_leadership(None).await {
                        tracing::warn!(error = %e, "yield failed");
                    }
                }
            }
        }
    }
}
