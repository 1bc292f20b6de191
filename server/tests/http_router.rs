//! In-process tests of the HTTP router (`tower::ServiceExt::oneshot`), built without raft: the
//! raft-facing ports are small fakes, the store is a real SQLite file. They cover routing (the
//! write route table to proposals, GET and POST), authentication and authorization, and how
//! errors map to statuses (400, 401, 403, 503 with `Retry-After`, 504).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

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
use server::analysis_state::AnalysisState;
use server::clock::SystemClock;
use server::config::NodeConfig;
use server::consensus::Member as MemberInfo;
use server::ports::{AppState, Commands, Member, Operations};
use server::propose::ProposeError;
use server::store::Store;
use tower::ServiceExt;

/// A member that always leads (so the proxy never relays).
struct Leader;

#[async_trait]
impl Member for Leader {
    fn id(&self) -> u64 {
        1
    }
    fn members(&self) -> Vec<MemberInfo> {
        vec![MemberInfo { id: 1, raft_addr: "127.0.0.1:10008".into(), host: "127.0.0.1".into() }]
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
struct Recorder {
    seen: Mutex<Vec<Proposal>>,
    answer: Result<CommandOutcome, ApiError>,
}

#[async_trait]
impl Commands for Recorder {
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.seen.lock().unwrap().push(proposal);
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

struct NoOps;

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

struct Fixture {
    _dir: tempfile::TempDir,
    router: axum::Router,
    commands: Arc<Recorder>,
}

async fn fixture(extra: &str, answer: Result<CommandOutcome, ApiError>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"{{ "RaftEnabled": true, "RaftDataDir": "{raft}", "RaftBind": "127.0.0.1:10008",
             "ListenAddress": "127.0.0.1:3000", "BackendDB": "sqlite", "SQLite3DataFile": "{db}" {extra} }}"#,
        raft = dir.path().join("raft").display(),
        db = dir.path().join("orchestrator.db").display(),
    );
    let config = Arc::new(NodeConfig::parse(&text).unwrap());
    let store = Store::open(&config.backend.db, Duration::from_secs(5)).await.unwrap();
    let security = Arc::new(server::auth::Security::load(&config).unwrap());
    let commands = Arc::new(Recorder { seen: Mutex::default(), answer });
    let state = AppState {
        member: Arc::new(Leader),
        commands: commands.clone(),
        ops: Arc::new(NoOps),
        store,
        analysis: Arc::new(AnalysisState::default()),
        security,
        config,
        clock: Arc::new(SystemClock),
    };
    let router = server::http::router(state, server::site_options::defaults());
    Fixture { _dir: dir, router, commands }
}

