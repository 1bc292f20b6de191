//! Setup: three real nodes with `URLPrefix` set to `orchestrator/` (normalised to
//! `/orchestrator`, as orchestrator does), the way a team puts orchestrator behind a proxy path.
//! Action: API calls and dashboard pages under the prefix and outside it; a write sent to a
//! follower under the prefix.
//! Expected: every API path and page answers under the prefix only (outside it a JSON 404, the
//! bare prefix redirects to the clusters page, as orchestrator's index does); the follower relays the write to the leader under
//! the prefix and every node stores it; the pages link, load assets and reach other nodes'
//! dashboards under the prefix and tell the browser the prefix.

use std::time::Duration;

use server::testkit::cluster::ClusterSpec;
use server::testkit::wait::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_dashboard_are_served_under_the_prefix() {
    let c = ClusterSpec::sqlite(3).extra(r#""URLPrefix": "orchestrator/""#).start();
    let all = c.all();
    // The kit's probes go through c.url(i), which carries the prefix: electing and finding the
    // leader already uses /orchestrator/api/leader-check.
    let leader = c.wait_for_leader(&all).await;
    let follower = all.iter().copied().find(|i| *i != leader).unwrap();
    assert!(c.url(leader).ends_with("/orchestrator"), "{}", c.url(leader));

    // Outside the prefix: JSON 404, nothing served.
    let outside =
        c.http().get(format!("{}/api/leader-check", c.origin(leader))).send().await.unwrap();
    assert_eq!(outside.status().as_u16(), 404);
    let body: serde_json::Value = outside.json().await.unwrap();
    assert_eq!(body["Code"], "ERROR", "{body}");
    assert!(body["Message"].as_str().unwrap().contains("URLPrefix"), "{body}");
    let page = c.http().get(format!("{}/web/clusters", c.origin(leader))).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 404);

    // The bare prefix redirects to the clusters page under the prefix.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for bare in ["/orchestrator", "/orchestrator/"] {
        let r = no_redirects.get(format!("{}{bare}", c.origin(leader))).send().await.unwrap();
        assert!(r.status().is_redirection(), "{bare}: {}", r.status());
        assert_eq!(r.headers()["location"], "/orchestrator/web/clusters");
    }

    // A write sent to a follower under the prefix reaches the leader and every store.
    let (status, reply) =
        c.json(follower, "/api/begin-downtime/db-prefix/3306/ops/behind-a-proxy/1h").await;
    assert_eq!(status, 200, "{reply}");
    for i in all.clone() {
        wait_until(Duration::from_secs(15), "the downtime on every node", || async {
            c.get(i, "/api/downtimed").await.1.contains(r#""Hostname":"db-prefix""#)
        })
        .await;
    }

    // Dashboard pages: served under the prefix with prefixed links, assets and server calls.
    for path in ["/web/clusters", "/web/raft", "/web/downtimes", "/web/candidates"] {
        let (status, html) = c.get(follower, path).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert!(
            html.contains(r#"<meta name="orchestrator-url-prefix" content="/orchestrator">"#),
            "{path}"
        );
        assert!(
            html.contains(r#"href="/orchestrator/web/raft""#),
            "{path}: nav links carry the prefix"
        );
        assert!(
            html.contains(r#"href="/orchestrator/pkg/orchestrator.css""#),
            "{path}: stylesheet"
        );
        assert!(html.contains(r#"action="/orchestrator/web/search""#), "{path}: search form");
        assert!(!html.contains(r#"href="/web/"#), "{path}: no link outside the prefix");
    }
    let (_, raft_page) = c.get(follower, "/web/raft").await;
    let leader_dashboard = format!(r#"href="{}/web/raft""#, c.url(leader));
    assert!(raft_page.contains(&leader_dashboard), "other nodes' dashboards under the prefix");
    let (_, downtimes) = c.get(leader, "/web/downtimes").await;
    assert!(downtimes.contains("db-prefix"), "the page reads the store");

    // orchestrator-client with ORCHESTRATOR_API under the prefix, as orchestrator documents it.
    let api: Vec<String> = all.iter().map(|i| format!("{}/api", c.url(*i))).collect();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_orchestrator-client"))
        .args(["-c", "raft-leader"])
        .env("ORCHESTRATOR_API", api.join(" "))
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), c.raft_addr(leader));
}
