//! Failover safety: the recoveries orchestrator has for co-masters and semi-sync
//! masters, and the promotion constraints, against real MariaDB topologies managed by a real
//! 3-node orchestrator cluster. One scenario per file; each waits on conditions with deadlines.
//! Skipped with a printed reason when MariaDB is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod t10_dead_co_master;
mod t20_locked_semi_sync_master;
mod t30_promotion_constraints;
mod t40_cluster_recovery_switch;
mod t50_errant_gtid_remedies;
mod t60_post_take_master_hook;
mod t70_semi_sync_survives_failover;
mod t80_replication_credentials_query;
mod t90_lagging_candidate_refused;
mod t95_failover_with_hostname_keys;
