//! TLS: the HTTP listener with `UseSSL` + `UseMutualTLS` and the raft port with `RaftTLS*`
//! (always mutual). A 3-node cluster elects, replicates and proxies writes over TLS (the proxy
//! and `/internal` calls verify the leader against `SSLCAFile` and present the node's
//! certificate); clients without a certificate of the cluster's CA, or trusting another CA, are
//! refused at the handshake; a rogue raft peer with a valid certificate still needs the secret.
//! orchestrator-client talks https, verifying the server with `SSL_CERT_FILE`.

use server::testkit::cluster::{Backend, ClusterSpec};

use crate::support::{secret_file, send, Pki};

const SECRET: &str = "t50-peer-secret-0123456789abcdef";

fn tls_client(pki: &Pki, identity: Option<reqwest::Identity>) -> reqwest::Client {
    let mut b = reqwest::Client::builder().no_proxy().tls_certs_only([pki.root()]);
    if let Some(id) = identity {
        b = b.identity(id);
    }
    b.timeout(std::time::Duration::from_secs(15)).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_cluster_on_both_ports() {
    let files = tempfile::tempdir().unwrap();
    let pki = Pki::new(files.path(), "cluster");
    let (http_cert, http_key) = pki.leaf("http");
    let (raft_cert, raft_key) = pki.leaf("raft");
    let secret = secret_file(files.path(), "raft.secret", SECRET);
    let extra = format!(
        r#""UseSSL": true, "SSLCertFile": "{}", "SSLPrivateKeyFile": "{}", "SSLCAFile": "{}", "UseMutualTLS": true,
           "RaftTLSCertFile": "{}", "RaftTLSKeyFile": "{}", "RaftTLSCAFile": "{}", "RaftSecretFile": "{}""#,
        http_cert.display(),
        http_key.display(),
        pki.ca.display(),
        raft_cert.display(),
        raft_key.display(),
        pki.ca.display(),
        secret.display()
    );
    let operator = tls_client(&pki, Some(pki.identity("operator")));
    let c = ClusterSpec::new(vec![Backend::Sqlite; 3])
        .extra(&extra)
        .scheme("https")
        .client(operator.clone())
        .start();
    let leader = c.wait_for_leader(&[0, 1, 2]).await;
    let follower = (leader + 1) % 3;
    c.wait_converged(&[0, 1, 2]).await;

    // A write through a follower: its proxy reaches the leader over verified mutual TLS.
    let (status, body) = c.get(follower, "/api/begin-downtime/db1/3306/ops/tls").await;
    assert_eq!(status, 200, "{body}");
    c.wait_converged(&[0, 1, 2]).await;
    assert!(c.get(leader, "/api/downtimed").await.1.contains("tls"));

    let url = format!("https://127.0.0.1:{}/api/health", c.http_port(follower));
    assert_eq!(
        send(tls_client(&pki, None).get(&url)).await.0,
        0,
        "no client certificate: handshake refused"
    );
    let other = Pki::new(files.path(), "other");
    assert_eq!(
        send(tls_client(&other, Some(pki.identity("x"))).get(&url)).await.0,
        0,
        "unknown server CA"
    );
    assert_eq!(
        send(tls_client(&pki, Some(other.identity("rogue"))).get(&url)).await.0,
        0,
        "client of another CA"
    );
    let plain = format!("http://127.0.0.1:{}/api/health", c.http_port(follower));
    assert_eq!(send(reqwest::Client::new().get(&plain)).await.0, 0, "plain HTTP on a TLS port");

    // The raft port: no TLS, another CA, or the cluster's CA without the secret.
    let raft = format!("127.0.0.1:{}/raft/vote", c.raft_port(follower));
    let body = serde_json::json!({"vote": {"leader_id": {"term": 99, "node_id": 7}, "committed": false}, "last_log_id": null});
    assert_eq!(send(reqwest::Client::new().post(format!("http://{raft}")).json(&body)).await.0, 0);
    let stranger = tls_client(&pki, Some(other.identity("stranger")));
    assert_eq!(send(stranger.post(format!("https://{raft}")).json(&body)).await.0, 0);
    let insider = tls_client(&pki, Some(pki.identity("insider")));
    assert_eq!(send(insider.post(format!("https://{raft}")).json(&body)).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orchestrator_client_verifies_https() {
    let files = tempfile::tempdir().unwrap();
    let pki = Pki::new(files.path(), "single");
    let (cert, key) = pki.leaf("http");
    let extra = format!(
        r#""UseSSL": true, "SSLCertFile": "{}", "SSLPrivateKeyFile": "{}""#,
        cert.display(),
        key.display()
    );
    let c = ClusterSpec::new(vec![Backend::Sqlite])
        .extra(&extra)
        .scheme("https")
        .client(tls_client(&pki, None))
        .start();
    c.wait_for_leader(&[0]).await;
    let api = format!("https://127.0.0.1:{}", c.http_port(0));
    let run = |ca: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator-client"))
            .args(["-c", "check-global-recoveries"])
            .env("ORCHESTRATOR_API", &api)
            .env("SSL_CERT_FILE", ca)
            .output()
            .unwrap()
    };
    let ok = run(&pki.ca);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("enabled"));
    let other = Pki::new(files.path(), "not-the-servers");
    let refused = run(&other.ca);
    assert!(!refused.status.success(), "a server the client cannot verify must be refused");
}
