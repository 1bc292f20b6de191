//! `AuthenticationMethod: multi` on a 3-node cluster: credentials on every request, health
//! endpoints open, `readonly` refused (403, nothing proposed) on every write route and every
//! write server function — on the leader and through a follower's proxy —, CSRF refused,
//! `/internal` closed to non-members, peer credentials never granting API writes, and no
//! credential in any log.

use std::time::Duration;

use server::testkit::cluster::{Backend, ClusterSpec, ProcCluster};

use crate::support::{
    all_write_routes, client, client_as, secret_file, send, server_fn, write_server_fns, ADMIN,
};

const SECRET: &str = "t20-peer-secret-0123456789abcdef";

fn start(secrets: &std::path::Path) -> ProcCluster {
    let secret = secret_file(secrets, "raft.secret", SECRET);
    let extra = format!(
        r#""AuthenticationMethod": "multi", "HTTPAuthUser": "{}", "HTTPAuthPassword": "{}", "RaftSecretFile": "{}""#,
        ADMIN.0,
        ADMIN.1,
        secret.display()
    );
    ClusterSpec::new(vec![Backend::Sqlite; 3])
        .extra(&extra)
        .client(client_as(ADMIN.0, ADMIN.1))
        .start()
}

fn base(c: &ProcCluster, i: usize) -> String {
    c.url(i)
}

