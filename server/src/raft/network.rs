//! Outbound raft RPC over HTTP/JSON (through the test kit's fault layer, [`super::faults`]);
//! AppendEntries over a persistent upgraded connection per peer ([`super::stream`]).
//!
//! Connection failures map to `Unreachable` so openraft backs off; every other transport
//! failure maps to `Network`; errors the peer's raft returned map to `RemoteError`. Each call
//! is bounded by the `RPCOption` deadline openraft gives it.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
use super::stream::{self, Answer, Stream};
use super::{typ, TypeConfig};

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
    /// Adds the peer secret (when configured) to a request to a peer's raft port.
    fn with_secret(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.secret {
            Some(secret) => request.header(crate::auth::PEER_SECRET_HEADER, secret.header_value()),
            None => request,
        }
    }

    /// `GET /raft/membership` of the node at raft address `addr` (with the peer secret), within
    /// `timeout`: whether it belongs to a cluster, and which.
    pub async fn membership_of(
        &self,
        addr: &str,
        timeout: Duration,
    ) -> Result<super::seed::MembershipReport, reqwest::Error> {
        let request =
            self.client.get(format!("{}://{addr}/raft/membership", self.scheme)).timeout(timeout);
        self.with_secret(request).send().await?.error_for_status()?.json().await
    }
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Connection;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Self::Network {
        Connection {
            net: self.clone(),
            target,
            base: format!("{}://{}/raft", self.scheme, node.addr),
            stream: std::sync::Mutex::new(None),
            http_only_until: None,
        }
    }
}

/// A connection to one peer.
pub struct Connection {
    net: Network,
    target: u64,
    base: String,
    /// The open AppendEntries stream, if any. Only ever reached through `&mut self`
    /// ([`Connection::slot`]); the mutex is there because openraft wants the connection `Sync`
    /// and the upgraded socket is not.
    stream: std::sync::Mutex<Option<Stream<reqwest::Upgraded>>>,
    /// Set when the peer refused the upgrade (an older version): AppendEntries go as HTTP
    /// POSTs until then.
    http_only_until: Option<Instant>,
}

type AppendResult = Result<AppendEntriesResponse<u64>, typ::RPCError>;

