//! Topology refactoring and replica control against real MariaDB: a 3-node orchestrator
//! cluster (processes) manages a star, a chain and a co-master pair on loopback; every
//! operation goes through a follower's API (relayed to the leader), and each test asserts the
//! servers' own `SHOW SLAVE STATUS`/`read_only` and that data written on the master reaches
//! every replica afterwards. Skipped with a printed reason when MariaDB is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ops;

mod t10_gtid_relocations;
mod t20_coordinate_relocations;
mod t30_replica_control;
mod t40_refused_and_interrupted;
mod t50_replica_sets;
mod t60_hostname_unresolve;
