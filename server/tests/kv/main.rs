//! Key-value master discovery: Consul's HTTP API against recorded exchanges (a small local HTTP
//! server asserting the exact requests), and a real ZooKeeper (Debian's `zookeeper` package)
//! fed by a 3-node cluster managing real MariaDB through a failover.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod consul;
mod zookeeper;
