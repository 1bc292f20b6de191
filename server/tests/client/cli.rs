//! Setup: fake APIs on loopback (one or several endpoints), or none at all.
//! Action: the real client binary with various flags and environments.
//! Expected: `--help` lists every command; bad command lines exit 2 before any request; the
//! leader is found by leader-check, then routed-leader-check, else "Cannot determine leader";
//! auth is sent; transport failures are retried with back-off.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::fake::{client, command, FakeApi};

/// The commands orchestrator-client must support, each to appear in `--help` with a line of help.
const REQUIRED: &[&str] = &[
    "help",
    "which-api",
    "api",
    "clusters",
    "clusters-alias",
    "all-clusters-masters",
    "topology",
    "topology-tabulated",
    "which-master",
    "which-replicas",
    "which-cluster",
    "which-cluster-alias",
    "which-cluster-master",
    "which-cluster-instances",
    "instance",
    "discover",
    "forget",
    "begin-downtime",
    "end-downtime",
    "downtimed",
    "register-candidate",
    "replication-analysis",
    "recover",
    "graceful-master-takeover",
    "graceful-master-takeover-auto",
    "force-master-failover",
    "ack-cluster-recoveries",
    "ack-all-recoveries",
    "disable-global-recoveries",
    "enable-global-recoveries",
    "check-global-recoveries",
    "raft-leader",
    "raft-health",
    "raft-leader-hostname",
    "raft-elect-leader",
];

