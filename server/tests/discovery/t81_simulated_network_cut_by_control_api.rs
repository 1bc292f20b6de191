//! The simulated fleet's control API over HTTP (as the benchmark and scripts drive it): a network
//! cut between one client, told apart by the user it logs in as, and a server makes that
//! client's probes fail while another client still reads the server; `uncut` heals it;
//! `replication/lost` shows in the replica's probe as an IO thread retrying with errno 2003; an
//! unknown replication state is refused with a 400.

use std::time::Duration;

use app::core::instance::ThreadState;
use serde_json::{json, Value};
use server::testkit::fleetsim::{control, FleetSim, FleetSpec};
use server::testkit::mariadb::ORC_USER;

use crate::harness::{config, Discovery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_hides_a_server_from_one_client_only() {
    let spec = FleetSpec { servers: 2, replicas: 1, ..FleetSpec::default() };
    let sim = FleetSim::start(&spec).await.expect("start a simulated master and replica");
    let master = sim.masters()[0].clone();
    let replica = sim.state().servers.keys().find(|k| **k != master).cloned().expect("the replica");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("control port");
    let addr = listener.local_addr().expect("control address");
    let app = control::router(sim.handle());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let post = |path: String| {
        let http = http.clone();
        async move {
            let r = http.post(format!("http://{addr}{path}")).send().await.expect("control API");
            (r.status().as_u16(), r.json::<Value>().await.expect("a JSON answer"))
        }
    };
    let timeouts = |mut cfg: server::config::DiscoveryConfig| {
        cfg.connect_timeout = Duration::from_millis(800);
        cfg.read_timeout = Duration::from_millis(800);
        cfg
    };
    let cut = Discovery::start(timeouts(config(Duration::from_secs(60))), &[]).await;
    let mut other_cfg = timeouts(config(Duration::from_secs(60)));
    other_cfg.user = "another_node".into();
    let other = Discovery::start(other_cfg, &[]).await;

    let (status, body) = post(format!("/servers/{master}/cut/{ORC_USER}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cut_users"], json!([ORC_USER]));
    cut.prober.probe_now(master.clone()).await.expect_err("the cut-off client cannot read it");
    other.prober.probe_now(master.clone()).await.expect("another client still reads it");

    let (status, body) = post(format!("/servers/{master}/uncut/{ORC_USER}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("cut_users").is_none(), "no cut left: {body}");
    cut.prober.probe_now(master.clone()).await.expect("healed: the client reads it again");

    let (status, body) = post(format!("/servers/{replica}/replication/lost")).await;
    assert_eq!(status, 200, "{body}");
    let seen = cut.prober.probe_now(replica.clone()).await.expect("probe the replica");
    assert_eq!(seen.slave_io_running, ThreadState::No, "its IO thread lost the master");
    assert_eq!(seen.last_io_errno, 2003, "retrying to connect: {}", seen.last_io_error);

    let (status, body) = post(format!("/servers/{replica}/replication/sideways")).await;
    assert_eq!(status, 400, "an unknown state is refused: {body}");
}
