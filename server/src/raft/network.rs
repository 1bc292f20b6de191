//! Outbound raft RPC over HTTP/JSON (through the test kit's fault layer, [`super::faults`]).
//!
//! Connection failures map to `Unreachable` so openraft backs off; every other transport
//! failure maps to `Network`; errors the peer's raft returned map to `RemoteError`. Each call
//! is bounded by the `RPCOption` deadline openraft gives it.

use std::sync::Arc;
use std::time::Duration;

use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::faults::{LinkCut, NetworkFaults};
use super::TypeConfig;

/// How long an idle connection to a peer is kept: well below the peers' idle cut-off
/// (`HTTPReadHeaderTimeoutSeconds`, 10 s by default, assumed equal on every node), so that a
/// request never goes out on a connection the peer is closing.
pub fn peer_pool_idle(header_read_timeout: Duration) -> Duration {
    (header_read_timeout / 2).min(Duration::from_secs(4))
}

/// Builds connections to peers.
#[derive(Clone)]
pub struct Network {
    client: reqwest::Client,
    faults: Arc<NetworkFaults>,
    /// `http`, or `https` with `RaftTLS*`.
    scheme: &'static str,
    /// `RaftSecretFile`'s secret, sent on every RPC.
    secret: Option<crate::auth::PeerSecret>,
}

impl Network {
    /// A network with a shared HTTP client (keep-alive pool, TCP_NODELAY), no TLS, no secret.
    pub fn new(
        faults: Arc<NetworkFaults>,
        connect_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        Self::build(
            faults,
            connect_timeout,
            reqwest::Client::builder(),
            "http",
            None,
            Duration::from_secs(10),
        )
    }

    /// A network that authenticates to peers as the node's security settings say
    /// (peer secret header, mutual TLS with the cluster's CA).
    pub fn secured(
        faults: Arc<NetworkFaults>,
        connect_timeout: Duration,
        security: &crate::auth::Security,
    ) -> Result<Self, reqwest::Error> {
        let builder = security.raft_client(reqwest::Client::builder());
        let idle = security.config.header_read_timeout;
        Self::build(
            faults,
            connect_timeout,
            builder,
            security.raft_scheme(),
            security.peer_secret.clone(),
            idle,
        )
    }

    fn build(
        faults: Arc<NetworkFaults>,
        connect_timeout: Duration,
        builder: reqwest::ClientBuilder,
        scheme: &'static str,
        secret: Option<crate::auth::PeerSecret>,
        pool_idle_basis: Duration,
    ) -> Result<Self, reqwest::Error> {
        let client = builder
            .tcp_nodelay(true)
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(peer_pool_idle(pool_idle_basis))
            .no_proxy()
            .build()?;
        Ok(Network { client, faults, scheme, secret })
    }
}

impl Network {
    /// `GET /raft/membership` of the node at raft address `addr` (with the peer secret), within
    /// `timeout`: whether it belongs to a cluster, and which.
    pub async fn membership_of(
        &self,
        addr: &str,
        timeout: Duration,
    ) -> Result<super::seed::MembershipReport, reqwest::Error> {
        let mut request =
            self.client.get(format!("{}://{addr}/raft/membership", self.scheme)).timeout(timeout);
        if let Some(secret) = &self.secret {
            request = request.header(crate::auth::PEER_SECRET_HEADER, secret.header_value());
        }
        request.send().await?.error_for_status()?.json().await
    }
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Connection;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Self::Network {
        Connection {
            net: self.clone(),
            target,
            base: format!("{}://{}/raft", self.scheme, node.addr),
        }
    }
}

/// A connection to one peer.
pub struct Connection {
    net: Network,
    target: u64,
    base: String,
}

impl Connection {
    async fn call<Req, Resp, E>(
        &self,
        path: &str,
        req: &Req,
        option: &RPCOption,
    ) -> Result<Resp, RPCError<u64, BasicNode, RaftError<u64, E>>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        if self.net.faults.blocks_send_to(self.target) {
            return Err(RPCError::Unreachable(Unreachable::new(&LinkCut(self.target))));
        }
        let mut request =
            self.net.client.post(format!("{}/{}", self.base, path)).timeout(option.hard_ttl());
        if let Some(secret) = &self.net.secret {
            request = request.header(crate::auth::PEER_SECRET_HEADER, secret.header_value());
        }
        let response = request.json(req).send().await.map_err(|e| {
            if e.is_connect() {
                RPCError::Unreachable(Unreachable::new(&e))
            } else {
                RPCError::Network(NetworkError::new(&e))
            }
        })?;
        if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            // The peer's fault layer dropped us: behave like a lost packet.
            return Err(RPCError::Unreachable(Unreachable::new(&LinkCut(self.target))));
        }
        if !response.status().is_success() {
            let status = response.status();
            return Err(RPCError::Network(NetworkError::new(&std::io::Error::other(format!(
                "raft rpc {path} to node {} answered HTTP {status}",
                self.target
            )))));
        }
        let result: Result<Resp, RaftError<u64, E>> =
            response.json().await.map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        result.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for Connection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.call("append", &rpc, &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>,
    > {
        self.call("snapshot", &rpc, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.call("vote", &rpc, &option).await
    }
}
