//! The HTTP router in-process, without raft (`tower::ServiceExt::oneshot`): small fakes for the
//! raft-facing ports (a member that always leads, commands that are recorded and answered with a
//! preset result, no operations) over a real SQLite store, for the router and API-path tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::analysis_state::AnalysisState;
use crate::clock::SystemClock;
use crate::config::NodeConfig;
use crate::consensus::Member as MemberInfo;
use crate::ports::{AppState, Commands, Member, Operations};
use crate::propose::ProposeError;
use crate::store::Store;
use app::api::dto::RaftStatusView;
use app::api::ApiError;
use app::core::recovery::RecoveryResolution;
use app::core::recovery_run::{RecoveryError, Trigger};
use app::core::{
    CommandEnvelope, CommandOutcome, Instance, InstanceKey, Proposal, ReplicationAnalysis,
};
use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

/// A member that always leads (so the proxy never relays).
pub struct Leader;

#[async_trait]
impl Member for Leader {
    fn id(&self) -> u64 {
        1
    }
    fn members(&self) -> Vec<MemberInfo> {
        vec![MemberInfo::new(1, "127.0.0.1:10008", true)]
    }
    fn is_leader_with_quorum(&self) -> bool {
        true
    }
    fn backend_ok(&self) -> bool {
        true
    }
    fn leader(&self) -> Option<u64> {
        Some(1)
    }
    async fn leader_changed_from(&self, _leader: u64) {
        std::future::pending::<()>().await
    }
    async fn uri_of(&self, _id: u64) -> Option<String> {
        Some("http://127.0.0.1:3000".into())
    }
    async fn route_to(&self, id: u64) -> Option<String> {
        self.uri_of(id).await
    }
    async fn status(&self) -> RaftStatusView {
        RaftStatusView {
            node_id: 1,
            raft_addr: "127.0.0.1:10008".into(),
            http_uri: "http://127.0.0.1:3000".into(),
            state: "Leader".into(),
            healthy: true,
            is_part_of_quorum: true,
            leader_id: Some(1),
            leader_raft_addr: Some("127.0.0.1:10008".into()),
            leader_uri: Some("http://127.0.0.1:3000".into()),
            term: 1,
            last_log_index: Some(1),
            applied_index: Some(1),
            snapshot_index: None,
            millis_since_quorum_ack: Some(0),
            members: Vec::new(),
        }
    }
    fn log_stats(&self) -> (u64, u64) {
        (0, 0)
    }
    async fn yield_leadership(&self, _target: Option<u64>) -> Result<String, ApiError> {
        Ok("yielded".into())
    }
    fn hold_elections(&self, _window: Duration) {}
    fn relay_client(&self) -> reqwest::Client {
        reqwest::Client::new()
    }
    fn peer_get(&self, url: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new().get(url)
    }
    fn http_uri(&self) -> String {
        "http://127.0.0.1:3000".into()
    }
}

/// Records proposals and answers with a preset result.
pub struct Recorder {
    /// Every proposal submitted, in order.
    pub seen: Mutex<Vec<Proposal>>,
    answer: Result<CommandOutcome, ApiError>,
}

#[async_trait]
impl Commands for Recorder {
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).push(proposal);
        self.answer.clone()
    }
    async fn propose(
        &self,
        _env: CommandEnvelope,
        _forwarded: bool,
    ) -> Result<CommandOutcome, ProposeError> {
        Err(ProposeError::NoLeader)
    }
}

/// Operations that are not part of an in-process test.
pub struct NoOps;

#[async_trait]
impl Operations for NoOps {
    async fn recover(
        &self,
        _analysis: ReplicationAnalysis,
        _trigger: Trigger,
    ) -> Result<RecoveryResolution, RecoveryError> {
        Err(RecoveryError::Failed("not in this test".into()))
    }
    async fn takeover(
        &self,
        _cluster: &str,
        _designated: Option<InstanceKey>,
    ) -> Result<RecoveryResolution, RecoveryError> {
        Err(RecoveryError::Failed("not in this test".into()))
    }
    async fn probe(&self, key: InstanceKey) -> Result<Instance, String> {
        Err(format!("{key} is not reachable in this test"))
    }
}

/// A router over the fakes and a real SQLite store in a temporary directory.
pub struct Fixture {
    _dir: tempfile::TempDir,
    /// The router under test.
    pub router: axum::Router,
    /// What it proposed.
    pub commands: Arc<Recorder>,
}

/// The fixture could not be built, or a request could not be made.
#[derive(Debug, thiserror::Error)]
#[error("in-process fixture: {what}: {reason}")]
pub struct FixtureError {
    what: &'static str,
    reason: String,
}

fn failed<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> FixtureError {
    move |e| FixtureError { what, reason: e.to_string() }
}

/// The router with `extra` config keys (a leading comma, JSON members), answering every
/// proposal with `answer`.
pub async fn fixture(
    extra: &str,
    answer: Result<CommandOutcome, ApiError>,
) -> Result<Fixture, FixtureError> {
    let dir = tempfile::tempdir().map_err(failed("temporary directory"))?;
    let text = format!(
        r#"{{ "RaftEnabled": true, "RaftDataDir": "{raft}", "RaftBind": "127.0.0.1:10008",
             "ListenAddress": "127.0.0.1:3000", "BackendDB": "sqlite", "SQLite3DataFile": "{db}" {extra} }}"#,
        raft = dir.path().join("raft").display(),
        db = dir.path().join("orchestrator.db").display(),
    );
    let config = Arc::new(NodeConfig::parse(&text).map_err(failed("config"))?);
    let store =
        Store::open(&config.backend.db, Duration::from_secs(5)).await.map_err(failed("store"))?;
    let security = Arc::new(crate::auth::Security::load(&config).map_err(failed("security"))?);
    let commands = Arc::new(Recorder { seen: Mutex::default(), answer });
    let prober =
        crate::probe::Prober::new(config.discovery.clone(), store.clone(), Arc::new(SystemClock));
    let state = AppState {
        member: Arc::new(Leader),
        commands: commands.clone(),
        ops: Arc::new(NoOps),
        store,
        analysis: Arc::new(AnalysisState::default()),
        security,
        config,
        clock: Arc::new(SystemClock),
        probe_metrics: prober.metrics(),
        prober,
    };
    let router = crate::http::router(state, crate::site_options::defaults());
    Ok(Fixture { _dir: dir, router, commands })
}

/// One request through the router: status, headers and body.
pub async fn call(
    f: &Fixture,
    method: &str,
    path: &str,
    auth: Option<&str>,
) -> Result<(StatusCode, axum::http::HeaderMap, String), FixtureError> {
    let mut request = Request::builder().method(method).uri(path).header("host", "127.0.0.1:3000");
    if let Some(a) = auth {
        request = request.header("authorization", a);
    }
    let response = f
        .router
        .clone()
        .oneshot(request.body(Body::empty()).map_err(failed("request"))?)
        .await
        .map_err(failed("router"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes =
        axum::body::to_bytes(response.into_body(), 1 << 20).await.map_err(failed("body"))?;
    Ok((status, headers, String::from_utf8_lossy(&bytes).into_owned()))
}