fn network_err<E: std::error::Error>(e: &(impl std::error::Error + 'static)) -> typ::RPCError<E> {
    RPCError::Network(NetworkError::new(e))
}

/// A request that did not get an answer: `Unreachable` when no connection could be made (so
/// openraft backs off), else `Network`.
fn send_err<E: std::error::Error>(e: reqwest::Error) -> typ::RPCError<E> {
    if e.is_connect() {
        RPCError::Unreachable(Unreachable::new(&e))
    } else {
        network_err(&e)
    }
}

impl Connection {
    /// The error for a link the test kit's fault layer cut.
    fn cut<E: std::error::Error>(&self) -> typ::RPCError<E> {
        RPCError::Unreachable(Unreachable::new(&LinkCut(self.target)))
    }

    /// Opens the AppendEntries stream: `None` when the peer has no such route.
    async fn open_stream(&self) -> Result<Option<Stream<reqwest::Upgraded>>, typ::RPCError> {
        use reqwest::header::{CONNECTION, UPGRADE};
        let request = self
            .net
            .client
            .get(format!("{}/stream", self.base))
            .header(CONNECTION, "upgrade")
            .header(UPGRADE, stream::PROTOCOL);
        let response = self.net.with_secret(request).send().await.map_err(send_err)?;
        match response.status() {
            reqwest::StatusCode::SWITCHING_PROTOCOLS => {
                let io = response.upgrade().await.map_err(|e| network_err(&e))?;
                Ok(Some(Stream::new(io)))
            }
            reqwest::StatusCode::NOT_FOUND | reqwest::StatusCode::METHOD_NOT_ALLOWED => Ok(None),
            status => Err(network_err(&std::io::Error::other(format!(
                "raft stream upgrade to node {} answered HTTP {status}",
                self.target
            )))),
        }
    }

    /// The stream slot, without locking (`&mut self` is exclusive already).
    fn slot(&mut self) -> &mut Option<Stream<reqwest::Upgraded>> {
        self.stream.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One AppendEntries on the stream (opened first if needed); `None` when the peer has no
    /// stream route. A stream that was already open and fails is reopened once and the request
    /// sent again (AppendEntries is idempotent): the peer may have restarted since. The stream
    /// is put back only after a whole exchange, so a cancelled call leaves none behind.
    async fn append_streamed(
        &mut self,
        rpc: &AppendEntriesRequest<TypeConfig>,
    ) -> Result<Option<Answer>, typ::RPCError> {
        let mut reused = self.slot().is_some();
        loop {
            let mut open = match self.slot().take() {
                Some(open) => open,
                None => match self.open_stream().await? {
                    Some(open) => open,
                    None => return Ok(None),
                },
            };
            match open.append(rpc).await {
                Ok(answer) => {
                    *self.slot() = Some(open);
                    return Ok(Some(answer));
                }
                Err(e) if reused => {
                    tracing::debug!(target = self.target, error = %e, "raft stream broke; reopening");
                    reused = false;
                }
                Err(e) => return Err(network_err(&e)),
            }
        }
    }

    async fn append(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: &RPCOption,
    ) -> AppendResult {
        if self.net.faults.blocks_send_to(self.target) {
            return Err(self.cut());
        }
        if self.http_only_until.is_some_and(|until| Instant::now() < until) {
            return self.call("append", &rpc, option).await;
        }
        match tokio::time::timeout(option.hard_ttl(), self.append_streamed(&rpc)).await {
            Ok(Ok(Some(Answer::Raft(result)))) => {
                (*result).map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
            }
            Ok(Ok(Some(Answer::Dropped))) => Err(self.cut()),
            Ok(Ok(None)) => {
                tracing::info!(
                    target = self.target,
                    "peer has no raft stream route; using HTTP requests for a while"
                );
                self.http_only_until = Some(Instant::now() + stream::RETRY_UPGRADE_AFTER);
                self.call("append", &rpc, option).await
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                // The request may be half sent: the stream was dropped with the call.
                Err(network_err(&std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("append-entries to node {} timed out", self.target),
                )))
            }
        }
    }

    async fn call<Req, Resp, E>(
        &self,
        path: &str,
        req: &Req,
        option: &RPCOption,
    ) -> Result<Resp, typ::RPCError<E>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        if self.net.faults.blocks_send_to(self.target) {
            return Err(self.cut());
        }
        let request =
            self.net.client.post(format!("{}/{}", self.base, path)).timeout(option.hard_ttl());
        let response = self.net.with_secret(request).json(req).send().await.map_err(send_err)?;
        if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            // The peer's fault layer dropped us: behave like a lost packet.
            return Err(self.cut());
        }
        if !response.status().is_success() {
            let status = response.status();
            return Err(network_err(&std::io::Error::other(format!(
                "raft rpc {path} to node {} answered HTTP {status}",
                self.target
            ))));
        }
        let result: Result<Resp, RaftError<u64, E>> =
            response.json().await.map_err(|e| network_err(&e))?;
        result.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for Connection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> AppendResult {
        self.append(rpc, &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<u64>, typ::RPCError<InstallSnapshotError>> {
        self.call("snapshot", &rpc, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, typ::RPCError> {
        self.call("vote", &rpc, &option).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::routing::post;
    use axum::{Json, Router};
    use openraft::Vote;

    use super::*;

    /// A peer of an older version has no `/raft/stream`: AppendEntries still reach it, as HTTP
    /// requests, and the connection does not ask for the upgrade again on every call.
    #[tokio::test]
    async fn a_peer_without_the_stream_route_gets_http_requests(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let appends = Arc::new(AtomicUsize::new(0));
        let upgrades = Arc::new(AtomicUsize::new(0));
        let (a, u) = (appends.clone(), upgrades.clone());
        let app = Router::new()
            .route(
                "/raft/append",
                post(move || async move {
                    a.fetch_add(1, Ordering::SeqCst);
                    Json(Ok::<_, RaftError<u64>>(AppendEntriesResponse::<u64>::Success))
                }),
            )
            .fallback(move || async move {
                u.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::NOT_FOUND
            });
        tokio::spawn(async move { axum::serve(listener, app).await });

        let mut net = Network::new(Arc::new(NetworkFaults::default()), Duration::from_secs(2))?;
        let mut conn = net.new_client(2, &BasicNode::new(addr.to_string())).await;
        let req = AppendEntriesRequest::<TypeConfig> {
            vote: Vote::new_committed(1, 1),
            prev_log_id: None,
            entries: vec![],
            leader_commit: None,
        };
        for _ in 0..3 {
            let answer =
                conn.append_entries(req.clone(), RPCOption::new(Duration::from_secs(2))).await;
            assert!(matches!(answer, Ok(AppendEntriesResponse::Success)), "{answer:?}");
        }
        assert_eq!(appends.load(Ordering::SeqCst), 3);
        assert_eq!(upgrades.load(Ordering::SeqCst), 1, "asked for the upgrade once");
        Ok(())
    }
}