#[tokio::test]
async fn help_lists_every_command_with_one_line() {
    for args in [&["--help"][..], &["-h"], &["-c", "help"]] {
        let run = client(args, &[]).await;
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
        let commands: Vec<(&str, &str)> = run
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("Commands"))
            .filter(|l| l.starts_with("    "))
            .map(|l| l.trim().split_once(' ').map(|(n, h)| (n, h.trim())).unwrap_or((l.trim(), "")))
            .collect();
        for name in REQUIRED {
            let line = commands.iter().find(|(n, _)| n == name);
            assert!(
                line.is_some_and(|(_, help)| !help.is_empty()),
                "{name} has no help line in:\n{}",
                run.stdout
            );
        }
        assert!(
            commands.iter().all(|(_, help)| !help.is_empty()),
            "a command without help:\n{}",
            run.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_command_lines_exit_2_before_any_request() {
    let api = FakeApi::start(&[("/api/leader-check", 200, r#""OK""#)]).await;
    let both = format!("{} {}", api.url, api.url);
    let env = [("ORCHESTRATOR_API", both.as_str())];
    let cases: &[(&[&str], &str)] = &[
        (&["-c", "no-such-command"], "Unsupported command no-such-command"),
        (&["-c", "begin-downtime", "-i", "db1", "-o", "ops"], "reason must be provided"),
        (&["-c", "begin-downtime", "-o", "ops", "-r", "x"], "instance must be provided"),
        (&["-c", "topology"], "instance|alias must be provided"),
        (&["-c", "register-candidate", "-i", "db1"], "promotion-rule must be provided"),
        (&["-c", "raft-elect-leader"], "hostname must be provided"),
        (&["-c", "api"], "path must be provided"),
        (&["-c", "instance", "-i", "bad host"], "invalid instance \"bad host\""),
        (&["-c", "clusters", "--bogus"], "unknown option --bogus"),
        (&["-c", "clusters", "-Z", "1"], "unknown option -Z"),
        (&["-c", "clusters", "-i"], "option -i needs a value"),
        (&["-i", "db1"], "No command given"),
    ];
    for (args, message) in cases {
        let run = client(args, &env).await;
        assert_eq!((run.code, run.stdout.as_str()), (2, ""), "{args:?}: {run:?}");
        assert!(
            run.stderr.starts_with(&format!("orchestrator-client: {message}")),
            "{args:?}: {run:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: one line expected: {run:?}");
    }
    assert_eq!(api.paths(), Vec::<String>::new(), "no request may be sent for a bad command line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_endpoints_use_the_one_answering_leader_check() {
    let follower_a = FakeApi::start(&[("/api/leader-check", 404, r#""Not leader""#)]).await;
    let leader = FakeApi::start(&[
        ("/api/leader-check", 200, r#""OK""#),
        ("/api/raft-leader", 200, r#""127.0.0.1:10008""#),
    ])
    .await;
    let follower_c = FakeApi::start(&[("/api/leader-check", 404, r#""Not leader""#)]).await;
    // Mixed spellings: with and without /api, trailing slash, extra spaces.
    let api = format!(" {}  {}/api/ {}/ ", follower_a.url, leader.url, follower_c.url);
    let env = [("ORCHESTRATOR_API", api.as_str())];
    let run = client(&["-c", "which-api"], &env).await;
    assert_eq!((run.code, run.stdout.clone()), (0, format!("{}/api\n", leader.url)), "{run:?}");
    let run = client(&["-c", "raft-leader"], &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "127.0.0.1:10008\n"), "{run:?}");
    assert_eq!(leader.paths(), ["/api/leader-check", "/api/leader-check", "/api/raft-leader"]);
    assert_eq!(follower_a.paths(), ["/api/leader-check", "/api/leader-check"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falls_back_to_routed_leader_check_then_gives_up() {
    let a = FakeApi::start(&[("/api/leader-check", 404, r#""Not leader""#)]).await;
    let b = FakeApi::start(&[
        ("/api/leader-check", 404, r#""Not leader""#),
        ("/api/routed-leader-check", 200, r#""OK""#),
    ])
    .await;
    let api = format!("{} {}", a.url, b.url);
    let run = client(&["-c", "which-api"], &[("ORCHESTRATOR_API", api.as_str())]).await;
    assert_eq!((run.code, run.stdout.clone()), (0, format!("{}/api\n", b.url)), "{run:?}");

    // Nobody leads and nobody routes: rounds with back-off, then a clear failure.
    let c = FakeApi::start(&[("/api/leader-check", 404, r#""Not leader""#)]).await;
    let api = format!("{} {}", a.url, c.url);
    let started = Instant::now();
    let run = client(&["-c", "raft-leader"], &[("ORCHESTRATOR_API", api.as_str())]).await;
    let took = started.elapsed();
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    let expected = format!(
        "orchestrator-client: Cannot determine leader from {a}/api {c}/api ({a}/api: HTTP 404; {c}/api: HTTP 404)\n",
        a = a.url,
        c = c.url
    );
    assert_eq!(run.stderr, expected);
    assert!(took >= Duration::from_secs(3), "expected several rounds with back-off, took {took:?}");
    assert!(took < Duration::from_secs(15), "giving up took {took:?}");
    assert!(c.paths().iter().filter(|p| *p == "/api/leader-check").count() >= 4, "{:?}", c.paths());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_endpoint_is_used_without_leader_check() {
    let api = FakeApi::start(&[(
        "/api/check-global-recoveries",
        200,
        r#"{"Code":"OK","Message":"","Details":"enabled"}"#,
    )])
    .await;
    let url = format!("{}/api/", api.url);
    let run =
        client(&["-c", "check-global-recoveries"], &[("ORCHESTRATOR_API", url.as_str())]).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "enabled\n"), "{run:?}");
    assert_eq!(api.paths(), ["/api/check-global-recoveries"]);
    // -U overrides the environment.
    let run = client(
        &["-c", "check-global-recoveries", "-U", &api.url],
        &[("ORCHESTRATOR_API", "http://127.0.0.1:1")],
    )
    .await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "enabled\n"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_from_environment_and_default_port() {
    let body =
        r#"{"Key":{"Hostname":"db2","Port":3306},"MasterKey":{"Hostname":"db1","Port":3307}}"#;
    let api = FakeApi::start(&[
        ("/api/instance/db2/3306", 200, body),
        ("/api/instance/db2/3310", 200, body),
    ])
    .await;
    let env = [("ORCHESTRATOR_API", api.url.as_str()), ("ORCHESTRATOR_INSTANCE", "db2")];
    let run = client(&["-c", "which-master"], &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "db1:3307\n"), "{run:?}");
    let run = client(&["-c", "instance", "-D", "3310"], &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "db2:3306\n"), "{run:?}");
    assert_eq!(api.paths(), ["/api/instance/db2/3306", "/api/instance/db2/3310"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_and_header_auth_are_sent_everywhere() {
    let routes = [("/api/leader-check", 200, r#""OK""#), ("/api/raft-health", 200, r#""healthy""#)];
    let a = FakeApi::start(&routes).await;
    let b = FakeApi::start(&routes).await;
    let api = format!("{} {}", a.url, b.url);
    let run =
        client(&["-c", "raft-health", "-b", "alice:s3cret"], &[("ORCHESTRATOR_API", api.as_str())])
            .await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "healthy\n"), "{run:?}");
    let env = [
        ("ORCHESTRATOR_API", api.as_str()),
        ("ORCHESTRATOR_AUTH_USER", "bob"),
        ("ORCHESTRATOR_AUTH_PASSWORD", "pw"),
        ("ORCHESTRATOR_AUTH_USER_HEADER", "X-Forwarded-User: carol"),
    ];
    let run = client(&["-c", "raft-health"], &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "healthy\n"), "{run:?}");
    let seen = a.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    // base64("alice:s3cret") and base64("bob:pw").
    assert!(
        seen[..2].iter().all(|s| s.authorization.as_deref() == Some("Basic YWxpY2U6czNjcmV0")),
        "{seen:?}"
    );
    assert!(
        seen[2..].iter().all(|s| s.authorization.as_deref() == Some("Basic Ym9iOnB3")),
        "{seen:?}"
    );
    assert!(seen[2..].iter().all(|s| s.forwarded_user.as_deref() == Some("carol")), "{seen:?}");
    assert!(b.seen().iter().all(|s| s.authorization.is_some()), "{:?}", b.seen());

    let denied = FakeApi::start(&[("/api/raft-health", 401, "")]).await;
    let run = client(
        &["-c", "raft-health", "-e", "X-Forwarded-User: mallory"],
        &[("ORCHESTRATOR_API", denied.url.as_str())],
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("401 Unauthorized from "), "{run:?}");
    let run = client(
        &["-c", "raft-health", "-e", "no-colon"],
        &[("ORCHESTRATOR_API", denied.url.as_str())],
    )
    .await;
    assert_eq!(run.code, 2, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raft_elect_leader_goes_to_the_leader_a_follower_names() {
    let leader = FakeApi::start(&[(
        "/api/raft-yield-hint/orc3",
        200,
        r#"{"Code":"OK","Message":"Asynchronously yielded by hint orc3","Details":"orc3"}"#,
    )])
    .await;
    let status =
        format!(r#"{{"State":"Follower","Leader":"10.0.0.1:10008","LeaderURI":"{}"}}"#, leader.url);
    let follower = FakeApi::start(&[
        ("/api/raft-state", 200, r#""Follower""#),
        ("/api/raft-status", 200, status.as_str()),
    ])
    .await;
    let run = client(
        &["-c", "raft-elect-leader", "--hostname", "orc3"],
        &[("ORCHESTRATOR_API", follower.url.as_str())],
    )
    .await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "orc3\n"), "{run:?}");
    assert_eq!(leader.paths(), ["/api/raft-yield-hint/orc3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_are_retried_until_the_api_answers() {
    // Reserve a port, release it, and start the API there only once the client has failed once.
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let mut child =
        command(&["-c", "raft-leader", "--debug"], &[("ORCHESTRATOR_API", url.as_str())])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !log.iter().any(|l: &String| l.contains("retrying in")) {
        let line = tokio::time::timeout_at(deadline, stderr.next_line()).await;
        match line {
            Ok(Ok(Some(line))) => log.push(line),
            other => panic!("no retry announced: {other:?}, log {log:?}"),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let _api = FakeApi::start_on(listener, &[("/api/raft-leader", 200, r#""10.1.1.1:10008""#)]);
    let status =
        tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).await.unwrap();
    while let Ok(Some(line)) = stderr.next_line().await {
        log.push(line);
    }
    assert!(status.success(), "{status:?}: {log:#?}");
    assert_eq!(stdout, "10.1.1.1:10008\n", "{log:#?}");
}
