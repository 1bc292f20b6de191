//! Setup: MariaDB star m + r1, r2 (GTID); r1 gets an errant transaction (its own write, in its
//! own GTID domain).
//! Expected: r1's `GtidErrant` names it; `locate-gtid-errant` names the binary log holding it;
//! `gtid-errant-reset-master` removes it (`RESET MASTER`, `gtid_binlog_state` restored without
//! it): r1 is no longer errant and still replicates from m.

use serde_json::Value;
use server::testkit::fleet::{key, Fleet, DEADLINE};
use server::testkit::mariadb::wait_replicated;
use server::testkit::Wait;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errant_gtid_is_located_and_reset() {
    let Some(f) = Fleet::star("errant_gtid_remedies", 3, "").expect("start the fleet") else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    f.db[0].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)").unwrap();
    wait_replicated(&f.db[0], &f.db[1..]).unwrap();
    f.db[1].sql("SET SESSION gtid_domain_id = 9; INSERT INTO app.t VALUES (100)").unwrap();
    let r1 = key(&f.db[1]).replace(':', "/");
    let errant = Wait::new(DEADLINE, "r1 shows an errant GTID")
        .result(|| async {
            let (_, v) = f.json(leader, &format!("/api/instance/{r1}")).await;
            match v["GtidErrant"].as_str() {
                Some(e) if !e.is_empty() => Ok(e.to_string()),
                _ => Err(v.to_string()),
            }
        })
        .await
        .unwrap();
    assert!(errant.starts_with("9-"), "{errant}");

    let (s, v) = f.json(leader, &format!("/api/locate-gtid-errant/{r1}")).await;
    assert_eq!(s, 200, "{v}");
    let files: Vec<&str> =
        v["Details"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(files.len(), 1, "{v}");
    assert!(files[0].contains("bin"), "{v}");

    let (s, v) = f.json(leader, &format!("/api/gtid-errant-reset-master/{r1}")).await;
    assert_eq!(s, 200, "{v}");
    let state = f.db[1].sql("SELECT @@gtid_binlog_state").unwrap();
    assert!(!state.contains("9-"), "errant entry gone: {state}");
    f.db[1].wait_replicating(Some(f.db[0].port()), DEADLINE).unwrap();
    Wait::new(DEADLINE, "r1 no longer errant")
        .until(|| async {
            let (_, v) = f.json(leader, &format!("/api/instance/{r1}")).await;
            v["GtidErrant"].as_str() == Some("")
        })
        .await
        .unwrap();
    f.db[0].sql("INSERT INTO app.t VALUES (1)").unwrap();
    wait_replicated(&f.db[0], &f.db[1..]).unwrap();
}
