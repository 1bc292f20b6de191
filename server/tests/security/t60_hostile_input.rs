//! Hostile input on a live node: malformed parameters are a 400 with a message and propose
//! nothing (a shell-looking host never reaches a shell), oversized bodies are a 413, and a client
//! that sends its headers too slowly is disconnected.

use std::time::{Duration, Instant};

use server::testkit::cluster::{Backend, ProcCluster};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{client, raw_status_line, send, settled_digest};

const BAD_PARAMETERS: &[&str] = &[
    "/api/begin-downtime/$(touch%20pwned)/3306/ops/test",
    "/api/begin-downtime/db1;rm%20-rf/3306/ops/test",
    "/api/begin-downtime/db1/99999/ops/test",
    "/api/begin-downtime/db1/abc/ops/test",
    "/api/begin-downtime/db1/3306/ops/test/10x",
    "/api/begin-downtime/db1/3306/ops/test/-5m",
    "/api/begin-downtime/db1/3306/ops/test/99999999999999d",
    "/api/begin-downtime/db1/3306/%20/test",
    "/api/begin-downtime/db1/3306/ops/line%0Abreak",
    "/api/end-downtime/`id`/3306",
    "/api/register-candidate/db1/3306/superb",
    "/api/register-candidate/db1/0/prefer",
    "/api/forget/db1/65536",
    "/api/recover/db1/3306/db2/x",
    "/api/ack-recovery/uid/abc-1",
    "/api/ack-recovery/uid/abc-1?comment=%07bell",
    "/api/ack-recovery/uid/..%2F..%2Fetc?comment=ok",
    "/api/ack-all-recoveries",
    "/api/discover/db1/3306x",
    "/api/leader-check/abc",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_refused_and_bounded() {
    let c = ProcCluster::start(vec![Backend::Sqlite], r#""HTTPReadHeaderTimeoutSeconds": 1"#);
    c.wait_for_leader(&[0]).await;
    let before = settled_digest(&c, 0).await;
    let http = client();
    let base = format!("http://127.0.0.1:{}", c.http_port(0));

    for path in BAD_PARAMETERS {
        let (status, body) = send(http.get(format!("{base}{path}"))).await;
        assert_eq!(status, 400, "{path}: {body}");
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .map(|v| v["Message"].to_string())
            .unwrap_or_default();
        assert!(message.len() > 4, "{path}: a 400 says what is wrong: {body}");
    }
    let long_alias = format!("{base}/api/set-cluster-alias/db1:3306?alias={}", "a".repeat(300));
    assert_eq!(send(http.get(long_alias)).await.0, 400);
    assert_eq!(c.digest(0).await, before, "a refused parameter was proposed");
    assert!(!c.node_dir(0).join("pwned").exists() && !std::path::Path::new("pwned").exists());

    // Bodies over 1 MiB: 413 before any handler (API, server functions, /internal).
    for path in ["/api/begin-downtime/db1/3306/ops/test", "/sfn/anything", "/internal/propose"] {
        let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n");
        let line = raw_status_line(c.http_port(0), head.as_bytes()).await;
        assert!(line.starts_with("HTTP/1.1 413"), "{path} announcing a 2 MiB body: {line:?}");
    }
    // Without a Content-Length (chunked), the limit still holds when the body is read.
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", c.http_port(0))).await.unwrap();
    raw.write_all(b"POST /internal/propose HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
    for _ in 0..40 {
        if raw.write_all(chunk.as_bytes()).await.is_err() {
            break; // the server answered and closed early
        }
    }
    let _ = raw.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(10), raw.read(&mut answer))
        .await
        .unwrap()
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&answer[..n]).to_string();
    // 413, or the connection reset by the server closing on the unread rest of the body.
    assert!(head.starts_with("HTTP/1.1 413") || n == 0, "chunked 2.5 MiB body: {head:?}");

    // A client that never finishes its headers is cut off after HTTPReadHeaderTimeoutSeconds.
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", c.http_port(0))).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "a slow client was not disconnected");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "disconnected only after {:?}",
        started.elapsed()
    );
    assert_eq!(
        send(http.get(format!("{base}/api/health"))).await.0,
        200,
        "the node still serves others"
    );
}
