//! Setup: 3 nodes.
//! Action: requests a URL parser would rewrite, sent as raw bytes to a follower: a percent-encoded
//! dot segment (`%2E`) in a path parameter, literal `.`/`..` and empty segments, an
//! informational `leader-check` code, and a chunked body larger than the HTTP port accepts.
//! Expected: each is refused with orchestrator's JSON error and its own status (400, or 413 for
//! the body) — never normalised into a different request that the leader would apply — and the
//! replicated state is unchanged.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Options, TestCluster};

/// Sends `head` (request line and headers, without the blank line) and `body` over a fresh
/// connection; (status, response body).
async fn raw(addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    // The server may answer (413) and close before the whole body is written.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn proxy_relays_requests_unchanged() {
    let cluster = TestCluster::start(Options::default()).await;
    // The follower must know the leader's HTTP URI (announced through raft) to forward.
    let (_, f) = cluster.leader_and_informed_follower().await;
    let addr = cluster.url(f).trim_start_matches("http://").to_string();

    for path in [
        "/api/begin-downtime/victim2/3306/%2E/myreason/2d",
        "/api/begin-downtime/victim2/3306/%2e%2E/myreason/2d",
        "/api/begin-downtime/victim2/3306/./myreason",
        "/api/begin-downtime/victim2/3306/ops/../2d",
        "/api/begin-downtime/victim2/3306//myreason",
        "/api/forget/%2E%2E/3306",
    ] {
        let (status, body) = raw(&addr, &format!("GET {path} HTTP/1.1"), b"").await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(r#""Code":"ERROR""#), "{path}: {body}");
    }

    for code in ["101", "100", "199", "600", "abc"] {
        let (status, body) =
            raw(&addr, &format!("GET /api/leader-check/{code} HTTP/1.1"), b"").await;
        assert_eq!(status, 400, "leader-check/{code}: {body}");
    }
    let (status, _) = raw(&addr, "GET /api/leader-check/299 HTTP/1.1", b"").await;
    assert_eq!(status, 299, "a follower answers the given code");

    // 2 MiB in chunks to a proxied write route: the size limit answers 413, not "leader unreachable".
    let mut chunked = Vec::new();
    for _ in 0..32 {
        chunked.extend_from_slice(format!("{:x}\r\n", 65_536).as_bytes());
        chunked.extend_from_slice(&[b'x'; 65_536]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let head = "POST /api/begin-downtime/db9/3306/ops/big HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain";
    let (status, body) = raw(&addr, head, &chunked).await;
    assert_eq!(status, 413, "{body}");

    // Nothing of the above reached the store of any node.
    cluster.wait_converged().await;
    for i in 0..3 {
        assert!(cluster.downtimed_hosts(i).await.is_empty(), "node {i} stored a refused request");
    }
}
