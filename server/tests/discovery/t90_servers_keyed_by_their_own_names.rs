//! (i) `MySQLHostnameResolveMethod`: with `@@report_host`, a 1+2 star whose servers report this
//! machine's host name is keyed by that name, though it was seeded (and replicates) by address;
//! the seed's address key is never stored, and master/replica links use the names. With
//! `none` the seed and its master keep their address keys. (Skipped, with the reason, when this machine's
//! host name does not resolve to 127.0.0.1, where the sandbox listens.)

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use app::core::InstanceKey;
use server::config::resolve::{ResolveConfig, ServerNameSource};

use crate::harness::{config, key, sandbox, Discovery};

/// This machine's host name when it resolves to 127.0.0.1.
pub fn loopback_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?.trim().to_string();
    let resolves = (name.as_str(), 3306)
        .to_socket_addrs()
        .is_ok_and(|mut a| a.any(|a: SocketAddr| a.ip().to_string() == "127.0.0.1"));
    if resolves {
        Some(name)
    } else {
        eprintln!("skipped: host name {name:?} does not resolve to 127.0.0.1");
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_keyed_by_their_own_names() {
    let Some(name) = loopback_hostname() else { return };
    let Some(sb) = sandbox() else { return };
    let sb = sb.with_cnf(&format!("report_host = {name}"));
    let s = sb.star(3).expect("start a 1+2 star");
    let named = |i: usize| InstanceKey::new(&name, s[i].port()).expect("key");

    let mut cfg = config(Duration::from_secs(1));
    cfg.resolve =
        ResolveConfig { server_name: ServerNameSource::ReportHost, ..ResolveConfig::default() };
    let d = Discovery::start(cfg, &[key(&s[1])]).await;
    let keys: Vec<InstanceKey> = (0..3).map(named).collect();
    let found = d.wait_all_valid(&keys).await;
    let master = &found[0];
    assert!(master.master_key.is_none());
    let mut replicas = vec![named(1), named(2)];
    replicas.sort();
    assert_eq!(master.replica_hosts, replicas);
    for replica in &found[1..] {
        assert_eq!(replica.master_key, Some(named(0)), "{}", replica.key);
        assert_eq!(replica.cluster_name, named(0).to_string());
    }
    let all = d.store.all_instances().await.expect("all instances");
    assert_eq!(
        all.len(),
        3,
        "only the named keys: {:?}",
        all.iter().map(|i| &i.key).collect::<Vec<_>>()
    );
    // `/api/discover` by address answers with the server's name.
    let now = d.prober.probe_now(key(&s[2])).await.expect("probe now");
    assert_eq!(now.key, named(2));
    d.stop().await;

    // `none`: the seed and the master keep their address keys; the master's replicas are the
    // names `SHOW SLAVE HOSTS` gives.
    let d = Discovery::start(config(Duration::from_secs(1)), &[key(&s[1])]).await;
    let found = d.wait_all_valid(&[key(&s[0]), key(&s[1])]).await;
    assert_eq!(found[1].master_key, Some(key(&s[0])), "none: keys as given");
    assert_eq!(found[0].replica_hosts, replicas);
    d.stop().await;
}
