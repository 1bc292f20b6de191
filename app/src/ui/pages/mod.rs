//! One module per dashboard page.

pub mod candidates;
pub mod cluster;
pub mod clusters;
pub mod downtimes;
pub mod raft;
pub mod recoveries;
