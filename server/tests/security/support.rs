//! Shared helpers: run-time PKI (rcgen), secret files, authenticated requests, and the list of
//! every write route and write server function.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Admin user of the test configs.
pub const ADMIN: (&str, &str) = ("admin", "s3cret-pass");

/// A peer secret file in `dir`.
pub fn secret_file(dir: &Path, name: &str, secret: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    path
}

/// A CA and certificate files signed by it, written in a directory.
pub struct Pki {
    /// CA certificate (PEM).
    pub ca: PathBuf,
    issuer: Issuer<'static, KeyPair>,
    dir: PathBuf,
}

impl Pki {
    /// A fresh CA named `name`, its certificate written to `dir/name-ca.pem`.
    pub fn new(dir: &Path, name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, format!("{name} test CA"));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        let ca = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&ca, cert.pem()).unwrap();
        Pki { ca, issuer: Issuer::new(params, key), dir: dir.to_path_buf() }
    }

    /// A certificate for 127.0.0.1/localhost usable as server and client: (cert, key) paths.
    pub fn leaf(&self, name: &str) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages =
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let (c, k) =
            (self.dir.join(format!("{name}.pem")), self.dir.join(format!("{name}-key.pem")));
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }

    /// As [`Pki::leaf`], naming only `sans` (e.g. a host other than the one connected to).
    pub fn leaf_for(&self, name: &str, sans: &[&str]) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages =
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let (c, k) =
            (self.dir.join(format!("{name}.pem")), self.dir.join(format!("{name}-key.pem")));
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }

    /// A reqwest identity (cert + key PEM) for a leaf of this CA.
    pub fn identity(&self, name: &str) -> reqwest::Identity {
        let (c, k) = self.leaf(name);
        let mut pem = std::fs::read(c).unwrap();
        pem.extend(std::fs::read(k).unwrap());
        reqwest::Identity::from_pem(&pem).unwrap()
    }

    /// The CA as a reqwest root.
    pub fn root(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(&std::fs::read(&self.ca).unwrap()).unwrap()
    }
}

/// A plain client (no proxy, bounded).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(15)).build().unwrap()
}

/// A client sending basic auth on every request.
pub fn client_as(user: &str, password: &str) -> reqwest::Client {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Basic {token}").parse().unwrap());
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(15))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Sends `request`; (status, body), status 0 when unreachable.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, String) {
    match request.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => (0, format!("{e:?}")),
    }
}

/// The replicated digest of node `i` once it stops changing (start-up announcements done).
pub async fn settled_digest(c: &server::testkit::cluster::ProcCluster, i: usize) -> Option<String> {
    let mut last = c.digest(i).await;
    loop {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let now = c.digest(i).await;
        if now == last && now.is_some() {
            return now;
        }
        last = now;
    }
}

/// Sends raw request bytes on a new connection; the first line of the answer ("" if none).
pub async fn raw_status_line(port: u16, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut answer))
        .await
        .unwrap()
        .unwrap_or(0);
    String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_string()
}

