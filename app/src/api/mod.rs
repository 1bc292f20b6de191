//! Server-function boundary between the dashboard and the node: DTOs, errors and the port trait.
//!
//! Server functions stay thin: parse, call the [`port::ControlPlane`] the server provides in
//! Leptos context, map the error. No second path into raft exists.

pub mod dto;
pub mod error;
#[cfg(feature = "ssr")]
pub mod port;
pub mod raft;

pub use error::ApiError;
