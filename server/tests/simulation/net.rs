//! `SimNet`: raft RPCs delivered through the target's `Inbox` (its raft handle behind the rejoin
//! guard, as the RPC server does), with seeded faults.
//!
//! Faults: cut links (each direction separately), nodes down while crashed, random request or
//! reply loss, and random delays of a few milliseconds. A cut request path is `Unreachable`
//! (nothing delivered); a cut reply path delivers the request and loses the answer, which is
//! the harsher case for safety.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{Backoff, RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use server::raft::rejoin::Inbox;
use server::raft::TypeConfig;

/// Node ids of the simulated cluster.
pub const IDS: [u64; 3] = [1, 2, 3];

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SimNetError(String);

fn unreachable<E: std::error::Error>(why: String) -> RPCError<u64, BasicNode, RaftError<u64, E>> {
    RPCError::Unreachable(Unreachable::new(&SimNetError(why)))
}

fn lost<E: std::error::Error>(why: String) -> RPCError<u64, BasicNode, RaftError<u64, E>> {
    RPCError::Network(NetworkError::new(&SimNetError(why)))
}

struct State {
    /// The live process of each node: (life number, its inbox).
    nodes: [Option<(u64, Inbox)>; 3],
    /// Cut directions (from, to).
    cut: HashSet<(u64, u64)>,
    /// Chance that a request, or its reply, is lost.
    loss: f64,
    /// Largest delay of a request, in microseconds.
    max_delay_us: u64,
    rng: StdRng,
}

/// The shared network.
#[derive(Clone)]
pub struct SimNet {
    state: Arc<Mutex<State>>,
}

fn slot(id: u64) -> usize {
    (id - 1) as usize
}

