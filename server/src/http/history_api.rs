//! orchestrator's history and heuristic reads, answered by the node asked from its own store
//! and analysis: `snapshot-topologies` (copies the instances it knows into its
//! `database_instance_topology_history`), `replication-analysis-changelog` (its record of
//! analysis code changes, see `recovery::changelog`) and `cluster-osc-replicas` (the core's
//! `osc_replicas` heuristic over its topology).

use std::time::Instant;

use app::core::osc::osc_replicas;
use app::core::time_fmt::format_utc;
use app::core::InstanceKey;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::instance_json::InstanceJson;
use super::reply::{error, ok};
use super::topology_api::{reply, View};
use crate::error::internal;
use crate::ports::AppState;
use crate::store::history_tables::TopologyRow;

/// The routes (answered locally, never proxied).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/snapshot-topologies", get(snapshot_topologies))
        .route("/api/replication-analysis-changelog", get(changelog))
        .route("/api/cluster-osc-replicas/{hint}", get(osc))
        .route("/api/cluster-osc-slaves/{hint}", get(osc))
}

/// Go's `time.Duration` printing of an elapsed time, as orchestrator's `Took …` shows it.
fn go_duration(elapsed: std::time::Duration) -> String {
    let nanos = elapsed.as_nanos();
    match nanos {
        0 => "0s".to_string(),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}µs", trim(n as f64 / 1e3)),
        n if n < 1_000_000_000 => format!("{}ms", trim(n as f64 / 1e6)),
        n => format!("{}s", trim(n as f64 / 1e9)),
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `GET /api/snapshot-topologies`: this node records a snapshot of every instance it knows
/// (key, master, cluster, version); `Details` says how long it took.
async fn snapshot_topologies(State(node): State<AppState>) -> Response {
    let start = Instant::now();
    let snapshot = node.analysis.get();
    let topology = &snapshot.topology;
    let rows: Vec<TopologyRow> = topology
        .instances()
        .map(|i| TopologyRow {
            key: i.key.clone(),
            master: i.master_key.clone(),
            cluster_name: topology.cluster_of(&i.key).unwrap_or_default().to_string(),
            version: i.version.clone(),
        })
        .collect();
    match node.store.snapshot_topologies(node.clock.now_ms(), &rows).await {
        Ok(_) => {
            ok("Topology Snapshot completed", format!("Took {}", go_duration(start.elapsed())))
        }
        Err(e) => error(internal(e)),
    }
}

/// One instance's changelog, as orchestrator's `ReplicationAnalysisChangelog`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ChangelogJson {
    analyzed_instance_key: KeyJson,
    /// `"<YYYY-MM-DD HH:MM:SS>;<code>,"` per change (UTC), oldest first.
    changelog: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct KeyJson {
    hostname: String,
    port: u16,
}

impl From<InstanceKey> for KeyJson {
    fn from(k: InstanceKey) -> Self {
        KeyJson { hostname: k.hostname, port: k.port }
    }
}

/// `GET /api/replication-analysis-changelog`: every analysis code change this node recorded,
/// by instance.
async fn changelog(State(node): State<AppState>) -> Response {
    reply(node.store.analysis_changelog().await.map_err(internal).map(|rows| {
        rows.into_iter()
            .map(|(key, changes)| ChangelogJson {
                analyzed_instance_key: key.into(),
                changelog: changes
                    .into_iter()
                    .map(|(at_ms, code)| format!("{};{code},", format_utc(at_ms)))
                    .collect(),
            })
            .collect::<Vec<_>>()
    }))
}

/// `GET /api/cluster-osc-replicas/:clusterHint`: the control replicas orchestrator's
/// heuristic picks for an online schema change, as instance JSON.
async fn osc(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    reply(View::load(&node).await.and_then(|v| {
        let name = v.cluster_name(&hint)?;
        let topology = &v.snapshot.topology;
        let keys = osc_replicas(topology, &name, &node.config.analysis.osc_ignore);
        Ok(keys
            .iter()
            .filter_map(|k| topology.instance(k))
            .map(|i| v.json(i))
            .collect::<Vec<InstanceJson>>())
    }))
}

#[cfg(test)]
mod tests {
    use super::go_duration;
    use std::time::Duration;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration(Duration::from_micros(1500)), "1.5ms");
        assert_eq!(go_duration(Duration::from_nanos(800)), "800ns");
        assert_eq!(go_duration(Duration::from_millis(2000)), "2s");
        assert_eq!(go_duration(Duration::from_micros(12)), "12µs");
    }
}
