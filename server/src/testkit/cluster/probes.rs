//! Reading the nodes over HTTP: any path, leader-check, raft-health, raft-status, raft-peers,
//! each node's own analysis and its recovery audit.

use std::time::Duration;

use futures::future::join_all;
use serde_json::Value;

use super::ProcCluster;

impl ProcCluster {
    /// GET on node `i` with a timeout: (status, body); status 0 when it cannot be reached (the
    /// body is then the error).
    pub async fn get_within(&self, i: usize, path: &str, timeout: Duration) -> (u16, String) {
        match self.http.get(format!("{}{path}", self.url(i))).timeout(timeout).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// GET on node `i` (the spec's request timeout, 10 s by default).
    pub async fn get(&self, i: usize, path: &str) -> (u16, String) {
        self.get_within(i, path, self.request_timeout).await
    }

    /// GET parsed as JSON (`Null` when the body is not JSON).
    pub async fn json(&self, i: usize, path: &str) -> (u16, Value) {
        let (status, body) = self.get(i, path).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// Analysis codes node `i`'s own analysis reports (`/api/replication-analysis`), as
    /// (`host:port`, code).
    pub async fn analysis(&self, i: usize) -> Vec<(String, String)> {
        let (_, v) = self.json(i, "/api/replication-analysis").await;
        v["Details"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        let k = &e["AnalyzedInstanceKey"];
                        (
                            format!("{}:{}", k["Hostname"].as_str().unwrap_or(""), k["Port"]),
                            e["Analysis"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Recoveries recorded on node `i` (orchestrator's audit-recovery entries).
    pub async fn recoveries(&self, i: usize) -> Vec<Value> {
        let (_, v) = self.json(i, "/api/audit-recovery").await;
        match v {
            Value::Array(a) => a,
            Value::Object(_) => v["Details"].as_array().cloned().unwrap_or_default(),
            _ => vec![],
        }
    }

    /// The raft addresses `/api/raft-peers` reports on node `i`, sorted.
    pub async fn raft_peers(&self, i: usize) -> Vec<String> {
        let (_, body) = self.json(i, "/api/raft-peers").await;
        let mut peers: Vec<String> = body
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default();
        peers.sort();
        peers
    }

    async fn probe(&self, i: usize, path: &str) -> u16 {
        self.get_within(i, path, self.probe_timeout).await.0
    }

    /// Which of `nodes` answer 200 on `/api/leader-check` (asked concurrently).
    pub async fn leaders(&self, nodes: &[usize]) -> Vec<usize> {
        let answers = join_all(nodes.iter().map(|i| self.probe(*i, "/api/leader-check"))).await;
        nodes.iter().zip(answers).filter(|(_, s)| *s == 200).map(|(i, _)| *i).collect()
    }

    /// The running node answering 200 on `/api/leader-check`, if exactly one does.
    pub async fn leader(&self) -> Option<usize> {
        let leaders = self.leaders(&self.running()).await;
        (leaders.len() == 1).then(|| leaders[0])
    }

    /// Whether node `i` answers 200 on `/api/raft-health` (a leader with quorum, or a follower
    /// of a known leader).
    pub async fn healthy(&self, i: usize) -> bool {
        self.probe(i, "/api/raft-health").await == 200
    }

    /// Whether every one of `nodes` is healthy (asked concurrently).
    pub async fn all_healthy(&self, nodes: &[usize]) -> bool {
        join_all(nodes.iter().map(|i| self.healthy(*i))).await.into_iter().all(|h| h)
    }

    /// Node `i`'s `/api/raft-status`, if it answers 200 with JSON.
    pub async fn raft_status(&self, i: usize) -> Option<Value> {
        let (status, body) = self.get_within(i, "/api/raft-status", self.probe_timeout).await;
        (status == 200).then(|| serde_json::from_str(&body).ok()).flatten()
    }

    /// Node `i`'s `ReplicatedDigest`.
    pub async fn digest(&self, i: usize) -> Option<String> {
        self.raft_status(i).await?.get("ReplicatedDigest")?.as_str().map(String::from)
    }

    /// Node `i`'s `AppliedIndex`.
    pub async fn applied_index(&self, i: usize) -> Option<u64> {
        self.raft_status(i).await?.get("AppliedIndex")?.as_u64()
    }

    /// The highest raft term any node reports.
    pub async fn max_term(&self) -> u64 {
        let statuses = join_all(self.all().into_iter().map(|i| self.raft_status(i))).await;
        statuses.iter().flatten().filter_map(|v| v["Term"].as_u64()).max().unwrap_or(0)
    }
}