/// Every write route of the HTTP API as (route pattern, a request path for it). `t20` checks
/// that this list covers every route of the router's write section.
pub const WRITE_ROUTES: &[(&str, &str)] = &[
    ("/api/begin-downtime/{host}/{port}/{owner}/{reason}", "/api/begin-downtime/db1/3306/ops/test"),
    (
        "/api/begin-downtime/{host}/{port}/{owner}/{reason}/{duration}",
        "/api/begin-downtime/db1/3306/ops/test/10m",
    ),
    ("/api/end-downtime/{host}/{port}", "/api/end-downtime/db1/3306"),
    ("/api/register-candidate/{host}/{port}/{rule}", "/api/register-candidate/db1/3306/prefer"),
    ("/api/forget/{host}/{port}", "/api/forget/db1/3306"),
    ("/api/deregister-candidate/{host}/{port}", "/api/deregister-candidate/db1/3306"),
    ("/api/disable-global-recoveries", "/api/disable-global-recoveries"),
    ("/api/enable-global-recoveries", "/api/enable-global-recoveries"),
    ("/api/recover/{host}/{port}", "/api/recover/db1/3306"),
    ("/api/recover/{host}/{port}/{chost}/{cport}", "/api/recover/db1/3306/db2/3306"),
    ("/api/recover-lite/{host}/{port}", "/api/recover-lite/db1/3306"),
    ("/api/force-master-failover/{hint}", "/api/force-master-failover/db1"),
    ("/api/force-master-failover/{host}/{port}", "/api/force-master-failover/db1/3306"),
    ("/api/graceful-master-takeover/{hint}", "/api/graceful-master-takeover/db1"),
    ("/api/graceful-master-takeover/{host}/{port}", "/api/graceful-master-takeover/db1/3306"),
    (
        "/api/graceful-master-takeover/{hint}/{dhost}/{dport}",
        "/api/graceful-master-takeover/db1/db2/3306",
    ),
    ("/api/graceful-master-takeover-auto/{hint}", "/api/graceful-master-takeover-auto/db1"),
    (
        "/api/graceful-master-takeover-auto/{hint}/{dhost}/{dport}",
        "/api/graceful-master-takeover-auto/db1/db2/3306",
    ),
    ("/api/ack-recovery/cluster/{hint}", "/api/ack-recovery/cluster/db1?comment=ok"),
    ("/api/ack-recovery/cluster/alias/{alias}", "/api/ack-recovery/cluster/alias/main?comment=ok"),
    ("/api/ack-recovery/instance/{host}/{port}", "/api/ack-recovery/instance/db1/3306?comment=ok"),
    ("/api/ack-recovery/uid/{uid}", "/api/ack-recovery/uid/abc-1?comment=ok"),
    ("/api/ack-recovery/{uid}", "/api/ack-recovery/abc-1?comment=ok"),
    ("/api/ack-all-recoveries", "/api/ack-all-recoveries?comment=ok"),
    ("/api/discover/{host}/{port}", "/api/discover/db1/3306"),
    ("/api/forget-cluster/{hint}", "/api/forget-cluster/db1"),
    ("/api/set-cluster-alias/{cluster}", "/api/set-cluster-alias/db1:3306?alias=main"),
    ("/api/raft-yield/{node}", "/api/raft-yield/1"),
    ("/api/raft-yield-hint/{hint}", "/api/raft-yield-hint/127.0.0.1"),
    ("/api/recover-lite/{host}/{port}/{chost}/{cport}", "/api/recover-lite/db1/3306/db2/3306"),
    (
        "/api/force-master-takeover/{hint}/{dhost}/{dport}",
        "/api/force-master-takeover/db1/db2/3306",
    ),
    (
        "/api/force-master-takeover/{host}/{port}/{dhost}/{dport}",
        "/api/force-master-takeover/db1/3306/db2/3306",
    ),
    (
        "/api/graceful-master-takeover/{host}/{port}/{dhost}/{dport}",
        "/api/graceful-master-takeover/db1/3306/db2/3306",
    ),
    (
        "/api/graceful-master-takeover-auto/{host}/{port}",
        "/api/graceful-master-takeover-auto/db1/3306",
    ),
    (
        "/api/graceful-master-takeover-auto/{host}/{port}/{dhost}/{dport}",
        "/api/graceful-master-takeover-auto/db1/3306/db2/3306",
    ),
    (
        "/api/begin-maintenance/{host}/{port}/{owner}/{reason}",
        "/api/begin-maintenance/db1/3306/ops/test",
    ),
    (
        "/api/begin-maintenance/{host}/{port}/{owner}/{reason}/{duration}",
        "/api/begin-maintenance/db1/3306/ops/test/10m",
    ),
    ("/api/end-maintenance/{host}/{port}", "/api/end-maintenance/db1/3306"),
    ("/api/end-maintenance/{id}", "/api/end-maintenance/1"),
    ("/api/tag/{host}/{port}", "/api/tag/db1/3306?tag=role%3Dx"),
    ("/api/tag/{host}/{port}/{name}/{value}", "/api/tag/db1/3306/role/x"),
    ("/api/untag/{host}/{port}", "/api/untag/db1/3306?tag=role"),
    ("/api/untag/{host}/{port}/{name}", "/api/untag/db1/3306/role"),
    ("/api/untag-all", "/api/untag-all?tag=role%3Dx"),
    ("/api/untag-all/{name}/{value}", "/api/untag-all/role/x"),
    (
        "/api/register-hostname-unresolve/{host}/{port}/{virtualname}",
        "/api/register-hostname-unresolve/db1/3306/vip1",
    ),
    (
        "/api/deregister-hostname-unresolve/{host}/{port}",
        "/api/deregister-hostname-unresolve/db1/3306",
    ),
    ("/api/regroup-replicas-bls/{host}/{port}", "/api/regroup-replicas-bls/db1/3306"),
    ("/api/regroup-slaves-bls/{host}/{port}", "/api/regroup-slaves-bls/db1/3306"),
    (
        "/api/master-equivalent/{host}/{port}/{file}/{pos}",
        "/api/master-equivalent/db1/3306/mysql-bin.000001/4",
    ),
    ("/api/async-discover/{host}/{port}", "/api/async-discover/db1/3306"),
    ("/api/bulk-instances", "/api/bulk-instances"),
    ("/api/reset-hostname-resolve-cache", "/api/reset-hostname-resolve-cache"),
    ("/api/reload-cluster-alias", "/api/reload-cluster-alias"),
    ("/api/grab-election", "/api/grab-election"),
    ("/api/reelect", "/api/reelect"),
    ("/api/raft-add-peer/{addr}", "/api/raft-add-peer/db9:10008"),
    ("/api/raft-remove-peer/{addr}", "/api/raft-remove-peer/db9:10008"),
    ("/api/reload-configuration", "/api/reload-configuration"),
    ("/api/raft-snapshot", "/api/raft-snapshot"),
    (
        "/api/raft-follower-health-report/{token}/{bind}/{advertise}",
        "/api/raft-follower-health-report/t/b/a",
    ),
];

