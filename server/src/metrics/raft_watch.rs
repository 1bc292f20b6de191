//! Counts changes of the leader this node knows of, following raft's metrics channel.

use openraft::{BasicNode, RaftMetrics};
use tokio::sync::watch;

/// Follows `metrics` until raft stops or `shutdown` turns true.
pub async fn leader_changes(
    mut metrics: watch::Receiver<RaftMetrics<u64, BasicNode>>,
    mut shutdown: watch::Receiver<bool>,
) {
    // The series exists from the start; a leader already known counts as the first change.
    super::record::leader_changes_start();
    let mut leader = metrics.borrow_and_update().current_leader;
    if leader.is_some() {
        super::record::leader_changed();
    }
    loop {
        tokio::select! {
            changed = metrics.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = metrics.borrow_and_update().current_leader;
                if now != leader {
                    leader = now;
                    super::record::leader_changed();
                }
            }
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}
