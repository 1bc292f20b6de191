//! Setup: MariaDB star m + r1, r2 on 127.0.0.1; 3 orchestrator nodes.
//! Action: register the virtual name `127.1` (resolves to 127.0.0.1; `localhost` would make the
//! replica use the unix socket) for the servers' host, relocate r1 below r2; register
//! `nonexistent.invalid` instead and relocate r1 below m; deregister and relocate again.
//! Expected: the first relocation names r2 `127.1` in `CHANGE MASTER TO` and replicates; the
//! second is refused with the mismatch named and r1 still replicates from r2 as before; after
//! deregistering, r1 replicates from m named `127.0.0.1`.

use server::testkit::fleet::{Fleet, DEADLINE};
use server::testkit::mariadb::Server;
use server::testkit::wait_until;

use crate::ops::{call, hp, ok, wait_under, write_reaches};

fn master_host(s: &Server) -> String {
    s.slave_status().unwrap().get("Master_Host").cloned().unwrap_or_default()
}

/// Registers `name` for 127.0.0.1 (empty: deregisters) and waits until every node has it.
async fn register(f: &Fleet, port: u16, name: &str) {
    let path = if name.is_empty() {
        format!("/api/deregister-hostname-unresolve/127.0.0.1/{port}")
    } else {
        format!("/api/register-hostname-unresolve/127.0.0.1/{port}/{name}")
    };
    ok(f, &path).await;
    for i in 0..3 {
        wait_until(DEADLINE, &format!("node {i} has the registration {name:?}"), || async {
            let (_, v) = f.json(i, "/api/hostname-unresolves").await;
            let names: Vec<&str> = v
                .as_array()
                .map(|a| a.iter().filter_map(|u| u["UnresolvedHostname"].as_str()).collect())
                .unwrap_or_default();
            names == if name.is_empty() { vec![] } else { vec![name] }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn change_master_names_the_registered_virtual_name() {
    let Some(f) = Fleet::star("hostname_unresolve", 3, "").expect("start the fleet") else {
        return;
    };
    f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (m, r1, r2) = (&f.db[0], &f.db[1], &f.db[2]);

    register(&f, m.port(), "127.1").await;
    ok(&f, &format!("/api/relocate/{}/{}", hp(r1), hp(r2))).await;
    wait_under(r1, r2).await;
    assert_eq!(master_host(r1), "127.1");
    write_reaches(m, &[r1, r2], 1);

    register(&f, m.port(), "nonexistent.invalid").await;
    let (status, v) = call(&f, &format!("/api/relocate/{}/{}", hp(r1), hp(m))).await;
    assert_ne!(status, 200, "{v}");
    let message = v["Message"].as_str().unwrap_or_default();
    assert!(message.contains("nonexistent.invalid"), "{v}");
    assert!(message.contains("nothing was changed"), "{v}");
    wait_under(r1, r2).await;
    assert_eq!(master_host(r1), "127.1");

    register(&f, m.port(), "").await;
    ok(&f, &format!("/api/relocate/{}/{}", hp(r1), hp(m))).await;
    wait_under(r1, m).await;
    assert_eq!(master_host(r1), "127.0.0.1");
    write_reaches(m, &[r1, r2], 2);
}