async fn call(
    f: &Fixture,
    method: &str,
    path: &str,
    auth: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(path).header("host", "127.0.0.1:3000");
    if let Some(a) = auth {
        request = request.header("authorization", a);
    }
    let response = f.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn key(host: &str) -> InstanceKey {
    InstanceKey::new(host, 3306).unwrap()
}

#[tokio::test]
async fn write_routes_build_the_proposals_and_word_the_outcome() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await;
    let (status, _, body) =
        call(&f, "GET", "/api/begin-downtime/db1/3306/ops/maint/30m", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Downtime begun on db1:3306 for 30m"), "{body}");
    let (status, _, body) = call(&f, "POST", "/api/register-candidate/db2/3306/prefer", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = call(&f, "GET", "/api/disable-global-recoveries", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""Details":"disabled""#), "{body}");
    let seen = f.commands.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(
        matches!(&seen[0], Proposal::BeginDowntime(r) if r.key == key("db1") && r.duration_ms == 30 * 60_000)
    );
    assert!(matches!(&seen[1], Proposal::RegisterCandidate { key: k, .. } if *k == key("db2")));
    assert_eq!(seen[2], Proposal::set_global_recoveries(false));
}

#[tokio::test]
async fn bad_input_is_a_400_and_proposes_nothing() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await;
    for path in [
        "/api/begin-downtime/db1/3306/ops/maint/10x",
        "/api/register-candidate/db1/3306/must",
        "/api/end-downtime/db1/99999",
        "/api/forget/%2E/3306",
        "/api/begin-downtime/db1/3306//maint",
        "/api/leader-check/101",
    ] {
        let (status, _, body) = call(&f, "GET", path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body.contains(r#""Code":"ERROR""#), "{path}: {body}");
    }
    assert!(f.commands.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn errors_say_whether_anything_was_committed() {
    let f =
        fixture("", Err(ApiError::Unavailable("no leader; nothing was committed".into()))).await;
    let (status, headers, body) = call(&f, "GET", "/api/forget/db1/3306", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers.get("retry-after").map(|v| v.to_str().unwrap()), Some("1"));
    let f = fixture("", Err(ApiError::OutcomeUnknown("timed out; may be applied".into()))).await;
    let (status, headers, body) = call(&f, "GET", "/api/forget/db1/3306", None).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(headers.get("retry-after").is_none());
}

#[tokio::test]
async fn leader_check_and_health_answer_locally() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await;
    let (status, _, body) = call(&f, "GET", "/api/leader-check", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#""OK""#));
    let (status, _, _) = call(&f, "GET", "/api/raft-health", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn writes_need_credentials_and_read_only_refuses_them() {
    let basic =
        r#", "AuthenticationMethod": "basic", "HTTPAuthUser": "orc", "HTTPAuthPassword": "s3cret""#;
    let f = fixture(basic, Ok(CommandOutcome::Applied)).await;
    let (status, _, _) = call(&f, "GET", "/api/forget/db1/3306", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Load-balancer checks stay open.
    let (status, _, _) = call(&f, "GET", "/api/leader-check", None).await;
    assert_eq!(status, StatusCode::OK);
    let good = format!("Basic {}", base64_encode("orc:s3cret"));
    let (status, _, body) = call(&f, "GET", "/api/forget/db1/3306", Some(&good)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = call(&f, "GET", "/api/forget/db1/3306", Some("Basic b3JjOndyb25n")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let f = fixture(r#", "ReadOnly": true"#, Ok(CommandOutcome::Applied)).await;
    let (status, _, body) = call(&f, "GET", "/api/forget/db1/3306", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(f.commands.seen.lock().unwrap().is_empty());
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Every `/api` answer parses as JSON, whatever went wrong: scripts pipe them through `jq`.
#[tokio::test]
async fn every_api_answer_is_json_with_an_error_status_when_it_fails() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await;
    for (method, path, expected) in [
        ("GET", "/api/no-such-path", StatusCode::NOT_FOUND),
        ("GET", "/api/no/such/deep/path", StatusCode::NOT_FOUND),
        ("GET", "/api", StatusCode::NOT_FOUND),
        ("DELETE", "/api/clusters", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/downtimed/no-such-cluster", StatusCode::NOT_FOUND),
        ("GET", "/api/downtimed/", StatusCode::OK),
        ("GET", "/api/downtimed", StatusCode::OK),
        ("GET", "/api/search?s=127.0.0.1%0A", StatusCode::OK),
    ] {
        let (status, headers, body) = call(&f, method, path, None).await;
        assert_eq!(status, expected, "{method} {path}: {body}");
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{method} {path}"
        );
        let value: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        if !status.is_success() {
            assert_eq!(value["Code"], "ERROR", "{path}: {body}");
            assert!(value["Message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
        }
    }
    // The dashboard is still served outside /api.
    let (status, _, _) = call(&f, "GET", "/web/no-such-page", None).await;
    assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn status_endpoint_answers_as_api_status() {
    let f = fixture(r#", "StatusEndpoint": "/api/healthz""#, Ok(CommandOutcome::Applied)).await;
    let (want, _, want_body) = call(&f, "GET", "/api/status", None).await;
    let (status, _, body) = call(&f, "GET", "/api/healthz", None).await;
    assert_eq!(status, want, "{body}");
    assert!(body.contains("\"Details\"") && want_body.contains("\"Details\""), "{body}");
    // Without the key the path is an unknown API path.
    let f = fixture("", Ok(CommandOutcome::Applied)).await;
    let (status, _, _) = call(&f, "GET", "/api/healthz", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
