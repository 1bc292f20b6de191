//! One module per dashboard page.

pub mod audit;
pub mod candidates;
pub mod cluster;
pub mod clusters;
pub mod downtimes;
pub mod problems;
pub mod raft;
pub mod recoveries;
pub mod search;
