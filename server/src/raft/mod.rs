//! Raft wiring: the openraft type config, storage, state machine, network and RPC server.
//!
//! | openraft's contract                         | this project's choice                               |
//! |---------------------------------------------|-----------------------------------------------------|
//! | durable log + vote (`RaftLogStorage`)       | `raft-log.bin` + `raft-vote.json` in `RaftDataDir`, group-committed fdatasync |
//! | state machine (`RaftStateMachine`)          | the node's own backend DB, one transaction per apply batch |
//! | snapshots                                   | replicated tables as JSON in `RaftDataDir/snapshots` |
//! | network (`RaftNetwork`)                     | HTTP/JSON on `RaftBind`, TCP_NODELAY, bounded timeouts; AppendEntries on one upgraded stream per peer |
//! | membership                                  | in the raft log; `RaftNodes` seeds a pristine cluster only (`seed`); node id = hash of the address text |
//! | elections                                   | `term_vote`: at most one leader per term (classic raft's vote rule over openraft's) |
//! | lost or partial state                       | `disk_state`: rejoin by snapshot, or refuse naming the missing part; `rejoin`: no vote until caught up |

#![allow(clippy::result_large_err)] // openraft's StorageError is large by design

pub mod disk_state;
pub mod faults;
pub mod log_disk;
pub mod log_file;
pub mod log_replay;
pub mod log_store;
pub mod log_writer;
pub mod members;
pub mod network;
pub mod open;
pub mod rejoin;
pub mod rpc;
pub mod seed;
pub mod snapshot_file;
pub mod state_machine;
pub mod stream;
pub mod term_vote;

use std::io::Cursor;

use app::core::{CommandEnvelope, CommandOutcome};
use openraft::BasicNode;
use serde::{Deserialize, Serialize};

/// What applying one log entry returns: one outcome, or one per command of a `batch` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryOutcome {
    /// A single command's outcome (also used for blank and membership entries).
    One(CommandOutcome),
    /// The outcomes of a batch, in order.
    Batch(Vec<CommandOutcome>),
}

openraft::declare_raft_types!(
    /// Types of this project's raft: commands in, outcomes out, u64 ids, nodes by raft address.
    pub TypeConfig:
        D = CommandEnvelope,
        R = EntryOutcome,
        NodeId = u64,
        Node = BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// The raft handle.
pub type Raft = openraft::Raft<TypeConfig>;

/// Aliases that hide openraft's generic noise.
pub mod typ {
    use openraft::BasicNode;

    use super::TypeConfig;

    /// Error of an RPC to a peer.
    pub type RPCError<E = openraft::error::Infallible> =
        openraft::error::RPCError<u64, BasicNode, openraft::error::RaftError<u64, E>>;
    /// Error of `Raft::client_write`.
    pub type ClientWriteError = openraft::error::ClientWriteError<u64, BasicNode>;
    /// Error of a raft API call.
    pub type RaftError<E = openraft::error::Infallible> = openraft::error::RaftError<u64, E>;
    /// A committed write's response.
    pub type ClientWriteResponse = openraft::raft::ClientWriteResponse<TypeConfig>;
}
