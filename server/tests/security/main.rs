//! Security rules (docs/security.md), each tested: authentication and the one write authorization
//! on every write route (API, `/internal`, server functions), read-only roles and `ReadOnly`, the
//! follower → leader proxy never granting more than the caller had, CSRF, TLS on the HTTP and raft
//! listeners, the raft port refusing a rogue process, hostile input (400/413/slow clients), fuzzed
//! parsers with a kept corpus, malformed raft entries being fatal, and TLS to topology servers
//! (MariaDB sandbox).
//!
//! Real `orchestrator` processes and MariaDB servers come from the test kit (`server::testkit`);
//! certificates and secrets are generated at run time (nothing secret is committed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod t10_config;
mod t20_auth_multi;
mod t30_read_only_and_proxy_mode;
mod t40_raft_port;
mod t50_tls;
mod t60_hostile_input;
mod t70_fuzz;
mod t80_malformed_entries;
mod t90_topology_tls;
