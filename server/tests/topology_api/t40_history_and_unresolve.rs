//! History and heuristics on a star discovered by every node: a hostname unresolve registered
//! through a follower is replicated to every node and deregistered the same way;
//! `snapshot-topologies` answers orchestrator's message; `cluster-osc-replicas` picks the star's
//! two first-level replicas (also through `orchestrator-client`); after the master is killed,
//! every node's `replication-analysis-changelog` shows its change to `DeadMaster`.

use serde_json::{json, Value};

use crate::setup::{key, key_json, Fleet, STAR_ALIAS};

/// Node `i`'s registrations, as `(Hostname, UnresolvedHostname)`.
fn unresolves(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|u| {
                    let text = |f: &str| u[f].as_str().unwrap_or_default().to_string();
                    (text("Hostname"), text("UnresolvedHostname"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_unresolve() {
    let Some(f) = Fleet::start("history_and_unresolve", false) else { return };
    let (m, r1, r2) = (&f.star[0], &f.star[1], &f.star[2]);
    f.wait_cluster(&key(m), 3).await;
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    let follower = (leader + 1) % 3;

    // Register through a follower (relayed to the leader, replicated to every node).
    let path = format!("/api/register-hostname-unresolve/127.0.0.1/{}/vip-r1.example", r1.port());
    let (status, reply) = f.json(follower, &path).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["Code"], "OK");
    assert_eq!(reply["Message"], "Hostname register unresolve completed");
    assert_eq!(reply["Details"], key_json(r1));
    let want = vec![("127.0.0.1".to_string(), "vip-r1.example".to_string())];
    for i in 0..3 {
        f.wait_json(i, "/api/hostname-unresolves", "the registration", |s, v| {
            s == 200 && unresolves(v) == want
        })
        .await;
    }
    let bad = format!("/api/register-hostname-unresolve/127.0.0.1/{}/bad'name", r1.port());
    let (status, reply) = f.json(follower, &bad).await;
    assert_eq!((status, reply["Code"].clone()), (400, json!("ERROR")), "{reply}");
    let path = format!("/api/deregister-hostname-unresolve/127.0.0.1/{}", r1.port());
    let (status, reply) = f.json(follower, &path).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["Message"], "Hostname deregister unresolve completed");
    for i in 0..3 {
        f.wait_json(i, "/api/hostname-unresolves", "no registration", |s, v| {
            s == 200 && v == &json!([])
        })
        .await;
    }

    // Snapshots and the OSC heuristic, on every node from its own store.
    let mut replicas = vec![key_json(r1), key_json(r2)];
    replicas.sort_by_key(|k| k["Port"].as_u64());
    for i in 0..3 {
        let (status, reply) = f.json(i, "/api/snapshot-topologies").await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["Code"], "OK");
        assert_eq!(reply["Message"], "Topology Snapshot completed");
        assert!(reply["Details"].as_str().is_some_and(|d| d.starts_with("Took ")), "{reply}");
        for path in [
            format!("/api/cluster-osc-replicas/{}", key(m)),
            format!("/api/cluster-osc-slaves/{STAR_ALIAS}"),
        ] {
            let (status, osc) = f.json(i, &path).await;
            assert_eq!(status, 200, "{path}: {osc}");
            let keys: Vec<Value> =
                osc.as_array().unwrap().iter().map(|x| x["Key"].clone()).collect();
            assert_eq!(keys, replicas, "{path}");
        }
        let (status, _) = f.json(i, "/api/cluster-osc-replicas/no-such-cluster").await;
        assert_eq!(status, 404);
    }
    let mut expected = [key(r1), key(r2)];
    expected.sort_by_key(|k| k.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()));
    let run = f.client(&["-c", "which-cluster-osc-replicas", "-i", &key(m)]).await;
    assert_eq!(run.lines(), expected.iter().map(String::as_str).collect::<Vec<_>>());

    // The master dies: every node's changelog records its change to DeadMaster.
    m.kill9();
    for i in 0..3 {
        let log = f
            .wait_json(i, "/api/replication-analysis-changelog", "DeadMaster logged", |s, v| {
                s == 200
                    && v.as_array().is_some_and(|a| {
                        a.iter().any(|c| {
                            c["AnalyzedInstanceKey"] == key_json(m)
                                && c["Changelog"].as_array().is_some_and(|l| {
                                    l.iter().any(|e| {
                                        e.as_str().is_some_and(|e| e.ends_with(";DeadMaster,"))
                                    })
                                })
                        })
                    })
            })
            .await;
        let entry = log
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["AnalyzedInstanceKey"] == key_json(m))
            .unwrap();
        for e in entry["Changelog"].as_array().unwrap() {
            // `YYYY-MM-DD HH:MM:SS;Code,`
            let e = e.as_str().unwrap();
            assert_eq!(e.find(';'), Some(19), "{e}");
            assert!(e.ends_with(','), "{e}");
        }
    }
}
