//! Failover tests: a real 3-node orchestrator cluster (processes) managing real MariaDB
//! replication topologies on loopback. One scenario per file; each waits on conditions with
//! deadlines. Skipped with a printed reason when MariaDB is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod metrics;
mod t10_dead_master_fails_over_once;
mod t20_downtimed_master_is_not_recovered;
mod t30_second_failure_blocked_until_acknowledged;
mod t40_hung_master_is_unreachable_not_dead;
mod t50_dead_intermediate_master;
mod t60_graceful_takeover;
mod t70_manual_recover_through_the_client;
mod t80_force_master_takeover;
