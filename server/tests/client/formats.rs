//! Setup: a fake API serving recorded orchestrator replies (`fixtures/`), one endpoint.
//! Action: each command family run through the real client binary.
//! Expected: exactly orchestrator-client's plain text on stdout, nothing on stderr, exit 0; API
//! errors print the API's Message on stderr and exit 1.

use crate::fake::{client, expect_output, FakeApi};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".json"))
    };
}

const FORGOTTEN: &str = r#"{"Code":"OK","Message":"Instance forgotten: db2.example.com:3306","Details":{"Hostname":"db2.example.com","Port":3306}}"#;
const COMMENT: &str = "comment=reviewed%20after%20incident%2042";

async fn recorded_api() -> FakeApi {
    let ack_cluster = format!("/api/ack-recovery/cluster/main?{COMMENT}");
    let ack_all = format!("/api/ack-all-recoveries?{COMMENT}");
    FakeApi::start(&[
        ("/api/instance/db1.example.com/3306", 200, fixture!("instance-db1")),
        ("/api/instance/db2.example.com/3306", 200, fixture!("instance-db2")),
        ("/api/instance/db8.example.com/3306", 500, fixture!("error-instance")),
        ("/api/instance-replicas/db1.example.com/3306", 200, fixture!("replicas-db1")),
        ("/api/cluster/main", 200, fixture!("cluster-main")),
        ("/api/cluster/db1.example.com:3306", 200, fixture!("cluster-main")),
        ("/api/cluster-info/db2.example.com:3306", 200, fixture!("cluster-info")),
        ("/api/master/main", 200, fixture!("instance-db1")),
        ("/api/masters", 200, fixture!("masters")),
        ("/api/all-instances", 200, fixture!("cluster-main")),
        ("/api/search?s=example", 200, fixture!("cluster-main")),
        ("/api/clusters-info", 200, fixture!("clusters-info")),
        ("/api/topology/main", 200, fixture!("topology")),
        ("/api/topology/db2.example.com:3306", 200, fixture!("topology")),
        ("/api/topology-tabulated/main", 200, fixture!("topology-tabulated")),
        ("/api/downtimed", 200, fixture!("downtimed")),
        ("/api/replication-analysis", 200, fixture!("replication-analysis")),
        ("/api/discover/db2.example.com/3306", 200, fixture!("discover")),
        ("/api/forget/db2.example.com/3306", 200, FORGOTTEN),
        (
            "/api/begin-downtime/db2.example.com/3306/ops/disk%20swap/2h",
            200,
            fixture!("begin-downtime"),
        ),
        ("/api/end-downtime/db2.example.com/3306", 200, fixture!("begin-downtime")),
        ("/api/register-candidate/db2.example.com/3306/prefer", 200, fixture!("begin-downtime")),
        ("/api/relocate/db3.example.com/3306/db2.example.com/3306", 200, fixture!("relocate")),
        ("/api/start-replica/db2.example.com/3306", 200, fixture!("discover")),
        ("/api/recover/db1.example.com/3306", 200, fixture!("recover")),
        ("/api/recover/db1.example.com/3306/db2.example.com/3307", 200, fixture!("recover")),
        (
            "/api/graceful-master-takeover/main/db2.example.com/3306",
            200,
            fixture!("graceful-master-takeover"),
        ),
        ("/api/graceful-master-takeover-auto/main", 200, fixture!("graceful-master-takeover")),
        ("/api/force-master-failover/db1.example.com:3306", 200, fixture!("force-master-failover")),
        (ack_cluster.as_str(), 200, fixture!("ack-cluster-recoveries")),
        (ack_all.as_str(), 200, fixture!("ack-all-recoveries")),
        ("/api/disable-global-recoveries", 200, fixture!("disable-global-recoveries")),
        ("/api/enable-global-recoveries", 200, fixture!("enable-global-recoveries")),
        ("/api/check-global-recoveries", 200, fixture!("check-global-recoveries")),
        ("/api/raft-leader", 200, r#""10.0.0.2:10008""#),
        ("/api/raft-health", 200, r#""healthy""#),
        ("/api/raft-state", 200, r#""Leader""#),
        ("/api/raft-yield-hint/orc3", 200, fixture!("raft-yield-hint")),
    ])
    .await
}

const MAIN_INSTANCES: &str = "db1.example.com:3306\ndb2.example.com:3306\ndb3.example.com:3306\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_print_keys_names_and_trees() {
    let api = recorded_api().await;
    let url = api.url.as_str();
    expect_output(url, &["-c", "clusters"], "db1.example.com:3306\ndb9.example.com:3307\n").await;
    expect_output(
        url,
        &["-c", "clusters-alias"],
        "db1.example.com:3306,main\ndb9.example.com:3307,billing\n",
    )
    .await;
    expect_output(
        url,
        &["-c", "all-clusters-masters"],
        "db1.example.com:3306\ndb9.example.com:3307\n",
    )
    .await;
    expect_output(url, &["-c", "all-instances"], MAIN_INSTANCES).await;
    expect_output(url, &["-c", "search", "-i", "example"], MAIN_INSTANCES).await;
    expect_output(url, &["-c", "instance", "-i", "db1.example.com"], "db1.example.com:3306\n")
        .await;
    expect_output(
        url,
        &["-c", "which-master", "-i", "db2.example.com:3306"],
        "db1.example.com:3306\n",
    )
    .await;
    expect_output(url, &["-c", "which-master", "-i", "db1.example.com"], ":0\n").await;
    let replicas = "db2.example.com:3306\ndb3.example.com:3306\n";
    expect_output(url, &["-c", "which-replicas", "-i", "db1.example.com"], replicas).await;
    expect_output(url, &["-c", "which-slaves", "--instance", "db1.example.com"], replicas).await;
    expect_output(
        url,
        &["-c", "which-cluster", "-i", "db2.example.com:3306"],
        "db1.example.com:3306\n",
    )
    .await;
    expect_output(url, &["-c", "which-cluster-alias", "-i", "db2.example.com:3306"], "main\n")
        .await;
    expect_output(url, &["-c", "which-cluster-master", "-a", "main"], "db1.example.com:3306\n")
        .await;
    expect_output(url, &["-c", "which-cluster-instances", "--alias=main"], MAIN_INSTANCES).await;
    expect_output(
        url,
        &["-c", "which-cluster-instances", "-i", "db1.example.com:3306"],
        MAIN_INSTANCES,
    )
    .await;
    expect_output(url, &["-c", "downtimed"], "db2.example.com:3306\ndb9.example.com:3307\n").await;
    let tree = "db1.example.com:3306   [0s,ok,10.11.6-MariaDB-log,rw,ROW,>>,GTID]\n\
                + db2.example.com:3306 [0s,ok,10.11.6-MariaDB-log,ro,ROW,>>,GTID]\n\
                + db3.example.com:3306 [0s,ok,10.11.6-MariaDB-log,ro,ROW,>>,GTID]\n";
    expect_output(url, &["-c", "topology", "-a", "main"], tree).await;
    expect_output(url, &["-c", "topology", "-i", "db2.example.com:3306"], tree).await;
    let tabulated = "db1.example.com:3306  |0s|ok|10.11.6-MariaDB-log|rw|ROW|>>|GTID\n\
                     + db2.example.com:3306|0s|ok|10.11.6-MariaDB-log|ro|ROW|>>|GTID\n\
                     + db3.example.com:3306|0s|ok|10.11.6-MariaDB-log|ro|ROW|>>|GTID\n";
    expect_output(url, &["-c", "topology-tabulated", "-a", "main"], tabulated).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_control_and_replication_print_the_instance() {
    let api = recorded_api().await;
    let url = api.url.as_str();
    let db2 = "db2.example.com:3306\n";
    expect_output(url, &["-c", "discover", "-i", "db2.example.com"], db2).await;
    expect_output(url, &["-c", "forget", "-i", "db2.example.com:3306"], "").await;
    let downtime = [
        "-c",
        "begin-downtime",
        "-i",
        "db2.example.com",
        "-o",
        "ops",
        "-r",
        "disk swap",
        "-u",
        "2h",
    ];
    expect_output(url, &downtime, db2).await;
    expect_output(url, &["-c", "end-downtime", "-i", "db2.example.com"], db2).await;
    expect_output(url, &["-c", "register-candidate", "-i", "db2.example.com", "-R", "prefer"], db2)
        .await;
    expect_output(url, &["-c", "start-slave", "-i", "db2.example.com"], db2).await;
    let relocate = ["-c", "relocate", "-i", "db3.example.com", "-d", "db2.example.com"];
    expect_output(url, &relocate, "db3.example.com:3306<db2.example.com:3306\n").await;
    assert!(api
        .paths()
        .contains(&"/api/begin-downtime/db2.example.com/3306/ops/disk%20swap/2h".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_commands_print_successors_and_details() {
    let api = recorded_api().await;
    let url = api.url.as_str();
    let analysis = "db1.example.com:3306 (cluster db1.example.com:3306): DeadMaster\n\
                    db9.example.com:3307 (cluster db9.example.com:3307): NoFailoverSupportStructureWarning\n\
                    db5.example.com:3306 (cluster db5.example.com:3306): UnreachableMaster\n";
    expect_output(url, &["-c", "replication-analysis"], analysis).await;
    expect_output(url, &["-c", "recover", "-i", "db1.example.com"], "db2.example.com:3306\n").await;
    let with_candidate = ["-c", "recover", "-i", "db1.example.com", "-d", "db2.example.com:3307"];
    expect_output(url, &with_candidate, "db2.example.com:3306\n").await;
    let takeover = ["-c", "graceful-master-takeover", "-a", "main", "-d", "db2.example.com"];
    expect_output(url, &takeover, "db2.example.com:3306\n").await;
    expect_output(
        url,
        &["-c", "graceful-master-takeover-auto", "-a", "main"],
        "db2.example.com:3306\n",
    )
    .await;
    let failover = ["-c", "force-master-failover", "-i", "db1.example.com:3306"];
    expect_output(url, &failover, "db3.example.com:3306\n").await;
    let comment = "reviewed after incident 42";
    let ack = ["-c", "ack-cluster-recoveries", "-a", "main", "-r", comment];
    expect_output(url, &ack, "db1.example.com:3306\n").await;
    expect_output(
        url,
        &["-c", "ack-all-recoveries", "--reason", comment],
        "reviewed after incident 42\n",
    )
    .await;
    expect_output(url, &["-c", "disable-global-recoveries"], "Global recoveries disabled\n").await;
    expect_output(url, &["-c", "enable-global-recoveries"], "enabled\n").await;
    expect_output(url, &["-c", "check-global-recoveries"], "disabled\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raft_and_meta_commands() {
    let api = recorded_api().await;
    let url = api.url.as_str();
    expect_output(url, &["-c", "raft-leader"], "10.0.0.2:10008\n").await;
    expect_output(url, &["-c", "raft-leader-hostname"], "10.0.0.2\n").await;
    expect_output(url, &["-c", "raft-health"], "healthy\n").await;
    expect_output(
        url,
        &["-c", "raft-elect-leader", "-H", "orc3"],
        "leadership transfer to node 3 requested\n",
    )
    .await;
    expect_output(url, &["-c", "which-api"], &format!("{url}/api\n")).await;
    let pretty = |text: &str| {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        format!("{}\n", serde_json::to_string_pretty(&value).unwrap())
    };
    expect_output(url, &["-c", "api", "-P", "clusters-info"], &pretty(fixture!("clusters-info")))
        .await;
    expect_output(url, &["-c", "api", "-path", "/masters"], &pretty(fixture!("masters"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_print_the_message_and_exit_1() {
    let api = recorded_api().await;
    let env = [("ORCHESTRATOR_API", api.url.as_str())];
    let run = client(&["-c", "instance", "-i", "db8.example.com"], &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert_eq!(run.stderr, "Cannot read instance: db8.example.com:3306\n");

    let run = client(&["-c", "api", "-P", "instance/db8.example.com/3306"], &env).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains(r#""Code": "ERROR""#), "raw JSON expected: {run:?}");
    assert_eq!(run.stderr, "Cannot read instance: db8.example.com:3306\n");

    // An endpoint this server does not serve yet: a clear one-line error.
    let run = client(&["-c", "topology", "-a", "unknown"], &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    let expected = format!(
        "HTTP 404 from {}/api/topology/unknown: this API path is not served by the endpoint\n",
        api.url
    );
    assert_eq!(run.stderr, expected);
}
