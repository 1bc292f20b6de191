//! Setup: three MariaDB stars of 3 (GTID), one orchestrator cluster managing them, with
//! `PreventCrossDataCenterMasterFailover`, a `DetectDataCenterQuery` placing a1 in dc2 and every
//! other server in dc1, and `RecoveryIgnoreHostnameFilters` naming cluster C's master.
//! - Cluster A (a0 → a1, a2): a1 (dc2) is registered `prefer`.
//! - Cluster B (b0 → b1, b2): b1 is registered `prefer`, has an errant transaction, and is more
//!   advanced than b2 (b2's SQL thread is stopped while b0 writes).
//! - Cluster C (c0 → c1, c2): ignored by `RecoveryIgnoreHostnameFilters`.
//!
//! Fault: kill -9 a0, b0 and c0.
//! Expected: A promotes a2 (same data center; `prefer` in dc2 passed over), B promotes b2 (b1
//! passed over for its errant GTID, and lost), C has no detection and no recovery at all.

use serde_json::Value;
use server::testkit::fleet::{key, master_port, Fleet, DEADLINE};
use server::testkit::mariadb::{wait_replicated, Sandbox};
use server::testkit::{wait_until, Wait};

fn recovery_of<'a>(rs: &'a [Value], failed: &str) -> Option<&'a Value> {
    rs.iter().find(|r| {
        let k = &r["AnalysisEntry"]["AnalyzedInstanceKey"];
        format!("{}:{}", k["Hostname"].as_str().unwrap_or(""), k["Port"]) == failed
            && r["RecoveryEndTimestamp"].as_str().is_some_and(|t| !t.is_empty())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn promotion_constraints_and_recovery_ignore_filters() {
    if let Err(why) = Sandbox::available() {
        eprintln!("SKIPPED promotion_constraints: MariaDB is not installed ({why})");
        return;
    }
    let sandbox = Sandbox::new().unwrap();
    let (db, masters) = sandbox.stars(9, 3).unwrap();
    assert_eq!(masters, vec![0, 3, 6]);
    for m in [0, 3, 6] {
        db[m].sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1)")
            .unwrap();
        wait_replicated(&db[m], &db[m + 1..m + 3]).unwrap();
    }
    let extra = format!(
        r#", "PreventCrossDataCenterMasterFailover": true,
            "DetectDataCenterQuery": "SELECT IF(@@server_id = {}, 'dc2', 'dc1')",
            "RecoveryIgnoreHostnameFilters": [":{}$"]"#,
        db[1].id(),
        db[6].port()
    );
    let f = Fleet::manage(sandbox, db, 1, &extra);
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    for m in [3, 6] {
        let (s, b) =
            f.orc.get(leader, &format!("/api/discover/127.0.0.1/{}", f.db[m].port())).await;
        assert_eq!(s, 200, "{b}");
    }
    for m in [0, 3, 6] {
        f.wait_discovered(m, 3).await;
    }
    for i in [1, 4] {
        let path = format!("/api/register-candidate/127.0.0.1/{}/prefer", f.db[i].port());
        let (s, b) = f.orc.get(leader, &path).await;
        assert_eq!(s, 200, "{b}");
    }
    // b1: an errant transaction, then more advanced than b2.
    // Its own domain, so strict mode does not stop replication from b0.
    f.db[4].sql("SET SESSION gtid_domain_id = 9; INSERT INTO app.t VALUES (100)").unwrap();
    f.db[5].sql("STOP SLAVE SQL_THREAD").unwrap();
    f.db[3].sql("INSERT INTO app.t VALUES (2)").unwrap();
    wait_replicated(&f.db[3], [&f.db[4]]).unwrap();
    let b1 = key(&f.db[4]);
    Wait::new(DEADLINE, format!("{b1} shows an errant GTID"))
        .until(|| async {
            let (_, v) = f.json(leader, &format!("/api/instance/{}", b1.replace(':', "/"))).await;
            v["GtidErrant"].as_str().is_some_and(|e| !e.is_empty())
        })
        .await
        .unwrap();

    // The plan says beforehand what the recovery will do, and why.
    for (master, promoted, passed_over, why) in
        [(0, 2, 1, "PreventCrossDataCenterMasterFailover"), (3, 5, 4, "errant GTID")]
    {
        let path = format!("/api/cluster-promotion-plan/{}", key(&f.db[master]));
        Wait::new(DEADLINE, format!("plan of {}", key(&f.db[master])))
            .until(|| async {
                let (_, v) = f.json(leader, &path).await;
                let plan = &v["Details"]["Plan"];
                let k =
                    |v: &Value| format!("{}:{}", v["Hostname"].as_str().unwrap_or(""), v["Port"]);
                k(&plan["promoted"]) == key(&f.db[promoted])
                    && plan["passed_over"].as_array().is_some_and(|p| {
                        p.iter().any(|e| {
                            k(&e["key"]) == key(&f.db[passed_over])
                                && e["reason"].as_str().is_some_and(|r| r.contains(why))
                        })
                    })
            })
            .await
            .unwrap();
    }

    for m in [0, 3, 6] {
        f.db[m].kill9();
    }
    let (a0, b0, c0) = (key(&f.db[0]), key(&f.db[3]), key(&f.db[6]));
    let rs = Wait::new(DEADLINE, "clusters A and B recovered")
        .result(|| async {
            let rs = f.recoveries(leader).await;
            match (recovery_of(&rs, &a0), recovery_of(&rs, &b0)) {
                (Some(_), Some(_)) => Ok(rs),
                _ => Err(format!("{rs:?}")),
            }
        })
        .await
        .unwrap();
    let a = recovery_of(&rs, &a0).unwrap();
    assert_eq!(a["IsSuccessful"], true, "{a}");
    assert_eq!(Fleet::successor(a), key(&f.db[2]), "same-DC replica, not the dc2 prefer: {a}");
    let b = recovery_of(&rs, &b0).unwrap();
    assert_eq!(b["IsSuccessful"], true, "{b}");
    assert_eq!(Fleet::successor(b), key(&f.db[5]), "errant b1 passed over: {b}");
    let lost: Vec<String> = b["LostReplicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| format!("{}:{}", k["Hostname"].as_str().unwrap_or(""), k["Port"]))
        .collect();
    assert!(lost.contains(&b1), "b1 is lost: {b}");
    wait_until(DEADLINE, "a1 under a2", || async { master_port(&f.db[1]) == Some(f.db[2].port()) })
        .await;

    // Cluster C: nothing detected, nothing recovered, though its master is as dead.
    let detections = f.json(leader, "/api/audit-failure-detection").await.1;
    let text = detections.to_string();
    assert!(!text.contains(&format!("\"Port\":{}", f.db[6].port())), "C detected: {text}");
    let rs = f.recoveries(leader).await;
    assert!(
        !rs.iter().any(|r| r["AnalysisEntry"]["AnalyzedInstanceKey"]["Port"] == f.db[6].port()),
        "cluster C recovered: {rs:?}"
    );
    let analysis = f.analysis(leader).await;
    assert!(!analysis.iter().any(|(k, _)| *k == c0), "C analysed: {analysis:?}");
}
