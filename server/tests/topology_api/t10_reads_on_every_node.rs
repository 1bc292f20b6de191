//! A star (aliased `shop`) and a chain, discovered by every node on its own: clusters, cluster
//! info, instance JSON (field names and values), masters, the ASCII topology, search, problems,
//! bad input; then the same reads through `orchestrator-client`.

use serde_json::json;

use crate::setup::{key, key_json, key_text, wait_for, Fleet, STAR_ALIAS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_on_every_node() {
    let Some(f) = Fleet::start("reads_on_every_node", true) else { return };
    let (m, r1, r2) = (&f.star[0], &f.star[1], &f.star[2]);
    let (c0, c1, c2) = (&f.chain[0], &f.chain[1], &f.chain[2]);
    f.wait_cluster(&key(m), 3).await;
    f.wait_cluster(&key(c0), 3).await;
    let version = m.sql("SELECT @@version").expect("version");

    for i in 0..3 {
        let (status, names) = f.json(i, "/api/clusters").await;
        assert_eq!(status, 200);
        let mut expected = vec![key(m), key(c0)];
        expected.sort();
        assert_eq!(names, json!(expected), "node {i}");

        let (_, infos) = f.json(i, "/api/clusters-info").await;
        let star_info = infos
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["ClusterName"] == key(m))
            .cloned()
            .expect("star info");
        assert_eq!(star_info["ClusterAlias"], STAR_ALIAS);
        assert_eq!(star_info["CountInstances"], 3);
        assert_eq!(star_info["ClusterDomain"], "");
        assert_eq!(star_info["HasAutomatedMasterRecovery"], false);
        assert_eq!(star_info["HasAutomatedIntermediateMasterRecovery"], false);
        let (_, by_alias) = f.json(i, &format!("/api/cluster-info/alias/{STAR_ALIAS}")).await;
        assert_eq!(by_alias["ClusterName"], key(m));
        let (_, by_member) = f.json(i, &format!("/api/cluster-info/{}", key(c2))).await;
        assert_eq!(
            (by_member["ClusterName"].clone(), by_member["ClusterAlias"].clone()),
            (json!(key(c0)), json!(key(c0)))
        );

        // The master as orchestrator describes it.
        let (status, mi) = f.json(i, &format!("/api/instance/127.0.0.1/{}", m.port())).await;
        assert_eq!(status, 200, "{mi}");
        assert_eq!(mi["Key"], key_json(m));
        assert_eq!(mi["ServerID"], m.id());
        assert_eq!(mi["Version"], version.as_str());
        assert_eq!(mi["FlavorName"], "MariaDB");
        assert_eq!(mi["ReadOnly"], false);
        assert_eq!(mi["LogBinEnabled"], true);
        assert_eq!(mi["LogReplicationUpdatesEnabled"], true);
        assert_eq!(mi["Binlog_format"], "ROW");
        assert_eq!(mi["MasterKey"], json!({"Hostname": "", "Port": 0}));
        assert_eq!(
            (mi["Slave_IO_Running"].clone(), mi["ReplicationIOThreadState"].clone()),
            (json!(false), json!(-1))
        );
        let mut replica_ports = [r1.port(), r2.port()];
        replica_ports.sort();
        assert_eq!(
            mi["Replicas"],
            json!(replica_ports.map(|p| json!({"Hostname": "127.0.0.1", "Port": p})))
        );
        assert_eq!(mi["ClusterName"], key(m));
        assert_eq!(mi["ReplicationDepth"], 0);
        assert_eq!(mi["IsLastCheckValid"], true);
        assert_eq!(mi["IsDowntimed"], false);
        assert_eq!(mi["PromotionRule"], "neutral");
        assert!(
            mi["SelfBinlogCoordinates"]["LogFile"].as_str().is_some_and(|f| !f.is_empty()),
            "{mi}"
        );
        assert_eq!(mi["SecondsSinceLastSeen"]["Valid"], true);
        assert_eq!(mi["Problems"], json!([]));

        // A replica, once it reports no lag.
        let path = format!("/api/instance/127.0.0.1/{}", r1.port());
        let ri = f
            .wait_json(i, &path, "replica r1 caught up", |s, v| {
                s == 200 && v["ReplicationLagSeconds"] == json!({"Int64": 0, "Valid": true})
            })
            .await;
        assert_eq!(ri["ServerID"], r1.id());
        assert_eq!(ri["ReadOnly"], true);
        assert_eq!(ri["MasterKey"], key_json(m));
        assert_eq!(
            (ri["Slave_IO_Running"].clone(), ri["Slave_SQL_Running"].clone()),
            (json!(true), json!(true))
        );
        assert_eq!(
            (ri["ReplicationIOThreadRuning"].clone(), ri["ReplicationSQLThreadRuning"].clone()),
            (json!(true), json!(true))
        );
        assert_eq!(
            (ri["ReplicationIOThreadState"].clone(), ri["ReplicationSQLThreadState"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(ri["SecondsBehindMaster"], json!({"Int64": 0, "Valid": true}));
        assert_eq!(ri["UsingMariaDBGTID"], true);
        assert_eq!(ri["UsingOracleGTID"], false);
        assert_eq!(ri["ReplicationDepth"], 1);
        assert_eq!(ri["ClusterName"], key(m));
        assert_eq!(ri["LastIOError"], "");
        assert!(
            ri["ExecBinlogCoordinates"]["LogFile"].as_str().is_some_and(|f| !f.is_empty()),
            "{ri}"
        );

        // The chain: depth 2 at the end, replicas of the intermediate master.
        let (_, ci) = f.json(i, &format!("/api/instance/127.0.0.1/{}", c2.port())).await;
        assert_eq!(
            (ci["ReplicationDepth"].clone(), ci["ClusterName"].clone()),
            (json!(2), json!(key(c0)))
        );
        let (_, reps) = f.json(i, &format!("/api/instance-replicas/127.0.0.1/{}", c1.port())).await;
        assert_eq!(
            reps.as_array().map(|a| a.iter().map(|r| key_text(&r["Key"])).collect::<Vec<_>>()),
            Some(vec![key(c2)])
        );

        // Masters, by alias, name and member.
        for hint in [STAR_ALIAS.to_string(), key(m), key(r2)] {
            let (status, master) = f.json(i, &format!("/api/master/{hint}")).await;
            assert_eq!((status, key_text(&master["Key"])), (200, key(m)), "master of {hint}");
        }
        let (_, masters) = f.json(i, "/api/masters").await;
        let mut got: Vec<String> =
            masters.as_array().unwrap().iter().map(|x| key_text(&x["Key"])).collect();
        got.sort();
        let mut want = vec![key(m), key(c0)];
        want.sort();
        assert_eq!(got, want);
        let (_, all) = f.json(i, "/api/all-instances").await;
        assert_eq!(all.as_array().map(Vec::len), Some(6));

        // Search by port, and by host through `?s=`.
        let (_, found) = f.json(i, &format!("/api/search/{}", r2.port())).await;
        assert!(found.as_array().unwrap().iter().any(|x| x["Key"] == key_json(r2)), "{found}");
        let (_, found) = f.json(i, "/api/search?s=127.0.0.1").await;
        assert_eq!(found.as_array().map(Vec::len), Some(6));
        let (_, none) = f.json(i, "/api/search/no-such-host").await;
        assert_eq!(none, json!([]));
        // orchestrator's bash client sends the term with a trailing encoded newline.
        let (_, found) = f.json(i, "/api/search?s=127.0.0.1%0A").await;
        assert_eq!(found.as_array().map(Vec::len), Some(6), "{found}");

        // `discover` answers with the whole instance as `instance` does (the client prints it).
        let (status, found) = f.json(i, &format!("/api/discover/127.0.0.1/{}", r1.port())).await;
        assert_eq!(status, 200, "{found}");
        let discovered = &found["Details"];
        assert_eq!(discovered["Key"], key_json(r1), "{found}");
        assert_eq!(discovered["MasterKey"], key_json(m), "{found}");
        assert_eq!(discovered["ServerID"], r1.id(), "{found}");
        assert_eq!(discovered["ClusterName"], key(m), "{found}");
        assert_eq!(discovered["IsLastCheckValid"], true, "{found}");

        // `/api/status` names the node's machine as orchestrator does (`os.Hostname()`).
        let (_, st) = f.json(i, "/api/status").await;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
        assert_eq!(st["Details"]["Hostname"], host.trim(), "{st}");
    }

    // The ASCII trees, exactly orchestrator's format, once every replica shows 0s lag.
    let star_tree = star_tree(&f, &version);
    let tree = f
        .wait_json(0, &format!("/api/topology/{STAR_ALIAS}"), "the star's tree", |s, v| {
            s == 200 && v["Details"] == star_tree.as_str()
        })
        .await;
    assert_eq!(tree["Code"], "OK");
    assert_eq!(tree["Message"], format!("Topology for cluster {}", key(m)));
    let chain_tree = f
        .wait_json(
            1,
            &format!("/api/topology/127.0.0.1/{}", c1.port()),
            "the chain's tree",
            |s, _| s == 200,
        )
        .await;
    let lines: Vec<&str> = chain_tree["Details"].as_str().unwrap().lines().collect();
    assert_eq!(lines.len(), 3, "{chain_tree}");
    assert!(lines[0].starts_with(&format!("{} ", key(c0))), "{lines:?}");
    assert!(lines[1].starts_with(&format!("+ {} ", key(c1))), "{lines:?}");
    assert!(lines[2].starts_with(&format!("  + {} ", key(c2))), "{lines:?}");
    let (_, tab) = f.json(2, &format!("/api/topology-tabulated/{}", key(m))).await;
    assert!(tab["Details"].as_str().unwrap().lines().all(|l| l.contains("|ok|")), "{tab}");

    // topology-tags: the same tree, each line followed by its instance's tags (written through
    // node 1's API, replicated, read on every node).
    for tag in ["role%3Dbackup", "flag"] {
        let path = format!("/api/tag/127.0.0.1/{}?tag={tag}", r1.port());
        let (status, v) = f.json(1, &path).await;
        assert_eq!((status, &v["Code"]), (200, &json!("OK")), "{path}: {v}");
    }
    let r1_line = format!("{} ", key(r1));
    let tagged_tree: Vec<String> = star_tree
        .lines()
        .map(|l| match l.contains(&r1_line) {
            true => format!("{l} [flag,role=backup]"),
            false => format!("{l} []"),
        })
        .collect();
    let tagged_tree = tagged_tree.join("\n");
    for (i, path) in [
        format!("/api/topology-tags/{STAR_ALIAS}"),
        format!("/api/topology-tags/127.0.0.1/{}", r2.port()),
        format!("/api/topology-tags/{}", key(m)),
    ]
    .iter()
    .enumerate()
    {
        f.wait_json(i, path, "the star's tree with tags", |s, v| {
            s == 200 && v["Details"] == tagged_tree.as_str()
        })
        .await;
    }

    // Healthy fleet: no problem instances, no failure analysis.
    f.wait_json(0, "/api/problems", "no problems", |s, v| s == 200 && *v == json!([])).await;
    let (_, analysis) = f.json(0, "/api/replication-analysis").await;
    assert_eq!(analysis["Code"], "OK");
    assert!(
        analysis["Details"].as_array().unwrap().iter().all(|a| a["Analysis"] == "NoProblem"),
        "{analysis}"
    );

    // Bad input is a 400, unknown things a 404, both with orchestrator's error envelope.
    for (path, status, text) in [
        ("/api/instance/127.0.0.1/notaport".to_string(), 400, "port"),
        ("/api/instance/127.0.0.1/70000".to_string(), 400, "port"),
        ("/api/instance/bad$host/3306".to_string(), 400, "hostname"),
        ("/api/instance-replicas/127.0.0.1/0".to_string(), 400, "port"),
        ("/api/replication-analysis/instance/127.0.0.1/x".to_string(), 400, "port"),
        ("/api/audit-recovery/page-two".to_string(), 400, "page"),
        ("/api/instance/127.0.0.1/1".to_string(), 404, "Cannot read instance: 127.0.0.1:1"),
        ("/api/cluster/no-such-cluster".to_string(), 404, "clusterHint=no-such-cluster"),
        ("/api/topology/no-such-cluster".to_string(), 404, "no-such-cluster"),
        ("/api/master/no-such-cluster".to_string(), 404, "no-such-cluster"),
        ("/api/replication-analysis/no-such-cluster".to_string(), 404, "no-such-cluster"),
    ] {
        let (got, v) = f.json(1, &path).await;
        assert_eq!(got, status, "{path}: {v}");
        assert_eq!(v["Code"], "ERROR", "{path}: {v}");
        assert!(v["Message"].as_str().is_some_and(|msg| msg.contains(text)), "{path}: {v}");
    }

    client_reads(&f, &star_tree).await;
}

/// The star's tree: the master, then its replicas in key order, brackets aligned.
fn star_tree(f: &Fleet, version: &str) -> String {
    let mut replicas: Vec<String> = f.star[1..].iter().map(key).collect();
    replicas.sort();
    let width = replicas.iter().map(|r| r.len() + 2).max().unwrap_or(0).max(key(&f.star[0]).len());
    let mut lines = vec![format!("{:<width$} [0s,ok,{version},rw,ROW,>>]", key(&f.star[0]))];
    for r in replicas {
        lines.push(format!("{:<width$} [0s,ok,{version},ro,ROW,>>,GTID]", format!("+ {r}")));
    }
    lines.join("\n")
}

/// `orchestrator-client` against the three nodes prints what orchestrator's client prints.
async fn client_reads(f: &Fleet, star_tree: &str) {
    let (m, r1, r2, c0) = (&f.star[0], &f.star[1], &f.star[2], &f.chain[0]);
    let mut clusters = vec![key(m), key(c0)];
    clusters.sort();
    assert_eq!(f.client(&["-c", "clusters"]).await.lines(), clusters);
    let aliases = f.client(&["-c", "clusters-alias"]).await;
    assert!(aliases.lines().contains(&format!("{},{STAR_ALIAS}", key(m)).as_str()), "{aliases:?}");
    wait_for("client topology with every replica at 0s", || async {
        let run = f.client(&["-c", "topology", "-i", &key(m)]).await;
        (run.code == 0 && run.stdout.trim_end() == star_tree).then_some(())
    })
    .await;
    assert_eq!(f.client(&["-c", "which-master", "-i", &key(r1)]).await.lines(), [key(m)]);
    assert_eq!(f.client(&["-c", "which-master", "-i", &key(m)]).await.lines(), [":0"]);
    let mut replicas = vec![key(r1), key(r2)];
    replicas.sort();
    assert_eq!(f.client(&["-c", "which-replicas", "-i", &key(m)]).await.lines(), replicas);
    assert_eq!(f.client(&["-c", "instance", "-i", &key(r2)]).await.lines(), [key(r2)]);
    assert_eq!(f.client(&["-c", "which-cluster", "-i", &key(r2)]).await.lines(), [key(m)]);
    assert_eq!(
        f.client(&["-c", "which-cluster-alias", "-i", &key(r2)]).await.lines(),
        [STAR_ALIAS]
    );
    assert_eq!(f.client(&["-c", "which-cluster-master", "-a", STAR_ALIAS]).await.lines(), [key(m)]);
    let mut members = vec![key(m), key(r1), key(r2)];
    members.sort();
    assert_eq!(
        f.client(&["-c", "which-cluster-instances", "-a", STAR_ALIAS]).await.lines(),
        members
    );
    assert!(f.client(&["-c", "replication-analysis"]).await.lines().is_empty());
    let unknown = f.client(&["-c", "instance", "-i", "127.0.0.1:1"]).await;
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(unknown.stderr.contains("Cannot read instance: 127.0.0.1:1"), "{unknown:?}");
}
