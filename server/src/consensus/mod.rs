//! This node as a raft member: leadership with quorum, running state, fail-stop, election holds.
//!
//! [`Consensus`] is a cheap handle (clone it) over the raft handle and the little state around
//! it. What it offers to the HTTP API and the dashboard is the `Member` port (see `ports.rs`);
//! background tasks use it directly.
//!
//! - [`peers`]: HTTP to other members (peer secret, their announced URIs).
//! - [`status`]: the raft status view (`/api/raft-status`, the dashboard's banner).
//! - [`transfer`]: leadership transfer (`raft-yield`) and election holds.
//! - [`membership`]: runtime membership changes (`raft-add-peer`, `raft-remove-peer`) and
//!   on-demand snapshots (`raft-snapshot`).

pub mod membership;
pub mod peers;
pub mod status;
pub mod transfer;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openraft::{RaftMetrics, ServerState};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::raft::log_store::LogStore;
pub use crate::raft::members::{members_of, Member};
use crate::raft::network::Network;
use crate::raft::Raft;
pub use peers::Peers;

/// Handle to this node's raft membership. Cloning shares the same state.
#[derive(Clone)]
pub struct Consensus {
    inner: Arc<Inner>,
}

struct Inner {
    raft: Raft,
    id: u64,
    advertise: String,
    election_timeout: Duration,
    log: LogStore,
    clock: Arc<dyn Clock>,
    peers: Peers,
    network: Network,
    /// While now (unix ms) is below this, this node is yielding leadership and refuses writes.
    yielding_until_ms: AtomicI64,
    /// Whether the last backend health write succeeded.
    backend_ok: AtomicBool,
    /// Set when the node must stop; the binary exits non-zero.
    fatal: watch::Sender<Option<String>>,
}

/// What [`Consensus::new`] needs.
pub struct ConsensusParts {
    /// The raft handle.
    pub raft: Raft,
    /// This node's id.
    pub id: u64,
    /// `RaftAdvertise`: this node's raft address.
    pub advertise: String,
    /// `RaftElectionTimeoutMillis`: the leader lease.
    pub election_timeout: Duration,
    /// The raft log (for its write statistics).
    pub log: LogStore,
    /// Proposers' clock.
    pub clock: Arc<dyn Clock>,
    /// HTTP to the other members.
    pub peers: Peers,
    /// Raft RPC client (asks a peer to add for its membership first).
    pub network: Network,
}

impl Consensus {
    /// Builds the handle; the receiver turns `Some(reason)` when the node must stop.
    pub fn new(parts: ConsensusParts) -> (Self, watch::Receiver<Option<String>>) {
        let (fatal, fatal_rx) = watch::channel(None);
        let inner = Inner {
            raft: parts.raft,
            id: parts.id,
            advertise: parts.advertise,
            election_timeout: parts.election_timeout,
            log: parts.log,
            clock: parts.clock,
            peers: parts.peers,
            network: parts.network,
            yielding_until_ms: AtomicI64::new(0),
            backend_ok: AtomicBool::new(true),
            fatal,
        };
        (Consensus { inner: Arc::new(inner) }, fatal_rx)
    }

    /// The raft handle.
    pub fn raft(&self) -> &Raft {
        &self.inner.raft
    }

    /// This node's raft id.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// `RaftAdvertise`: this node's raft address.
    pub fn advertise(&self) -> &str {
        &self.inner.advertise
    }

    /// The committed (effective) membership: voters and learners.
    pub fn members(&self) -> Vec<Member> {
        members_of(self.inner.raft.metrics().borrow().membership_config.membership())
    }

    /// HTTP to the other members.
    pub fn peers(&self) -> &Peers {
        &self.inner.peers
    }

    /// Raft RPC client.
    pub fn network(&self) -> &Network {
        &self.inner.network
    }

    /// The proposers' clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The latest raft metrics.
    pub fn metrics(&self) -> RaftMetrics<u64, openraft::BasicNode> {
        self.inner.raft.metrics().borrow().clone()
    }

    /// The leader this node knows of.
    pub fn leader(&self) -> Option<u64> {
        self.inner.raft.metrics().borrow().current_leader
    }

