//! Every view the dashboard and the API exchange, one file per feature.
//!
//! The feature modules of [`crate::api`] keep their server functions and re-export their views
//! from here; the views shared with the HTTP API are re-exported at this module's root too.

pub mod audit;
pub mod authz;
pub mod candidate;
pub mod clusters;
pub mod downtime;
pub mod instance;
pub mod operations;
pub mod pulse;
pub mod raft;
pub mod recovery;
pub mod search;
pub mod topology;

pub use candidate::CandidateView;
pub use downtime::DowntimeView;
pub use raft::{MemberView, RaftStatusView};
