//! Server-function boundary between the dashboard and the node: DTOs, errors and the port trait.
//!
//! Server functions stay thin: parse and validate, call the [`port::ControlPlane`] the server
//! provides in Leptos context, map the error. Writes go through `ControlPlane::submit`, the
//! node's single path into raft that the HTTP API uses too; there is no second one.
//! One module per feature with its server functions; the views they exchange live in [`dto`],
//! one file per feature, and each feature module re-exports its own.

pub mod audit;
pub mod authz;
pub mod candidate;
pub mod clusters;
pub mod downtime;
pub mod dto;
pub mod error;
pub mod instance;
pub mod operations;
#[cfg(feature = "ssr")]
pub mod port;
pub mod pulse;
pub mod raft;
pub mod recovery;
pub mod search;
#[cfg(feature = "ssr")]
pub mod status;
pub mod topology;

pub use error::ApiError;