async fn digests(c: &ProcCluster) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for i in 0..3 {
        out.push(c.digest(i).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_auth_guards_every_write() {
    let secrets = tempfile::tempdir().unwrap();
    let c = start(secrets.path());
    let leader = c.wait_for_leader(&[0, 1, 2]).await;
    let follower = (leader + 1) % 3;
    c.wait_converged(&[0, 1, 2]).await;
    crate::support::settled_digest(&c, leader).await;
    c.wait_converged(&[0, 1, 2]).await;
    let before = digests(&c).await;
    let anonymous = client();
    let reader = client_as("readonly", "anything");
    let wrong = client_as(ADMIN.0, "wrong-password");
    let admin = client_as(ADMIN.0, ADMIN.1);

    // Load-balancer endpoints stay open; everything else needs credentials.
    for path in ["/api/leader-check", "/api/raft-health", "/api/health", "/api/status"] {
        let (status, _) = send(anonymous.get(format!("{}{path}", base(&c, follower)))).await;
        assert!(status == 200 || status == 404, "{path} must be open, got {status}");
    }
    for path in ["/api/clusters", "/api/raft-status", "/", "/api/downtimed"] {
        let response = anonymous.get(format!("{}{path}", base(&c, follower))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{path} without credentials");
        assert!(
            response.headers().get("www-authenticate").is_some(),
            "{path}: browsers must be asked"
        );
        assert_eq!(
            send(wrong.get(format!("{}{path}", base(&c, follower)))).await.0,
            401,
            "{path} wrong password"
        );
    }
    assert_eq!(send(reader.get(format!("{}/api/clusters", base(&c, follower)))).await.0, 200);
    assert_eq!(send(admin.get(format!("{}/api/clusters", base(&c, follower)))).await.0, 200);

    // The dashboard renders for readonly marked read-only, server side (so also without JS);
    // the style hides every action form under that mark.
    let (status, page) = send(admin.get(format!("{}/web/downtimes", base(&c, follower)))).await;
    assert_eq!(status, 200);
    assert!(!page.contains(r#"id="read-only""#), "a writer sees the forms");
    let (status, page) = send(reader.get(format!("{}/web/downtimes", base(&c, follower)))).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"id="read-only""#), "readonly is marked read-only: forms hidden");

    // readonly: every write route refused on the leader and through a follower's proxy.
    for node in [leader, follower] {
        for (_, path) in all_write_routes() {
            let (status, body) = send(reader.get(format!("{}{path}", base(&c, node)))).await;
            assert_eq!(status, 403, "readonly {path} on node {node}: {body}");
            assert!(body.contains("read-only"), "403 explains why: {body}");
            let (status, _) = send(anonymous.get(format!("{}{path}", base(&c, node)))).await;
            assert_eq!(status, 401, "anonymous {path} on node {node}");
        }
        for (path, args) in write_server_fns() {
            let (status, body) = send(server_fn(&reader, &base(&c, node), path, args)).await;
            assert_eq!(status, 403, "readonly server fn {path} on node {node}: {body}");
        }
    }
    // The forwarding marker does not skip the check on the leader.
    let marked = reader
        .get(format!("{}/api/disable-global-recoveries", base(&c, leader)))
        .header("x-orchestrator-forwarded-by", "1");
    assert_eq!(send(marked).await.0, 403);
    // Peer credentials are for /internal only: no API write with them.
    let as_peer = anonymous
        .get(format!("{}/api/disable-global-recoveries", base(&c, follower)))
        .header("x-orchestrator-peer-secret", SECRET);
    assert_eq!(send(as_peer).await.0, 403);
    // /internal is closed to everyone who is not a member, admin included.
    let env = serde_json::json!({"v": 1, "issued_at_ms": 1, "proposer": 1, "command": {"op": "disable-global-recoveries"}});
    for who in [&anonymous, &admin] {
        let (status, _) =
            send(who.post(format!("{}/internal/propose", base(&c, leader))).json(&env)).await;
        assert_eq!(status, 403, "/internal/propose without the peer secret");
    }
    let wrong_secret = anonymous
        .post(format!("{}/internal/hold-elections", base(&c, leader)))
        .header("x-orchestrator-peer-secret", "not-the-secret-0123456789")
        .json(&serde_json::json!({"millis": 60000}));
    assert_eq!(send(wrong_secret).await.0, 401);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(digests(&c).await, before, "a refused request changed the replicated state");

    // CSRF: admin's browser tricked by another site.
    let evil = admin
        .get(format!("{}/api/disable-global-recoveries", base(&c, follower)))
        .header("origin", "http://evil.example");
    assert_eq!(send(evil).await.0, 403);
    let (path, args) = write_server_fns()[3];
    let evil =
        server_fn(&admin, &base(&c, follower), path, args).header("sec-fetch-site", "cross-site");
    assert_eq!(send(evil).await.0, 403);
    let evil = server_fn(&admin, &base(&c, follower), path, args)
        .header("referer", "http://evil.example/page");
    assert_eq!(send(evil).await.0, 403);
    assert_eq!(digests(&c).await, before, "a cross-site request changed the replicated state");

    // The admin writes through the follower (proxy) and from the dashboard (same origin).
    // (A link on the follower's own page: the leader sees the follower's host as X-Forwarded-Host.)
    let link = admin
        .get(format!("{}/api/begin-downtime/db9/3306/ops/maintenance", base(&c, follower)))
        .header("referer", format!("{}/clusters", base(&c, follower)));
    let (status, body) = send(link).await;
    assert_eq!(status, 200, "{body}");
    let same_origin =
        server_fn(&admin, &base(&c, follower), path, args).header("origin", base(&c, follower));
    let (status, body) = send(same_origin).await;
    assert_eq!(status, 200, "{body}");
    c.wait_converged(&[0, 1, 2]).await;
    let (_, downtimed) = send(reader.get(format!("{}/api/downtimed", base(&c, leader)))).await;
    assert!(downtimed.contains("db9"), "{downtimed}");
    let (status, _) =
        send(admin.get(format!("{}/api/enable-global-recoveries", base(&c, follower)))).await;
    assert_eq!(status, 200);

    // No credential in any log.
    for i in 0..3 {
        let log = std::fs::read_to_string(c.log(i)).unwrap();
        assert!(!log.contains(ADMIN.1) && !log.contains(SECRET), "node {i} logged a credential");
    }
}

/// The list of write routes the tests use covers every route of the router's write section.
#[test]
fn write_route_list_is_complete() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let router = std::fs::read_to_string(format!("{dir}/src/http/mod.rs")).unwrap();
    let recovery = std::fs::read_to_string(format!("{dir}/src/http/recovery_api.rs")).unwrap();
    let table = std::fs::read_to_string(format!("{dir}/src/http/write_routes.rs")).unwrap();
    let start = router.find("let mut proxied = Router::new()").expect("proxied section");
    let end = router.find("let proxied_reads").expect("end of proxied section");
    let mut routes: Vec<String> = Vec::new();
    let mut collect = |text: &str| {
        for piece in text.split(".route(").skip(1) {
            let Some(path) = piece.trim_start().strip_prefix('"').and_then(|p| p.split('"').next())
            else {
                continue;
            };
            routes.push(path.to_string());
        }
    };
    collect(&router[start..end]);
    collect(&recovery);
    // The write route table: `route("/api/...", builder)` entries.
    let entries =
        table.split("WRITE_ROUTES").nth(1).unwrap_or_default().replace("route(\"", ".route(\"");
    collect(&entries);
    for line in router.lines().filter(|l| l.contains("route_layer(write())")) {
        collect(line);
    }
    let compat = std::fs::read_to_string(format!("{dir}/src/http/compat_api.rs")).unwrap();
    collect(&compat[compat.find("pub fn writes()").expect("compat writes")..]);
    let tags = std::fs::read_to_string(format!("{dir}/src/http/tags_api.rs")).unwrap();
    collect(&tags[tags.find("pub fn untag_routes()").expect("untag routes")..]);
    let operations = std::fs::read_to_string(format!("{dir}/src/http/operations_api.rs")).unwrap();
    collect(&operations[operations.find("pub fn routes()").expect("operation routes")..]);
    routes.extend(server::http::operation_paths());
    assert!(routes.len() >= 25, "parsed too few routes: {routes:?}");
    for route in routes {
        assert!(
            all_write_routes().iter().any(|(p, _)| *p == route),
            "write route {route} is not tested: add it to WRITE_ROUTES"
        );
    }
}
