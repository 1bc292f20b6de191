//! Backend health tick: write this node's health row every second; yield leadership after
//! `BackendHealthYieldSeconds` of failures and stop the node after `BackendHealthExitSeconds`.
//! Also turns a stopped raft core into a fatal node condition, and checkpoints the SQLite WAL
//! every few seconds (outside the apply path).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::node::Node;

/// Runs until shutdown or a fatal condition.
pub async fn run(node: Arc<Node>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing_since: Option<Instant> = None;
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
        }
        let running = node.raft.metrics().borrow().running_state.clone();
        if let Err(fatal) = running {
            node.fail(format!("raft stopped: {fatal}"));
            return;
        }
        ticks += 1;
        if ticks.is_multiple_of(5) {
            if let Err(e) = node.store.checkpoint().await {
                tracing::debug!(error = %e, "WAL checkpoint skipped");
            }
        }
        // A failing write can take the whole 2 s timeout: the failure began when it was issued.
        let attempt = Instant::now();
        let write = node.store.write_node_health(node.id, node.clock.now_ms());
        match tokio::time::timeout(Duration::from_secs(2), write).await {
            Ok(Ok(())) => {
                node.backend_ok.store(true, Ordering::Relaxed);
                if failing_since.take().is_some() {
                    tracing::info!("backend DB writes succeed again");
                }
            }
            outcome => {
                let reason = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_string(),
                };
                node.backend_ok.store(false, Ordering::Relaxed);
                let since = *failing_since.get_or_insert(attempt);
                let failing_for = since.elapsed();
                tracing::warn!(%reason, ?failing_for, "backend DB health write failed");
                if failing_for >= node.config.backend_exit_after {
                    node.fail(format!("backend DB unreachable for {}s: {reason}", failing_for.as_secs()));
                    return;
                }
                if failing_for >= node.config.backend_yield_after && node.is_leader_with_quorum() {
                    tracing::warn!("health test is failing for over {}s: raft yielding", failing_for.as_secs());
                    if let Err(e) = node.yield_leadership(None).await {
                        tracing::warn!(error = %e, "yield failed");
                    }
                }
            }
        }
    }
}