/// [`WRITE_ROUTES`] plus every topology operation route (relocation, replica control, from the
/// router's own table), each with a request path.
pub fn all_write_routes() -> Vec<(String, String)> {
    let sample = |pattern: &str| {
        pattern
            .replace("{host}", "db1")
            .replace("{port}", "3306")
            .replace("{bhost}", "db2")
            .replace("{bport}", "3306")
            .replace("{logfile}", "latest")
            .replace("{seconds}", "0")
            .replace("{process}", "1")
    };
    WRITE_ROUTES
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .chain(server::http::operation_paths().into_iter().map(|p| {
            let path = sample(&p);
            (p, path)
        }))
        .collect()
}

/// Every server function that writes, with valid arguments (form-encoded), so that only the
/// authorization can refuse it.
pub fn write_server_fns() -> Vec<(&'static str, &'static str)> {
    use app::api::{candidate, clusters, downtime, instance, operations, raft, recovery};
    use leptos::server_fn::ServerFn;
    vec![
        (
            <downtime::BeginDowntime as ServerFn>::PATH,
            "instance=db1%3A3306&owner=ops&reason=test&duration=10m",
        ),
        (<downtime::EndDowntime as ServerFn>::PATH, "instance=db1%3A3306"),
        (<candidate::RegisterCandidate as ServerFn>::PATH, "instance=db1%3A3306&rule=prefer"),
        (<candidate::DeregisterCandidate as ServerFn>::PATH, "instance=db1%3A3306"),
        (<clusters::SetGlobalRecoveries as ServerFn>::PATH, "enabled=off"),
        (<instance::ForgetInstance as ServerFn>::PATH, "instance=db1%3A3306&confirm=yes"),
        (<instance::RecoverInstance as ServerFn>::PATH, "instance=db1%3A3306"),
        (<raft::TransferLeadership as ServerFn>::PATH, "target=1"),
        (<recovery::AckRecovery as ServerFn>::PATH, "uid=abc-1&comment=ok"),
        (<operations::RelocateInstance as ServerFn>::PATH, "instance=db1%3A3306&below=db2%3A3306"),
        (<operations::RelocateDropped as ServerFn>::PATH, "instance=db1%3A3306&below=db2%3A3306"),
        (<operations::ControlInstance as ServerFn>::PATH, "instance=db1%3A3306&op=stop-replica"),
        (
            <operations::BeginMaintenance as ServerFn>::PATH,
            "instance=db1%3A3306&owner=ops&reason=test",
        ),
        (<operations::EndMaintenance as ServerFn>::PATH, "instance=db1%3A3306"),
        (<operations::DiscoverInstance as ServerFn>::PATH, "instance=db1%3A3306"),
    ]
}

/// POSTs a server function the way the hydrated page does (form-encoded, JSON answer).
pub fn server_fn(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    body: &'static str,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
}
