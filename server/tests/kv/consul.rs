//! Consul's KV API as orchestrator's Go client speaks it, replayed by a local HTTP server that
//! records every request: `consul` (one `PUT /v1/kv/<key>` per pair, raw value, the ACL token in
//! `X-Consul-Token`), cross-datacenter distribution (`GET /v1/catalog/datacenters`, then per
//! datacenter `GET` and, when the value differs, `PUT` with `?dc=`), and `consul-txn`
//! (`PUT /v1/txn`, `set` operations with base64 values, at most `ConsulMaxKVsPerTransaction`
//! per transaction). A refused write is an error (the publisher retries it).

use std::sync::{Arc, Mutex};

use app::core::kv::KvPair;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use server::config::NodeConfig;
use server::kv::consul::ConsulStore;
use server::kv::KvStore;

/// One recorded request: method, path with query, token header, body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    method: String,
    uri: String,
    token: Option<String>,
    body: String,
}

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Answer 500 to every write.
    refuse_writes: bool,
}

async fn record(State(r): State<Recorder>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let uri = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    r.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        uri: uri.clone(),
        token: parts.headers.get("x-consul-token").map(|v| v.to_str().unwrap().to_string()),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if parts.method == Method::PUT && r.refuse_writes {
        return (StatusCode::INTERNAL_SERVER_ERROR, "rpc error: no leader").into_response();
    }
    match (parts.method.clone(), parts.uri.path()) {
        (Method::GET, "/v1/catalog/datacenters") => {
            ([("content-type", "application/json")], r#"["dc1","dc2"]"#).into_response()
        }
        // dc1 already holds the master's pair, dc2 holds nothing.
        (Method::GET, "/v1/kv/mysql/master/shop") if uri.ends_with("dc=dc1") => (
            [("content-type", "application/json")],
            r#"[{"LockIndex":0,"Key":"mysql/master/shop","Flags":0,"Value":"ZGIxOjMzMDY=","CreateIndex":5,"ModifyIndex":5}]"#,
        )
            .into_response(),
        (Method::GET, _) => StatusCode::NOT_FOUND.into_response(),
        (Method::PUT, "/v1/txn") => {
            ([("content-type", "application/json")], r#"{"Results":[],"Errors":null}"#)
                .into_response()
        }
        (Method::PUT, _) => ([("content-type", "application/json")], "true").into_response(),
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

async fn serve(recorder: Recorder) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(record).with_state(recorder);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr.to_string()
}

fn store(extra: &str) -> ConsulStore {
    let text = format!(
        r#"{{"RaftEnabled": true, "RaftDataDir": "/tmp/x", "RaftBind": "127.0.0.1:10008",
            "BackendDB": "sqlite", "SQLite3DataFile": "/tmp/x/orc.db" {extra}}}"#
    );
    ConsulStore::new(&NodeConfig::parse(&text).unwrap().kv).unwrap()
}

fn pairs() -> Vec<KvPair> {
    vec![
        KvPair::new("mysql/master/shop", "db1:3306"),
        KvPair::new("mysql/master/shop/hostname", "db1"),
        KvPair::new("mysql/master/shop/port", "3306"),
    ]
}

fn put(uri: &str, body: &str) -> Seen {
    Seen { method: "PUT".into(), uri: uri.into(), token: Some("s3cr3t".into()), body: body.into() }
}

fn get(uri: &str) -> Seen {
    Seen {
        method: "GET".into(),
        uri: uri.into(),
        token: Some("s3cr3t".into()),
        body: String::new(),
    }
}

#[tokio::test]
async fn consul_kv_puts_each_pair_with_the_token() {
    let recorder = Recorder::default();
    let addr = serve(recorder.clone()).await;
    let consul = store(&format!(r#", "ConsulAddress": "{addr}", "ConsulAclToken": "s3cr3t""#));
    consul.put(&pairs()).await.unwrap();
    assert_eq!(
        *recorder.seen.lock().unwrap(),
        vec![
            put("/v1/kv/mysql/master/shop", "db1:3306"),
            put("/v1/kv/mysql/master/shop/hostname", "db1"),
            put("/v1/kv/mysql/master/shop/port", "3306"),
        ]
    );
}

#[tokio::test]
async fn consul_cross_datacenter_distribution_writes_what_each_datacenter_lacks() {
    let recorder = Recorder::default();
    let addr = serve(recorder.clone()).await;
    let consul = store(&format!(
        r#", "ConsulAddress": "{addr}", "ConsulAclToken": "s3cr3t",
           "ConsulCrossDataCenterDistribution": true"#
    ));
    consul.put(&pairs()[..1]).await.unwrap();
    assert_eq!(
        *recorder.seen.lock().unwrap(),
        vec![
            put("/v1/kv/mysql/master/shop", "db1:3306"),
            get("/v1/catalog/datacenters"),
            get("/v1/kv/mysql/master/shop?dc=dc1"),
            get("/v1/kv/mysql/master/shop?dc=dc2"),
            put("/v1/kv/mysql/master/shop?dc=dc2", "db1:3306"),
        ]
    );
}

#[tokio::test]
async fn consul_txn_sets_pairs_in_bounded_transactions() {
    let recorder = Recorder::default();
    let addr = serve(recorder.clone()).await;
    let consul = store(&format!(
        r#", "ConsulAddress": "{addr}", "ConsulAclToken": "s3cr3t",
           "ConsulKVStoreProvider": "consul-txn", "ConsulMaxKVsPerTransaction": 2"#
    ));
    consul.put(&pairs()).await.unwrap();
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let first: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        first,
        serde_json::json!([
            {"KV": {"Verb": "set", "Key": "mysql/master/shop", "Value": "ZGIxOjMzMDY="}},
            {"KV": {"Verb": "set", "Key": "mysql/master/shop/hostname", "Value": "ZGIx"}}
        ])
    );
    assert_eq!((seen[0].method.as_str(), seen[0].uri.as_str()), ("PUT", "/v1/txn"));
    assert_eq!(seen[0].token.as_deref(), Some("s3cr3t"));
    let second: serde_json::Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(
        second,
        serde_json::json!([{"KV": {"Verb": "set", "Key": "mysql/master/shop/port", "Value": "MzMwNg=="}}])
    );
}

#[tokio::test]
async fn a_refused_write_is_an_error_and_no_token_means_no_header() {
    let recorder = Recorder { refuse_writes: true, ..Recorder::default() };
    let addr = serve(recorder.clone()).await;
    let consul = store(&format!(r#", "ConsulAddress": "{addr}""#));
    let e = consul.put(&pairs()).await.unwrap_err();
    assert!(e.to_string().contains("500"), "{e}");
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "stops at the first refusal: {seen:?}");
    assert_eq!(seen[0].token, None);
}
