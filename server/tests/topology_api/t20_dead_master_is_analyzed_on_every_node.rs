//! kill -9 the star's master: every node, from its own probes, reports `DeadMaster` in
//! orchestrator's analysis shape; the leader registers the detection (replicated, so every node
//! audits it); recovery is not configured, so nothing fails over and no recovery is recorded.

use serde_json::{json, Value};
use server::testkit::mariadb::Server;

use crate::setup::{key, key_json, key_text, Fleet, STAR_ALIAS};

/// The `DeadMaster` entry for `master` in a replication-analysis reply, if present.
fn dead_master_entry(reply: &Value, master: &Server) -> Option<Value> {
    reply["Details"]
        .as_array()?
        .iter()
        .find(|a| a["AnalyzedInstanceKey"] == key_json(master) && a["Analysis"] == "DeadMaster")
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_master_is_analyzed_on_every_node() {
    let Some(f) = Fleet::start("dead_master_is_analyzed_on_every_node", false) else { return };
    let (m, r1, r2) = (&f.star[0], &f.star[1], &f.star[2]);
    f.wait_cluster(&key(m), 3).await;
    m.kill9();

    for i in 0..3 {
        let reply = f
            .wait_json(i, "/api/replication-analysis", "DeadMaster", |s, v| {
                s == 200 && dead_master_entry(v, m).is_some()
            })
            .await;
        assert_eq!(reply["Code"], "OK");
        assert_eq!(reply["Message"], "Analysis");
        let a = dead_master_entry(&reply, m).unwrap();
        assert_eq!(a["AnalyzedInstanceMasterKey"], json!({"Hostname": "", "Port": 0}));
        assert_eq!(a["ClusterDetails"]["ClusterName"], key(m));
        assert_eq!(a["ClusterDetails"]["ClusterAlias"], STAR_ALIAS);
        assert_eq!(a["ClusterDetails"]["CountInstances"], 3);
        assert_eq!(a["ClusterDetails"]["HasAutomatedMasterRecovery"], false);
        assert_eq!(
            (a["IsMaster"].clone(), a["IsCoMaster"].clone(), a["LastCheckValid"].clone()),
            (json!(true), json!(false), json!(false))
        );
        assert_eq!(a["CountReplicas"], 2);
        assert_eq!(a["CountValidReplicas"], 2);
        assert_eq!(a["CountValidReplicatingReplicas"], 0);
        assert_eq!(a["CountDowntimedReplicas"], 0);
        assert_eq!(a["IsDowntimed"], false);
        assert_eq!(a["SkippableDueToDowntime"], false);
        assert_eq!(a["IsActionableRecovery"], true);
        assert_eq!(a["MariaDBGTIDImmediateTopology"], true);
        let mut replicas = vec![key(r1), key(r2)];
        replicas.sort();
        assert_eq!(
            a["Replicas"].as_array().unwrap().iter().map(key_text).collect::<Vec<_>>(),
            replicas
        );

        // The same entry by cluster alias and by instance; the master's own JSON shows why.
        for path in [
            format!("/api/replication-analysis/{STAR_ALIAS}"),
            format!("/api/replication-analysis/instance/127.0.0.1/{}", m.port()),
        ] {
            let (_, by) = f.json(i, &path).await;
            assert!(dead_master_entry(&by, m).is_some(), "{path}: {by}");
        }
        let (_, mi) = f.json(i, &format!("/api/instance/127.0.0.1/{}", m.port())).await;
        assert_eq!(mi["IsLastCheckValid"], false);
        assert_eq!(mi["Problems"], json!(["last_check_invalid"]));
        let ri = f
            .wait_json(
                i,
                &format!("/api/instance/127.0.0.1/{}", r1.port()),
                "r1 not replicating",
                |_, v| v["Slave_IO_Running"] == false,
            )
            .await;
        assert_eq!(ri["Slave_SQL_Running"], true);
        assert_eq!(ri["ReplicationIOThreadState"], 2, "IO thread connecting: {ri}");
        assert!(
            ri["LastIOError"].as_str().is_some_and(|e| e.contains("connecting to master")),
            "{ri}"
        );
        assert_eq!(ri["Problems"], json!(["not_replicating"]));
        let (_, problems) = f.json(i, "/api/problems").await;
        let mut listed: Vec<String> =
            problems.as_array().unwrap().iter().map(|p| key_text(&p["Key"])).collect();
        listed.sort();
        let mut all = vec![key(m), key(r1), key(r2)];
        all.sort();
        assert_eq!(listed, all);
        let (_, tree) = f.json(i, &format!("/api/topology/{}", key(m))).await;
        let lines: Vec<&str> = tree["Details"].as_str().unwrap().lines().collect();
        assert!(lines[0].contains("[unknown,invalid,"), "{lines:?}");
        assert!(
            lines[1..].iter().all(|l| l.starts_with("- ") && l.contains("[null,nonreplicating,")),
            "{lines:?}"
        );
    }

    // The leader registered the detection through raft: every node audits it.
    for i in 0..3 {
        let detections = f
            .wait_json(i, "/api/audit-failure-detection", "the DeadMaster detection", |s, v| {
                s == 200
                    && v.as_array().is_some_and(|d| {
                        d.iter().any(|d| d["AnalysisEntry"]["Analysis"] == "DeadMaster")
                    })
            })
            .await;
        let d = detections
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["AnalysisEntry"]["Analysis"] == "DeadMaster")
            .unwrap();
        assert_eq!(d["AnalysisEntry"]["AnalyzedInstanceKey"], key_json(m));
        assert_eq!(d["AnalysisEntry"]["ClusterDetails"]["ClusterName"], key(m));
        assert_eq!(d["AnalysisEntry"]["IsActionableRecovery"], true);
        assert!(d["UID"].as_str().is_some_and(|u| !u.is_empty()), "{d}");
        assert!(d["Id"].as_u64().is_some_and(|id| id >= 1), "{d}");
        assert_eq!(d["Acknowledged"], false);
        let (_, by_uid) = f
            .json(i, &format!("/api/audit-failure-detection/uid/{}", d["UID"].as_str().unwrap()))
            .await;
        assert_eq!(by_uid.as_array().map(Vec::len), Some(1));
        // Not configured for recovery: nothing recovered, nothing active, nothing blocked.
        for path in [
            "/api/audit-recovery".to_string(),
            format!("/api/active-cluster-recovery/{}", key(m)),
            "/api/blocked-recoveries".into(),
        ] {
            let (status, v) = f.json(i, &path).await;
            assert_eq!((status, v.clone()), (200, json!([])), "{path}");
        }
    }
    // The replicas still point at the dead master.
    for r in [r1, r2] {
        let status = r.slave_status().expect("slave status");
        assert_eq!(
            status.get("Master_Port").map(String::as_str),
            Some(m.port().to_string().as_str())
        );
    }

    let run = f.client(&["-c", "replication-analysis"]).await;
    assert!(
        run.lines().contains(&format!("{} (cluster {}): DeadMaster", key(m), key(m)).as_str()),
        "{run:?}"
    );
}