impl SimNet {
    /// A network with no faults; `seed` drives per-message loss and delay.
    pub fn new(seed: u64) -> Self {
        let state = State {
            nodes: [None, None, None],
            cut: HashSet::new(),
            loss: 0.0,
            max_delay_us: 0,
            rng: StdRng::seed_from_u64(seed ^ 0x5EED_0F4E),
        };
        SimNet { state: Arc::new(Mutex::new(state)) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The factory node `id` in its life `life` hands to `Raft::new`.
    pub fn factory(&self, id: u64, life: u64) -> SimNetFactory {
        SimNetFactory { net: self.clone(), from: id, life }
    }

    /// Node `id` is up in life `life`, answering with `raft`.
    pub fn up(&self, id: u64, life: u64, raft: Inbox) {
        self.lock().nodes[slot(id)] = Some((life, raft));
    }

    /// Node `id` is down: nothing reaches it, nothing it sends goes anywhere.
    pub fn down(&self, id: u64) {
        self.lock().nodes[slot(id)] = None;
    }

    /// Cuts `from -> to`.
    pub fn cut(&self, from: u64, to: u64) {
        self.lock().cut.insert((from, to));
    }

    /// Restores both directions between `a` and `b`.
    pub fn heal_link(&self, a: u64, b: u64) {
        let mut s = self.lock();
        s.cut.remove(&(a, b));
        s.cut.remove(&(b, a));
    }

    /// Restores every link and stops loss and delays.
    pub fn heal_all(&self) {
        let mut s = self.lock();
        s.cut.clear();
        s.loss = 0.0;
        s.max_delay_us = 0;
    }

    /// Sets message loss and delay.
    pub fn set_weather(&self, loss: f64, max_delay: Duration) {
        let mut s = self.lock();
        s.loss = loss;
        s.max_delay_us = max_delay.as_micros() as u64;
    }

    /// The cut directions, for the trace.
    pub fn cuts(&self) -> Vec<(u64, u64)> {
        let mut v: Vec<_> = self.lock().cut.iter().copied().collect();
        v.sort();
        v
    }

    /// What happens to a request: the target's handle and the delay, or why it is not delivered.
    fn route(&self, from: u64, life: u64, to: u64) -> Result<(Inbox, Duration), String> {
        let mut s = self.lock();
        match &s.nodes[slot(from)] {
            Some((l, _)) if *l == life => {}
            _ => return Err(format!("node {from} (life {life}) is down")),
        }
        let Some((_, raft)) = s.nodes[slot(to)].clone() else {
            return Err(format!("node {to} is down"));
        };
        if s.cut.contains(&(from, to)) {
            return Err(format!("link {from} -> {to} is cut"));
        }
        let loss = s.loss;
        if loss > 0.0 && s.rng.random_bool(loss) {
            return Err(format!("request {from} -> {to} lost"));
        }
        let max = s.max_delay_us;
        let delay = if max > 0 {
            Duration::from_micros(s.rng.random_range(0..=max))
        } else {
            Duration::ZERO
        };
        Ok((raft, delay))
    }

    /// Whether the reply `to -> from` gets through.
    fn reply(&self, from: u64, life: u64, to: u64) -> Result<(), String> {
        let mut s = self.lock();
        match &s.nodes[slot(from)] {
            Some((l, _)) if *l == life => {}
            _ => return Err(format!("node {from} died before the reply from {to}")),
        }
        if s.cut.contains(&(to, from)) {
            return Err(format!("reply {to} -> {from} lost: link cut"));
        }
        let loss = s.loss;
        if loss > 0.0 && s.rng.random_bool(loss) {
            return Err(format!("reply {to} -> {from} lost"));
        }
        Ok(())
    }
}

/// What one node's raft uses to reach its peers.
pub struct SimNetFactory {
    net: SimNet,
    from: u64,
    life: u64,
}

impl RaftNetworkFactory<TypeConfig> for SimNetFactory {
    type Network = SimConn;

    async fn new_client(&mut self, target: u64, _node: &BasicNode) -> Self::Network {
        SimConn { net: self.net.clone(), from: self.from, life: self.life, target }
    }
}

/// A connection from one node to one peer.
pub struct SimConn {
    net: SimNet,
    from: u64,
    life: u64,
    target: u64,
}

impl SimConn {
    async fn deliver<Resp, E, F, Fut>(
        &self,
        option: &RPCOption,
        call: F,
    ) -> Result<Resp, RPCError<u64, BasicNode, RaftError<u64, E>>>
    where
        E: std::error::Error,
        F: FnOnce(Inbox) -> Fut,
        Fut: Future<Output = Result<Resp, RaftError<u64, E>>>,
    {
        let (raft, delay) =
            self.net.route(self.from, self.life, self.target).map_err(unreachable)?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let result = tokio::time::timeout(option.hard_ttl(), call(raft)).await;
        let result = match result {
            Err(_) => return Err(lost(format!("rpc to {} timed out", self.target))),
            Ok(r) => r,
        };
        self.net.reply(self.from, self.life, self.target).map_err(lost)?;
        match result {
            Ok(resp) => Ok(resp),
            // The target's raft stopped (it is crashing): like a refused connection.
            Err(RaftError::Fatal(f)) => {
                Err(unreachable(format!("node {} stopped: {f}", self.target)))
            }
            Err(e @ RaftError::APIError(_)) => {
                Err(RPCError::RemoteError(RemoteError::new(self.target, e)))
            }
        }
    }
}

impl RaftNetwork<TypeConfig> for SimConn {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.deliver(&option, |raft| async move { raft.append_entries(rpc).await }).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>,
    > {
        self.deliver(&option, |raft| async move { raft.install_snapshot(rpc).await }).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.deliver(&option, |raft| async move { raft.vote(rpc).await }).await
    }

    /// Retry an unreachable peer after 100 ms (openraft's default is 500 ms, long next to the
    /// simulation's 120 ms election timeout).
    fn backoff(&self) -> Backoff {
        Backoff::new(std::iter::repeat(Duration::from_millis(100)))
    }
}
