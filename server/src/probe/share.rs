//! This node's part in probe sharing (`ProbeSharing`): which keys it probes under the current
//! assignment, the observations it owes the other nodes, and those it receives from them.
//!
//! Without a fresh assignment (none derived yet, or not refreshed for `STALE_POLLS` poll
//! intervals: the leader is gone or this node is cut off from it) the node probes everything,
//! today's behaviour, so no instance is ever left unprobed; and it probes a replica itself while
//! the replica's owner has not pushed to it recently (dead, or cut off from this node), before
//! the leader commits a node set without it. Duplicates are the price of a failure.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use app::core::probe_share::Assignment;
use app::core::{Instance, InstanceKey};
use serde::{Deserialize, Serialize};

use super::one::{Observation, Probed};

/// After this many poll intervals without a new assignment, probe everything.
const STALE_POLLS: u32 = 3;

/// One probe as sent to the other nodes (`POST /internal/observations`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedProbe {
    /// The probed key (on success, the key the server goes by).
    pub key: InstanceKey,
    /// When the probe started (unix ms, the prober's clock).
    pub started_ms: i64,
    /// When it ended (unix ms).
    pub ended_ms: i64,
    /// How long it took (ms).
    pub took_ms: u64,
    /// What the server answered; `None` when it did not.
    pub seen: Option<Box<Instance>>,
    /// On failure: whether the identity query got through.
    pub partial: bool,
    /// On failure: why.
    pub error: String,
}

impl SharedProbe {
    /// The record sent for a local probe.
    pub(super) fn of(p: &Probed) -> Self {
        let (seen, partial, error) = match &p.observation {
            Observation::Seen(i) => (Some(i.clone()), false, String::new()),
            Observation::Failed { partial, error } => (None, *partial, error.clone()),
        };
        SharedProbe {
            key: p.key.clone(),
            started_ms: p.started_ms,
            ended_ms: p.ended_ms,
            took_ms: u64::try_from(p.took.as_millis()).unwrap_or(u64::MAX),
            seen,
            partial,
            error,
        }
    }

    /// The record the batch writer stores, as if this node had probed it itself.
    pub(super) fn into_probed(self) -> Probed {
        let observation = match self.seen {
            Some(i) => Observation::Seen(i),
            None => Observation::Failed { partial: self.partial, error: self.error },
        };
        Probed {
            key: self.key,
            started_ms: self.started_ms,
            ended_ms: self.ended_ms,
            observation,
            took: Duration::from_millis(self.took_ms),
            ended: Instant::now(),
        }
    }
}

/// One push from a node to another: its probes since its last push (maybe none: the push
/// also says it is alive).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ShareBatch {
    /// The sender's raft id.
    pub from: u64,
    /// What the sender probed.
    pub probes: Vec<SharedProbe>,
}

#[derive(Default)]
struct State {
    me: u64,
    assignment: Option<(Arc<Assignment>, Instant)>,
    /// How recently an owner must have pushed for this node to leave its replicas to it.
    owner_window: Duration,
    outbox: Vec<SharedProbe>,
    heard: HashMap<u64, Instant>,
}

/// The sharing state of this node's prober.
impl State {
    /// The assignment unless not refreshed for `STALE_POLLS` poll intervals.
    fn fresh(&self, poll: Duration) -> Option<&Assignment> {
        self.assignment
            .as_ref()
            .filter(|(_, at)| at.elapsed() < poll * STALE_POLLS)
            .map(|(a, _)| a.as_ref())
    }

    /// Whether this node probes `key`: no fresh assignment, an instance the assignment does not
    /// name, one of this node's, or one whose owner has not pushed within the owner window.
    fn probes(&self, key: &InstanceKey, poll: Duration) -> bool {
        let Some(a) = self.fresh(poll) else { return true };
        let silent =
            |owner: &u64| self.heard.get(owner).is_none_or(|at| at.elapsed() >= self.owner_window);
        a.probes(self.me, key) || a.owners.get(key).is_some_and(silent)
    }
}

#[derive(Default)]
pub(super) struct Share {
    state: Mutex<State>,
}

impl Share {
    /// Whether this node probes `key` now (`poll`: `InstancePollSeconds`).
    pub(super) fn probes_here(&self, key: &InstanceKey, poll: Duration) -> bool {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).probes(key, poll)
    }

    /// The assignment derived from the committed node set, confirmed current now; `me` is this
    /// node's raft id; `owner_window`: how recently an owner must have pushed.
    pub(super) fn set(&self, me: u64, assignment: Arc<Assignment>, owner_window: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.me = me;
        state.assignment = Some((assignment, Instant::now()));
        state.owner_window = owner_window;
    }

    /// This node's raft id (the assignment is read for it).
    pub(super) fn be(&self, me: u64) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).me = me;
    }

    /// Notes a push from `from`.
    pub(super) fn heard(&self, from: u64) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .heard
            .insert(from, Instant::now());
    }

    /// The nodes heard from within `within`.
    pub(super) fn heard_within(&self, within: Duration) -> Vec<u64> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.heard.iter().filter(|(_, at)| at.elapsed() < within).map(|(id, _)| *id).collect()
    }

    /// Keeps a local probe for the next push, when `p`'s instance is this node's alone under a
    /// fresh assignment. Probes of masters (every node probes them) are never pushed: each
    /// node's view of a master must stay its own, or quorum-agreed detection would count one
    /// node's failed probes as another's.
    pub(super) fn owe(&self, p: &Probed, poll: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.fresh(poll).is_some_and(|a| a.owners.get(&p.key) == Some(&state.me)) {
            state.outbox.push(SharedProbe::of(p));
        }
    }

    /// The probes owed since the last call.
    pub(super) fn take(&self) -> Vec<SharedProbe> {
        std::mem::take(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner).outbox)
    }
}
