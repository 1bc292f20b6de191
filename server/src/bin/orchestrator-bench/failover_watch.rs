//! What the failover benchmark watches: every node's view of the star (healthy before a kill)
//! and the servers themselves (`read_only`, `SHOW SLAVE STATUS`), over connections it keeps.

use std::time::{Duration, Instant};

use server::testkit::cluster::ProcCluster;
use server::testkit::mariadb;
use sqlx::mysql::MySqlConnection;

use crate::error::{chain, BenchError, Result};
use crate::orc_api::{flag, get_json, key_port, list, text};

/// How long the star may take to look healthy on every node.
const HEALTHY_DEADLINE: Duration = Duration::from_secs(60);

/// Until every node sees every server valid, the master a master, every replica replicating
/// from it, and nothing actionable in its analysis.
pub async fn wait_healthy(
    cluster: &ProcCluster,
    client: &reqwest::Client,
    mport: u16,
    replicas: &[u16],
) -> Result<()> {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        let mut ok = true;
        for i in cluster.running() {
            match healthy_on(client, &cluster.url(i), mport, replicas).await {
                Ok(None) => {}
                Ok(Some(why)) => {
                    last = format!("node {i}: {why}");
                    ok = false;
                    break;
                }
                Err(e) => {
                    last = format!("node {i}: {}", chain(&e));
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return Ok(());
        }
        if start.elapsed() > HEALTHY_DEADLINE {
            return Err(BenchError::NotHealthy { after: HEALTHY_DEADLINE, last });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn healthy_on(
    client: &reqwest::Client,
    url: &str,
    mport: u16,
    replicas: &[u16],
) -> Result<Option<String>> {
    let all = list(&get_json(client, &format!("{url}/api/all-instances")).await?);
    let find = |port: u16| all.iter().find(|i| key_port(i.get("Key")) == Some(port));
    let Some(m) = find(mport) else { return Ok(Some(format!("master {mport} unknown"))) };
    if !flag(m, "IsLastCheckValid") {
        return Ok(Some(format!("master {mport} not valid")));
    }
    for p in replicas {
        let Some(r) = find(*p) else { return Ok(Some(format!("replica {p} unknown"))) };
        if !flag(r, "IsLastCheckValid")
            || key_port(r.get("MasterKey")) != Some(mport)
            || !flag(r, "Slave_IO_Running")
            || !flag(r, "Slave_SQL_Running")
        {
            return Ok(Some(format!("replica {p} not yet seen replicating from {mport}")));
        }
    }
    let analysis = list(&get_json(client, &format!("{url}/api/replication-analysis")).await?);
    let ports: Vec<u16> = std::iter::once(mport).chain(replicas.iter().copied()).collect();
    for a in analysis {
        let code = text(&a, "Analysis");
        if key_port(a.get("AnalyzedInstanceKey")).is_some_and(|p| ports.contains(&p))
            && code != "NoProblem"
            && !code.is_empty()
        {
            return Ok(Some(format!(
                "analysis {code} on {:?}",
                key_port(a.get("AnalyzedInstanceKey"))
            )));
        }
    }
    Ok(None)
}

/// A scalar from the server on `port`, reconnecting when the connection broke.
pub async fn poll_scalar(
    port: u16,
    conn: &mut Option<MySqlConnection>,
    sql: &str,
) -> Option<String> {
    if conn.is_none() {
        *conn = mariadb::connect("127.0.0.1", port).await.ok();
    }
    let c = conn.as_mut()?;
    match mariadb::scalar(c, sql).await {
        Ok(v) => v,
        Err(_) => {
            *conn = None;
            None
        }
    }
}

/// `SHOW SLAVE STATUS` of the server on `port`, reconnecting when the connection broke.
pub async fn poll_status(
    port: u16,
    conn: &mut Option<MySqlConnection>,
) -> std::collections::HashMap<String, String> {
    if conn.is_none() {
        *conn = mariadb::connect("127.0.0.1", port).await.ok();
    }
    let Some(c) = conn.as_mut() else { return Default::default() };
    match mariadb::slave_status(c).await {
        Ok(s) => s,
        Err(_) => {
            *conn = None;
            Default::default()
        }
    }
}
