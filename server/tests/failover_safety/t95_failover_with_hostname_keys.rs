//! Setup: MariaDB star m → r1, r2 (GTID), replicating by address (127.0.0.1); orchestrator
//! seeded by address with orchestrator's sample setting `MySQLHostnameResolveMethod:
//! "@@hostname"`, so every server is keyed by this machine's host name.
//! Fault: kill -9 m.
//! Expected: the instances are listed under the host name (never the address), the DeadMaster
//! recovery promotes a replica by that name and repoints its sibling to it.
//! (Skipped, with the reason, when the host name does not resolve to 127.0.0.1.)

use std::net::ToSocketAddrs;

use server::testkit::fleet::{master_port, Fleet, DEADLINE};
use server::testkit::wait_until;

fn loopback_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?.trim().to_string();
    let resolves = (name.as_str(), 3306)
        .to_socket_addrs()
        .is_ok_and(|mut a| a.any(|a| a.ip().to_string() == "127.0.0.1"));
    if !resolves {
        eprintln!("SKIPPED failover_with_hostname_keys: {name:?} does not resolve to 127.0.0.1");
    }
    resolves.then_some(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failover_with_hostname_keys() {
    let Some(name) = loopback_hostname() else { return };
    let extra =
        r#", "MySQLHostnameResolveMethod": "@@hostname", "HostnameResolveMethod": "default""#;
    let Some(f) = Fleet::star("failover_with_hostname_keys", 3, extra).expect("start the fleet")
    else {
        return;
    };
    let named = |i: usize| format!("{name}:{}", f.db[i].port());
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    for i in 0..3 {
        wait_until(DEADLINE, &format!("node {i} lists the star by host name"), || async {
            let (status, v) = f.json(i, &format!("/api/cluster/{}", named(0))).await;
            let keys: Vec<String> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|i| {
                            format!(
                                "{}:{}",
                                i["Key"]["Hostname"].as_str().unwrap_or(""),
                                i["Key"]["Port"]
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            status == 200 && keys.len() == 3 && (0..3).all(|s| keys.contains(&named(s)))
        })
        .await;
    }
    let (_, all) = f.json(leader, "/api/all-instances").await;
    assert!(!all.to_string().contains("\"127.0.0.1\""), "an address key was stored: {all}");

    f.db[0].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    assert_eq!(
        recovery["AnalysisEntry"]["AnalyzedInstanceKey"]["Hostname"],
        name.as_str(),
        "{recovery}"
    );
    let successor = Fleet::successor(&recovery);
    let promoted = (1..3).find(|i| named(*i) == successor).expect("a replica promoted by name");
    let sibling = 3 - promoted;
    wait_until(DEADLINE, "the sibling replicates from the promoted replica", || async {
        master_port(&f.db[sibling]) == Some(f.db[promoted].port())
    })
    .await;
    assert_eq!(f.db[promoted].sql("SELECT @@read_only").unwrap(), "0");
}
