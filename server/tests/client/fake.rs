//! A fake orchestrator API on loopback that answers recorded replies by exact path (and query)
//! and records what it was asked; and a runner for the real `orchestrator-client` binary.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Longest a single client run may take before the test fails.
const CLIENT_DEADLINE: Duration = Duration::from_secs(60);

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query, as sent (still percent-encoded).
    pub path: String,
    /// `Authorization` header, if any.
    pub authorization: Option<String>,
    /// `X-Forwarded-User` header, if any.
    pub forwarded_user: Option<String>,
}

#[derive(Clone)]
struct Shared {
    routes: Arc<HashMap<String, (u16, String)>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A running fake API.
pub struct FakeApi {
    /// `http://127.0.0.1:port` (no `/api`).
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl FakeApi {
    /// Serves `routes` — (path with query, status, JSON body) — on a new loopback port.
    pub async fn start(routes: &[(&str, u16, &str)]) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake API");
        FakeApi::start_on(listener, routes)
    }

    /// As [`FakeApi::start`], on an already bound listener.
    pub fn start_on(listener: TcpListener, routes: &[(&str, u16, &str)]) -> FakeApi {
        let port = listener.local_addr().expect("local addr").port();
        let routes = routes.iter().map(|(p, s, b)| (p.to_string(), (*s, b.to_string()))).collect();
        let shared = Shared { routes: Arc::new(routes), seen: Arc::new(Mutex::new(Vec::new())) };
        let seen = shared.seen.clone();
        let app = Router::new().fallback(answer).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeApi { url: format!("http://127.0.0.1:{port}"), seen, task }
    }

    /// Paths requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.path).collect()
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen lock").clone()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(shared): State<Shared>, request: Request) -> Response {
    let path = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let header =
        |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
    let seen = Seen {
        authorization: header("authorization"),
        forwarded_user: header("x-forwarded-user"),
        path,
    };
    shared.seen.lock().expect("seen lock").push(seen.clone());
    match shared.routes.get(&seen.path) {
        Some((status, body)) => Response::builder()
            .status(*status)
            .header("content-type", "application/json")
            .body(Body::from(body.clone()))
            .expect("response"),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// What one run of the client produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The client binary with a clean environment plus `env`.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_orchestrator-client"));
    cmd.args(args).env_clear().envs(env.iter().copied()).stdin(Stdio::null()).kill_on_drop(true);
    cmd
}

/// Runs the client to completion (failing the test after [`CLIENT_DEADLINE`]).
pub async fn client(args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = tokio::time::timeout(CLIENT_DEADLINE, command(args, env).output())
        .await
        .unwrap_or_else(|_| {
            panic!("orchestrator-client {args:?} did not finish within {CLIENT_DEADLINE:?}")
        })
        .expect("run orchestrator-client");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the client against the single endpoint `api` and checks exit code 0, empty stderr and
/// exactly `stdout`.
pub async fn expect_output(api: &str, args: &[&str], stdout: &str) {
    let run = client(args, &[("ORCHESTRATOR_API", api)]).await;
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}: {run:?}");
    assert_eq!(run.stdout, stdout, "{args:?}");
}
