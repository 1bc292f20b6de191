//! In-process tests of the HTTP router (`tower::ServiceExt::oneshot`), built without raft: the
//! raft-facing ports are small fakes, the store is a real SQLite file. They cover routing (the
//! write route table to proposals, GET and POST), authentication and authorization, and how
//! errors map to statuses (400, 401, 403, 503 with `Retry-After`, 504).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::api::ApiError;
use app::core::{CommandOutcome, InstanceKey, Proposal};
use axum::http::StatusCode;
use server::testkit::in_process::{call, fixture};

fn key(host: &str) -> InstanceKey {
    InstanceKey::new(host, 3306).unwrap()
}

#[tokio::test]
async fn write_routes_build_the_proposals_and_word_the_outcome() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    let (status, _, body) =
        call(&f, "GET", "/api/begin-downtime/db1/3306/ops/maint/30m", None).await.expect("request");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Downtime begun on db1:3306 for 30m"), "{body}");
    let (status, _, body) =
        call(&f, "POST", "/api/register-candidate/db2/3306/prefer", None).await.expect("request");
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) =
        call(&f, "GET", "/api/disable-global-recoveries", None).await.expect("request");
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
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    for path in [
        "/api/begin-downtime/db1/3306/ops/maint/10x",
        "/api/register-candidate/db1/3306/must",
        "/api/end-downtime/db1/99999",
        "/api/forget/%2E/3306",
        "/api/begin-downtime/db1/3306//maint",
        "/api/leader-check/101",
    ] {
        let (status, _, body) = call(&f, "GET", path, None).await.expect("request");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body.contains(r#""Code":"ERROR""#), "{path}: {body}");
    }
    assert!(f.commands.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn errors_say_whether_anything_was_committed() {
    let f = fixture("", Err(ApiError::Unavailable("no leader; nothing was committed".into())))
        .await
        .expect("fixture");
    let (status, headers, body) =
        call(&f, "GET", "/api/forget/db1/3306", None).await.expect("request");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers.get("retry-after").map(|v| v.to_str().unwrap()), Some("1"));
    let f = fixture("", Err(ApiError::OutcomeUnknown("timed out; may be applied".into())))
        .await
        .expect("fixture");
    let (status, headers, body) =
        call(&f, "GET", "/api/forget/db1/3306", None).await.expect("request");
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(headers.get("retry-after").is_none());
}

#[tokio::test]
async fn leader_check_and_health_answer_locally() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    let (status, _, body) = call(&f, "GET", "/api/leader-check", None).await.expect("request");
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#""OK""#));
    let (status, _, _) = call(&f, "GET", "/api/raft-health", None).await.expect("request");
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn writes_need_credentials_and_read_only_refuses_them() {
    let basic =
        r#", "AuthenticationMethod": "basic", "HTTPAuthUser": "orc", "HTTPAuthPassword": "s3cret""#;
    let f = fixture(basic, Ok(CommandOutcome::Applied)).await.expect("fixture");
    let (status, _, _) = call(&f, "GET", "/api/forget/db1/3306", None).await.expect("request");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Load-balancer checks stay open.
    let (status, _, _) = call(&f, "GET", "/api/leader-check", None).await.expect("request");
    assert_eq!(status, StatusCode::OK);
    let good = format!("Basic {}", base64_encode("orc:s3cret"));
    let (status, _, body) =
        call(&f, "GET", "/api/forget/db1/3306", Some(&good)).await.expect("request");
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) =
        call(&f, "GET", "/api/forget/db1/3306", Some("Basic b3JjOndyb25n")).await.expect("request");
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let f = fixture(r#", "ReadOnly": true"#, Ok(CommandOutcome::Applied)).await.expect("fixture");
    let (status, _, body) = call(&f, "GET", "/api/forget/db1/3306", None).await.expect("request");
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
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
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
        let (status, headers, body) = call(&f, method, path, None).await.expect("request");
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
    let (status, _, _) = call(&f, "GET", "/web/no-such-page", None).await.expect("request");
    assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn status_endpoint_answers_as_api_status() {
    let f = fixture(r#", "StatusEndpoint": "/api/healthz""#, Ok(CommandOutcome::Applied))
        .await
        .expect("fixture");
    let (want, _, want_body) = call(&f, "GET", "/api/status", None).await.expect("request");
    let (status, _, body) = call(&f, "GET", "/api/healthz", None).await.expect("request");
    assert_eq!(status, want, "{body}");
    assert!(body.contains("\"Details\"") && want_body.contains("\"Details\""), "{body}");
    // Without the key the path is an unknown API path.
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    let (status, _, _) = call(&f, "GET", "/api/healthz", None).await.expect("request");
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_page_is_a_404_with_the_not_found_page() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    for path in ["/web/no-such-page", "/no-such"] {
        let (status, _, body) = call(&f, "GET", path, None).await.expect("request");
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(body.contains("Page not found."), "{path}: {body}");
    }
}

/// Pages render while other routers are being built (several nodes' routers live in one process
/// when nodes run in-process). Listing the app's routes suppresses resource loading for the
/// whole process; a render that overlapped it hung until the request timeout (a 408).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_routers_are_built() {
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    let building = tokio::spawn(async {
        for _ in 0..20 {
            fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
        }
    });
    for round in 0..20 {
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            call(&f, "GET", "/no-such", None),
        )
        .await;
        let (status, _, body) = answer
            .unwrap_or_else(|_| panic!("round {round}: the page render hung"))
            .expect("request");
        assert_eq!(status, StatusCode::NOT_FOUND, "round {round}: {body}");
        assert!(body.contains("Page not found."), "round {round}: {body}");
    }
    building.await.expect("router builds");
}
