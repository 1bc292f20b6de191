//! Proposal batching on the leader: commands that arrive while earlier ones are being written
//! are folded into one raft entry (`batch`), so many concurrent clients share one log append,
//! one fdatasync on every node and one apply transaction.
//!
//! openraft 0.9 appends each `client_write` as its own entry and waits for that flush before the
//! next, so without this every concurrent command would pay a full sequential fsync. A lone
//! command is written as itself at once: batching never delays an idle system.

use std::sync::Arc;

use app::core::{Command, CommandEnvelope, CommandOutcome};
use openraft::error::{ClientWriteError, RaftError};
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::raft::{EntryOutcome, Raft};

/// Most commands in one entry.
const MAX_BATCH: usize = 128;
/// Raft writes in flight at once (the next batch forms while these complete).
const IN_FLIGHT: usize = 2;

/// Why a batched write failed (shared by every command of the batch).
#[derive(Debug, Clone)]
pub enum WriteFailure {
    /// Not the leader (any more); the leader's id if known.
    ForwardToLeader(Option<u64>),
    /// Raft stopped.
    Fatal(String),
    /// Anything else (membership change in progress, batcher stopped).
    Other(String),
}

struct Pending {
    env: CommandEnvelope,
    done: oneshot::Sender<Result<CommandOutcome, WriteFailure>>,
}

/// Handle to the batching task.
#[derive(Clone)]
pub struct Batcher {
    tx: mpsc::UnboundedSender<Pending>,
}

impl Batcher {
    /// Starts the batching task for `raft`; it ends when every handle is dropped.
    pub fn start(raft: Raft) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(raft, rx));
        Batcher { tx }
    }

    /// Commits `env` (possibly together with others); resolves after apply on this node.
    pub async fn write(&self, env: CommandEnvelope) -> Result<CommandOutcome, WriteFailure> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Pending { env, done })
            .map_err(|_| WriteFailure::Other("proposal batcher stopped".into()))?;
        rx.await.map_err(|_| WriteFailure::Other("proposal batcher stopped".into()))?
    }
}

async fn run(raft: Raft, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = rx.recv().await {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        // Everything that queued while we waited for a slot goes into this entry.
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        crate::metrics::record::proposal_batch(batch.len());
        let raft = raft.clone();
        tokio::spawn(async move {
            write(&raft, batch).await;
            drop(permit);
        });
    }
}

async fn write(raft: &Raft, mut batch: Vec<Pending>) {
    if batch.len() == 1 {
        if let Some(p) = batch.pop() {
            let result = match raft.client_write(p.env).await {
                Ok(r) => match r.data {
                    EntryOutcome::One(outcome) => Ok(outcome),
                    other => Err(WriteFailure::Other(format!("unexpected outcome {other:?}"))),
                },
                Err(e) => Err(failure(e)),
            };
            let _ = p.done.send(result);
        }
        return;
    }
    let (envs, waiters): (Vec<CommandEnvelope>, Vec<_>) =
        batch.into_iter().map(|p| (p.env, p.done)).unzip();
    let (issued_at_ms, proposer) =
        envs.first().map(|e| (e.issued_at_ms, e.proposer)).unwrap_or((0, 0));
    let env = CommandEnvelope::new(Command::Batch(envs), issued_at_ms, proposer);
    match raft.client_write(env).await {
        Ok(resp) => match resp.data {
            EntryOutcome::Batch(outcomes) if outcomes.len() == waiters.len() => {
                for (done, outcome) in waiters.into_iter().zip(outcomes) {
                    let _ = done.send(Ok(outcome));
                }
            }
            other => {
                let e = WriteFailure::Other(format!("unexpected batch outcome {other:?}"));
                for done in waiters {
                    let _ = done.send(Err(e.clone()));
                }
            }
        },
        Err(e) => {
            let e = failure(e);
            for done in waiters {
                let _ = done.send(Err(e.clone()));
            }
        }
    }
}

fn failure(e: RaftError<u64, ClientWriteError<u64, openraft::BasicNode>>) -> WriteFailure {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => {
            WriteFailure::ForwardToLeader(f.leader_id)
        }
        RaftError::APIError(ClientWriteError::ChangeMembershipError(e)) => {
            WriteFailure::Other(e.to_string())
        }
        RaftError::Fatal(f) => WriteFailure::Fatal(f.to_string()),
    }
}