    /// HTTP URI of the leader when it is another node (to delegate a request to it);
    /// `unchanged` says what stays as it was when no leader is known.
    pub async fn other_leader_uri(&self, unchanged: &str) -> Result<String, app::api::ApiError> {
        use app::api::ApiError;
        let Some(leader) = self.leader().filter(|l| *l != self.id()) else {
            return Err(ApiError::Unavailable(format!("no raft leader is known; {unchanged}")));
        };
        self.peers()
            .route_to(leader)
            .await
            .ok_or_else(|| ApiError::Unavailable("leader URI unknown".into()))
    }

    /// (appends received, fdatasync calls) of the raft log since start.
    pub fn log_stats(&self) -> (u64, u64) {
        self.inner.log.write_stats()
    }

    /// Whether this node may serve as a healthy member: no fatal condition, and a raft core that
    /// is still running (a panicked core drops its metrics channel; a stopped one reports why).
    pub fn is_running(&self) -> bool {
        if self.inner.fatal.borrow().is_some() {
            return false;
        }
        let metrics = self.inner.raft.metrics();
        metrics.has_changed().is_ok() && metrics.borrow().running_state.is_ok()
    }

    /// Marks the node as failed; the binary exits non-zero.
    pub fn fail(&self, reason: String) {
        tracing::error!(%reason, "FATAL: node must stop");
        self.inner.fatal.send_replace(Some(reason));
    }

    /// Whether this node leads and a quorum acknowledged it within the election timeout.
    ///
    /// No quorum ack yet (`None`) is *not* a quorum: openraft 0.9 restores a node that led before
    /// a restart as leader of its old term, and it stays so, answering as leader, until it hears
    /// from a quorum — forever while cut off (fault test t21).
    pub fn is_leader_with_quorum(&self) -> bool {
        let m = self.metrics();
        self.is_running()
            && m.state == ServerState::Leader
            && m.current_leader == Some(self.inner.id)
            && m.millis_since_quorum_ack
                .is_some_and(|ms| u128::from(ms) < self.inner.election_timeout.as_millis())
            && !self.is_yielding()
    }

    /// Resolves once this node learns of a leader other than `leader` (or of none): a request
    /// forwarded to `leader` should not wait for a node that no longer leads.
    pub async fn leader_changed_from(&self, leader: u64) {
        let mut metrics = self.inner.raft.metrics();
        if metrics.wait_for(|m| m.current_leader != Some(leader)).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Waits up to `timeout` for this node to know a leader (an election in progress settles
    /// within a few election timeouts); the leader, or `None` when none emerged in time.
    pub async fn await_leader(&self, timeout: Duration) -> Option<u64> {
        let mut metrics = self.inner.raft.metrics();
        let known = async {
            metrics
                .wait_for(|m| m.current_leader.is_some())
                .await
                .ok()
                .and_then(|m| m.current_leader)
        };
        tokio::time::timeout(timeout, known).await.ok().flatten()
    }

    /// Whether the node is currently yielding leadership.
    pub fn is_yielding(&self) -> bool {
        self.inner.clock.now_ms() < self.inner.yielding_until_ms.load(Ordering::Relaxed)
    }

    /// Whether the last backend health write succeeded.
    pub fn backend_ok(&self) -> bool {
        self.inner.backend_ok.load(Ordering::Relaxed)
    }

    /// Records the outcome of a backend health write.
    pub fn set_backend_ok(&self, ok: bool) {
        self.inner.backend_ok.store(ok, Ordering::Relaxed);
    }

    /// The leader lease (`RaftElectionTimeoutMillis`).
    pub fn election_timeout(&self) -> Duration {
        self.inner.election_timeout
    }

    /// This node's HTTP base URI.
    pub fn http_uri(&self) -> String {
        self.inner.peers.own_uri().to_string()
    }

    fn set_yielding_until(&self, until_ms: i64) {
        self.inner.yielding_until_ms.store(until_ms, Ordering::Relaxed);
    }

    fn yielding_until(&self) -> i64 {
        self.inner.yielding_until_ms.load(Ordering::Relaxed)
    }
}
