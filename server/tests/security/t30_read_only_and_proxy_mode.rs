//! `ReadOnly: true` refuses every write, whoever asks; `AuthenticationMethod: proxy` trusts the
//! front proxy's `AuthUserHeader`, lets `PowerAuthUsers` write and keeps everyone else read-only,
//! also through a follower's proxy to the leader.

use server::testkit::cluster::{Backend, ClusterSpec, ProcCluster};

use crate::support::{
    all_write_routes, client, secret_file, send, server_fn, settled_digest, write_server_fns,
};

fn base(c: &ProcCluster, i: usize) -> String {
    c.url(i)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_every_write() {
    let c = ProcCluster::start(vec![Backend::Sqlite], r#""ReadOnly": true"#);
    c.wait_for_leader(&[0]).await;
    let before = settled_digest(&c, 0).await;
    let http = client();
    for (_, path) in all_write_routes() {
        let (status, body) = send(http.get(format!("{}{path}", base(&c, 0)))).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("ReadOnly"), "403 names the setting: {body}");
    }
    for (path, args) in write_server_fns() {
        let (status, body) = send(server_fn(&http, &base(&c, 0), path, args)).await;
        assert_eq!(status, 403, "server fn {path}: {body}");
    }
    assert_eq!(
        send(http.get(format!("{}/api/clusters", base(&c, 0)))).await.0,
        200,
        "reads stay open"
    );
    assert_eq!(c.digest(0).await, before, "nothing was proposed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_mode_power_users_write_others_read() {
    let secrets = tempfile::tempdir().unwrap();
    let secret = secret_file(secrets.path(), "raft.secret", "t30-peer-secret-0123456789abcdef");
    let extra = format!(
        r#""AuthenticationMethod": "proxy", "AuthUserHeader": "X-Auth-User", "PowerAuthUsers": ["alice"],
            "RaftSecretFile": "{}""#,
        secret.display()
    );
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-auth-user", "alice".parse().unwrap());
    let alice = reqwest::Client::builder().no_proxy().default_headers(headers).build().unwrap();
    let c = ClusterSpec::new(vec![Backend::Sqlite; 3]).extra(&extra).client(alice.clone()).start();
    let leader = c.wait_for_leader(&[0, 1, 2]).await;
    let follower = (leader + 2) % 3;
    c.wait_converged(&[0, 1, 2]).await;
    settled_digest(&c, leader).await;
    let http = client();

    let (status, _) = send(http.get(format!("{}/api/clusters", base(&c, follower)))).await;
    assert_eq!(status, 401, "no user header: not through the front proxy");
    let bob =
        |path: &str| http.get(format!("{}{path}", base(&c, follower))).header("x-auth-user", "bob");
    assert_eq!(send(bob("/api/clusters")).await.0, 200, "everyone reads");
    let before = c.digest(leader).await;
    for (_, path) in all_write_routes() {
        let (status, body) = send(bob(&path)).await;
        assert_eq!(status, 403, "bob {path} through follower {follower}: {body}");
    }
    // X-Forwarded-User does not impersonate in proxy mode with another header.
    let spoof = http
        .get(format!("{}/api/disable-global-recoveries", base(&c, follower)))
        .header("x-auth-user", "bob")
        .header("x-forwarded-user", "alice");
    assert_eq!(send(spoof).await.0, 403);
    assert_eq!(c.digest(leader).await, before, "a refused write changed the replicated state");

    let (status, body) = send(
        alice.get(format!("{}/api/begin-downtime/db7/3306/alice/upgrade", base(&c, follower))),
    )
    .await;
    assert_eq!(status, 200, "alice writes through the follower: {body}");
    let (path, args) = write_server_fns()[1];
    let (status, body) = send(server_fn(&alice, &base(&c, follower), path, args)).await;
    assert_eq!(status, 200, "alice's dashboard action: {body}");
}
