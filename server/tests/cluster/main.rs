//! In-process cluster tests: three real nodes on loopback, links cut by the fault layer.
//! One scenario per file, named after what happens; each waits on conditions with deadlines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod t10_follower_command_reaches_every_store;
mod t11_http_writes_proxy_to_leader;
mod t12_proxy_relays_requests_unchanged;
mod t13_tags_written_through_a_follower;
mod t20_restart_replays_log;
mod t21_expired_downtime_is_not_resurrected;
mod t30_isolated_leader_is_replaced;
mod t31_minority_cannot_commit;
mod t40_lagging_node_catches_up_by_snapshot;
mod t50_no_acknowledged_command_lost_across_leader_kills;
mod t60_leadership_transfer;
mod t70_recovery_fence;
