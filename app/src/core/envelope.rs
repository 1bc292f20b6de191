//! The raft log entry's frame: a versioned envelope around a command, stamped by its proposer,
//! and what applying a command did.
//!
//! Rules that keep old logs and snapshots readable forever:
//! - variants are only ever added, never renamed, removed or re-purposed;
//! - every time a command depends on is stamped by the proposer (`issued_at_ms`), so that
//!   applying it is deterministic on every node and on replay;
//! - an entry that does not decode is a fatal error on the applying node, never skipped.

use serde::{Deserialize, Serialize};

use crate::core::command::Command;

/// Envelope format version written by this build.
pub const COMMAND_VERSION: u16 = 1;

/// What is stored in each raft log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEnvelope {
    /// Envelope format version ([`COMMAND_VERSION`] when written by this build).
    pub v: u16,
    /// Proposer's wall clock when it proposed (unix ms). Apply uses this, never its own clock.
    pub issued_at_ms: i64,
    /// Raft node id of the proposing node (for audit).
    pub proposer: u64,
    /// The instruction.
    pub command: Command,
}

impl CommandEnvelope {
    /// Wraps a command stamped at `issued_at_ms` by node `proposer`.
    pub fn new(command: Command, issued_at_ms: i64, proposer: u64) -> Self {
        CommandEnvelope { v: COMMAND_VERSION, issued_at_ms, proposer, command }
    }
}

/// What applying a command did. Returned to the proposer once the entry is committed and applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum CommandOutcome {
    /// The store changed as asked.
    Applied,
    /// Nothing to change (e.g. ending a downtime that does not exist).
    Unchanged {
        /// Why nothing changed.
        reason: String,
    },
    /// Refused deterministically at apply time (e.g. a downtime that had already ended).
    Skipped {
        /// Why it was skipped.
        reason: String,
    },
}
