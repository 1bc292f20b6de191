//! The read side of orchestrator's topology API: clusters, instances, masters, the ASCII
//! topology, search, problems and replication analysis, with orchestrator's paths and JSON shapes
//! (see `instance_json` and `analysis_json`).
//!
//! Every read is served locally from this node's latest analysis snapshot (its own probes,
//! rebuilt every second) and its replicated store (downtimes, tags); nothing is proxied to the leader,
//! so two nodes may briefly disagree. Errors: a malformed host or port is a 400, an unknown
//! instance or cluster a 404, both as `{Code: "ERROR", Message, Details: null}`.
//! Audit and recovery reads live in `audit_api`, merged in by [`routes`].

use std::sync::Arc;

use std::collections::HashMap;

use app::api::ApiError;
use app::core::topology_ascii::AsciiOptions;
use app::core::{ClusterInfo, Downtime, Instance, InstanceKey};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::analysis_json::{cluster_info_json, AnalysisJson, ClusterInfoJson};
use super::audit_api;
use super::instance_json::{instance_json, is_problem, InstanceJson, ReadContext};
use super::reply::{error, json_with, ok};
use crate::analysis_state::AnalysisSnapshot;
use crate::error::internal;
use crate::ports::AppState;
use app::core::host_filter::HostnameFilters;

/// The topology read routes (and the audit ones), to merge into the local (never proxied) router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/clusters", get(clusters))
        .route("/api/clusters-info", get(clusters_info))
        .route("/api/cluster/{hint}", get(cluster))
        .route("/api/cluster/alias/{alias}", get(cluster_by_alias))
        .route("/api/cluster/instance/{host}/{port}", get(cluster_by_instance))
        .route("/api/cluster-info/{hint}", get(cluster_info))
        .route("/api/cluster-info/alias/{alias}", get(cluster_info_by_alias))
        .route("/api/instance/{host}/{port}", get(instance))
        .route("/api/instance-replicas/{host}/{port}", get(instance_replicas))
        .route("/api/all-instances", get(all_instances))
        .route("/api/master/{hint}", get(master))
        .route("/api/masters", get(masters))
        .route(
            "/api/topology/{hint}",
            get(|s: State<AppState>, p: Path<String>| topology(s, p, PLAIN)),
        )
        .route(
            "/api/topology/{host}/{port}",
            get(|s: State<AppState>, p: KeyPath| topology_of_instance(s, p, PLAIN)),
        )
        .route(
            "/api/topology-tabulated/{hint}",
            get(|s: State<AppState>, p: Path<String>| topology(s, p, TABULATED)),
        )
        .route(
            "/api/topology-tabulated/{host}/{port}",
            get(|s: State<AppState>, p: KeyPath| topology_of_instance(s, p, TABULATED)),
        )
        .route(
            "/api/topology-tags/{hint}",
            get(|s: State<AppState>, p: Path<String>| topology(s, p, TAGS)),
        )
        .route(
            "/api/topology-tags/{host}/{port}",
            get(|s: State<AppState>, p: KeyPath| topology_of_instance(s, p, TAGS)),
        )
        .route("/api/search", get(search_query))
        .route("/api/search/{text}", get(search_path))
        .route("/api/problems", get(problems))
        .route("/api/problems/{hint}", get(problems_of_cluster))
        .route("/api/replication-analysis", get(analysis))
        .route("/api/replication-analysis/{hint}", get(analysis_of_cluster))
        .route("/api/replication-analysis/instance/{host}/{port}", get(analysis_of_instance))
        .merge(audit_api::routes())
}

/// One consistent read: the latest snapshot, the downtimes in force, the clock.
pub(super) struct View {
    /// The analysis snapshot (topology, analyses, aliases).
    pub snapshot: Arc<AnalysisSnapshot>,
    /// Downtimes in force at `now_ms`.
    pub downtimes: Vec<Downtime>,
    /// When the read happens (unix ms).
    pub now_ms: i64,
    poll_seconds: i64,
    reasonable_lag_seconds: i64,
    default_port: u16,
    problem_ignore: HostnameFilters,
    /// Clusters whose automated recovery is disabled (`disable-cluster-recovery`).
    pub disabled_clusters: Vec<String>,
}

impl View {
    /// Reads the snapshot and the active downtimes of `node`.
    pub async fn load(node: &AppState) -> Result<View, ApiError> {
        let now_ms = node.clock.now_ms();
        let downtimes = node.store.active_downtimes(now_ms).await.map_err(internal)?;
        let poll_seconds =
            i64::try_from(node.config.discovery.instance_poll.as_secs().max(1)).unwrap_or(i64::MAX);
        Ok(View {
            snapshot: node.analysis.get(),
            downtimes,
            now_ms,
            poll_seconds,
            reasonable_lag_seconds: node.config.analysis.config.reasonable_replication_lag_seconds,
            default_port: node.config.discovery.default_port,
            problem_ignore: node.config.analysis.problem_ignore.clone(),
            disabled_clusters: node.store.disabled_clusters().await.map_err(internal)?,
        })
    }

    fn ctx(&self) -> ReadContext<'_> {
        ReadContext {
            now_ms: self.now_ms,
            poll_seconds: self.poll_seconds,
            reasonable_lag_seconds: self.reasonable_lag_seconds,
            downtimes: &self.downtimes,
        }
    }

    /// orchestrator's JSON of `instance` (which may be fresher than the snapshot), placed in
    /// the snapshot's topology.
    pub fn json(&self, instance: &Instance) -> InstanceJson {
        instance_json(&self.snapshot.topology, instance, &self.ctx())
    }

    fn jsons<'a>(&self, instances: impl Iterator<Item = &'a Instance>) -> Vec<InstanceJson> {
        instances.map(|i| self.json(i)).collect()
    }

    /// The cluster a hint names (name, alias, member `host:port`, or member host on
    /// `DefaultInstancePort`).
    pub fn cluster_name(&self, hint: &str) -> Result<String, ApiError> {
        let snapshot = &self.snapshot;
        snapshot
            .resolve_cluster(hint)
            .or_else(|| {
                (!hint.contains(':'))
                    .then(|| {
                        let port = self.default_port;
                        snapshot.resolve_cluster(&format!("{hint}:{port}"))
                    })
                    .flatten()
            })
            .ok_or_else(|| {
                ApiError::NotFound(format!("Unable to determine cluster name. clusterHint={hint}"))
            })
    }

    fn cluster_by_alias(&self, alias: &str) -> Result<String, ApiError> {
        let snapshot = &self.snapshot;
        snapshot
            .topology
            .clusters()
            .into_iter()
            .map(|c| c.name)
            .find(|name| snapshot.alias(name) == alias)
            .ok_or_else(|| {
                ApiError::NotFound(format!("Unable to determine cluster name by alias {alias}"))
            })
    }

    fn cluster_of_key(&self, key: &InstanceKey) -> Result<String, ApiError> {
        self.snapshot.topology.cluster_of(key).map(String::from).ok_or_else(|| {
            ApiError::NotFound(format!("Unable to determine cluster name of instance {key}"))
        })
    }

    fn cluster(&self, name: &str) -> Result<ClusterInfo, ApiError> {
        self.snapshot
            .topology
            .cluster(name)
            .ok_or_else(|| ApiError::NotFound(format!("Cluster not found: {name}")))
    }

    fn members(&self, name: &str) -> Vec<InstanceJson> {
        let topology = &self.snapshot.topology;
        self.jsons(topology.instances().filter(|i| topology.cluster_of(&i.key) == Some(name)))
    }

    /// Masters of a cluster as orchestrator's `ReadClusterMaster`: depth 0 or co-master,
    /// writable ones first.
    fn masters_of(&self, name: &str) -> Vec<&Instance> {
        let topology = &self.snapshot.topology;
        let mut masters: Vec<&Instance> = topology
            .instances()
            .filter(|i| topology.cluster_of(&i.key) == Some(name))
            .filter(|i| topology.depth_of(&i.key) == Some(0) || topology.is_co_master(&i.key))
            .collect();
        masters.sort_by_key(|i| (i.read_only, i.key.clone()));
        masters
    }
}

/// The `/:host/:port` path parameters.
pub(super) type KeyPath = Path<(String, String)>;

/// `/:host/:port` parsed, or a 400.
pub(super) fn parse_key(host: &str, port: &str) -> Result<InstanceKey, ApiError> {
    Ok(InstanceKey::parse(host, port)?)
}

/// 200 with the value as bare JSON, or the error's envelope and status.
pub(super) fn reply<T: Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => json_with(StatusCode::OK, value),
        Err(e) => error(e),
    }
}

/// The ClusterInfo JSON of cluster `name`.
pub(super) fn info(node: &AppState, view: &View, cluster: &ClusterInfo) -> ClusterInfoJson {
    let mut json = cluster_info_json(&view.snapshot, cluster, &node.config.recovery());
    let disabled =
        view.disabled_clusters.iter().any(|c| *c == json.cluster_name || *c == json.cluster_alias);
    if disabled {
        json.has_automated_master_recovery = false;
        json.has_automated_intermediate_master_recovery = false;
    }
    json.cluster_recovery_disabled = disabled;
    json
}

/// `GET /api/clusters`: cluster names.
async fn clusters(State(node): State<AppState>) -> Response {
    reply(
        View::load(&node).await.map(|v| {
            v.snapshot.topology.clusters().into_iter().map(|c| c.name).collect::<Vec<_>>()
        }),
    )
}

/// `GET /api/clusters-info`: ClusterInfo of every cluster.
async fn clusters_info(State(node): State<AppState>) -> Response {
    reply(View::load(&node).await.map(|v| {
        v.snapshot.topology.clusters().iter().map(|c| info(&node, &v, c)).collect::<Vec<_>>()
    }))
}

/// `GET /api/cluster/:clusterHint`: the cluster's instances.
async fn cluster(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    reply(View::load(&node).await.and_then(|v| Ok(v.members(&v.cluster_name(&hint)?))))
}

/// `GET /api/cluster/alias/:alias`.
async fn cluster_by_alias(State(node): State<AppState>, Path(alias): Path<String>) -> Response {
    reply(View::load(&node).await.and_then(|v| Ok(v.members(&v.cluster_by_alias(&alias)?))))
}

/// `GET /api/cluster/instance/:host/:port`.
async fn cluster_by_instance(
    State(node): State<AppState>,
    Path((host, port)): KeyPath,
) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    reply(View::load(&node).await.and_then(|v| Ok(v.members(&v.cluster_of_key(&key)?))))
}

/// `GET /api/cluster-info/:clusterHint`.
async fn cluster_info(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    reply(
        View::load(&node)
            .await
            .and_then(|v| Ok(info(&node, &v, &v.cluster(&v.cluster_name(&hint)?)?))),
    )
}

/// `GET /api/cluster-info/alias/:alias`.
async fn cluster_info_by_alias(
    State(node): State<AppState>,
    Path(alias): Path<String>,
) -> Response {
    reply(
        View::load(&node)
            .await
            .and_then(|v| Ok(info(&node, &v, &v.cluster(&v.cluster_by_alias(&alias)?)?))),
    )
}

/// `GET /api/instance/:host/:port`: one instance, 404 when this node does not know it.
async fn instance(State(node): State<AppState>, Path((host, port)): KeyPath) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    reply(View::load(&node).await.and_then(|v| {
        v.snapshot
            .topology
            .instance(&key)
            .map(|i| v.json(i))
            .ok_or_else(|| ApiError::NotFound(format!("Cannot read instance: {key}")))
    }))
}

/// `GET /api/instance-replicas/:host/:port`: instances replicating from it (empty if unknown).
async fn instance_replicas(State(node): State<AppState>, Path((host, port)): KeyPath) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    reply(View::load(&node).await.map(|v| {
        let topology = &v.snapshot.topology;
        v.jsons(topology.replicas_of(&key).iter().filter_map(|k| topology.instance(k)))
    }))
}

/// `GET /api/all-instances`.
async fn all_instances(State(node): State<AppState>) -> Response {
    reply(View::load(&node).await.map(|v| v.jsons(v.snapshot.topology.instances())))
}

/// `GET /api/master/:clusterHint`: the cluster's master (writable co-master first).
async fn master(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    reply(View::load(&node).await.and_then(|v| {
        let name = v.cluster_name(&hint)?;
        let masters = v.masters_of(&name);
        let first = masters
            .first()
            .ok_or_else(|| ApiError::NotFound(format!("No masters found for cluster {name}")))?;
        Ok(v.json(first))
    }))
}

/// `GET /api/masters`: the writable master(s) of every cluster.
async fn masters(State(node): State<AppState>) -> Response {
    reply(View::load(&node).await.map(|v| {
        let names: Vec<String> =
            v.snapshot.topology.clusters().into_iter().map(|c| c.name).collect();
        let writable: Vec<&Instance> =
            names.iter().flat_map(|n| v.masters_of(n)).filter(|i| !i.read_only).collect();
        v.jsons(writable.into_iter())
    }))
}

/// Which ASCII tree a topology route prints.
#[derive(Clone, Copy)]
struct AsciiKind {
    tabulated: bool,
    tags: bool,
}

/// `topology`.
const PLAIN: AsciiKind = AsciiKind { tabulated: false, tags: false };
/// `topology-tabulated`.
const TABULATED: AsciiKind = AsciiKind { tabulated: true, tags: false };
/// `topology-tags`: the plain tree with each instance's tags (read from this node's store).
const TAGS: AsciiKind = AsciiKind { tabulated: false, tags: true };

async fn ascii(node: &AppState, view: &View, name: &str, kind: AsciiKind) -> Response {
    let options = AsciiOptions {
        instance_poll_seconds: view.poll_seconds,
        reasonable_maintenance_replication_lag_seconds: i64::try_from(
            node.config.recovery().maintenance_lag.as_secs(),
        )
        .unwrap_or(i64::MAX),
        tabulated: kind.tabulated,
    };
    let tags = if kind.tags {
        match node.store.all_tags().await {
            Ok(tags) => Some(tags),
            Err(e) => return error(internal(e)),
        }
    } else {
        None
    };
    let topology = &view.snapshot.topology;
    match topology.render_ascii_tagged(
        name,
        &view.downtimes,
        view.now_ms,
        &options,
        tags.as_deref(),
    ) {
        Some(text) => ok(format!("Topology for cluster {name}"), text),
        None => error(ApiError::NotFound(format!("Cluster not found: {name}"))),
    }
}

/// `GET /api/topology/:clusterHint` (and `-tabulated`, `-tags`): the ASCII tree in `Details`.
async fn topology(
    State(node): State<AppState>,
    Path(hint): Path<String>,
    kind: AsciiKind,
) -> Response {
    match View::load(&node).await.and_then(|v| v.cluster_name(&hint).map(|name| (v, name))) {
        Ok((v, name)) => ascii(&node, &v, &name, kind).await,
        Err(e) => error(e),
    }
}

/// `GET /api/topology/:host/:port` (and `-tabulated`, `-tags`): the tree of the instance's
/// cluster.
async fn topology_of_instance(
    State(node): State<AppState>,
    Path((host, port)): KeyPath,
    kind: AsciiKind,
) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    match View::load(&node).await.and_then(|v| v.cluster_of_key(&key).map(|name| (v, name))) {
        Ok((v, name)) => ascii(&node, &v, &name, kind).await,
        Err(e) => error(e),
    }
}

/// Instances whose key, alias, cluster (name or alias), version or version comment contains
/// `text` (case-insensitively), or whose server id, port or uuid is `text`; all of them for an
/// empty text. Surrounding whitespace is ignored, as orchestrator trims it (its client sends
/// the term with a trailing newline, `s=db1%0A`).
fn search(view: &View, text: &str) -> Vec<InstanceJson> {
    let text = text.trim();
    let needle = text.to_ascii_lowercase();
    let contains = |hay: &str| hay.to_ascii_lowercase().contains(&needle);
    let topology = &view.snapshot.topology;
    view.jsons(topology.instances().filter(|i| {
        let cluster = topology.cluster_of(&i.key).unwrap_or_default();
        contains(&i.key.to_string())
            || contains(&i.instance_alias)
            || contains(cluster)
            || contains(&view.snapshot.alias(cluster))
            || contains(&i.version)
            || contains(&i.version_comment)
            || i.server_id.to_string() == text
            || i.key.port.to_string() == text
            || (!i.server_uuid.is_empty() && i.server_uuid == text)
    }))
}

/// `GET /api/search?s=`.
async fn search_query(
    State(node): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let text = query.get("s").cloned().unwrap_or_default();
    reply(View::load(&node).await.map(|v| search(&v, &text)))
}

/// `GET /api/search/:searchString`.
async fn search_path(State(node): State<AppState>, Path(text): Path<String>) -> Response {
    reply(View::load(&node).await.map(|v| search(&v, &text)))
}

fn problem_instances(view: &View, cluster: Option<&str>) -> Vec<InstanceJson> {
    let topology = &view.snapshot.topology;
    let ctx = view.ctx();
    view.jsons(
        topology
            .instances()
            .filter(|i| cluster.is_none_or(|c| topology.cluster_of(&i.key) == Some(c)))
            .filter(|i| is_problem(i, &ctx))
            .filter(|i| !view.problem_ignore.matches(&i.key)),
    )
}

/// `GET /api/problems`: instances with problems (orchestrator's `ReadProblemInstances`).
async fn problems(State(node): State<AppState>) -> Response {
    reply(View::load(&node).await.map(|v| problem_instances(&v, None)))
}

/// `GET /api/problems/:clusterName`.
async fn problems_of_cluster(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    reply(
        View::load(&node)
            .await
            .and_then(|v| Ok(problem_instances(&v, Some(&v.cluster_name(&hint)?)))),
    )
}

fn analysis_reply(
    node: &AppState,
    view: &View,
    keep: impl Fn(&app::core::ReplicationAnalysis) -> bool,
) -> Response {
    let snapshot = &view.snapshot;
    let host = node.config.raft.advertise.host().to_string();
    let entries: Vec<AnalysisJson> = snapshot
        .analyses
        .iter()
        .filter(|a| keep(a))
        .map(|a| {
            let details = snapshot
                .topology
                .cluster(&a.cluster_name)
                .map(|c| info(node, view, &c))
                .unwrap_or_else(|| ClusterInfoJson {
                    cluster_name: a.cluster_name.clone(),
                    cluster_alias: a.cluster_alias.clone(),
                    ..Default::default()
                });
            AnalysisJson::from_analysis(a, &snapshot.topology, details, &host, view.now_ms)
        })
        .collect();
    ok("Analysis", entries)
}

/// `GET /api/replication-analysis`: every current analysis (downtimed ones included).
async fn analysis(State(node): State<AppState>) -> Response {
    match View::load(&node).await {
        Ok(v) => analysis_reply(&node, &v, |_| true),
        Err(e) => error(e),
    }
}

/// `GET /api/replication-analysis/:clusterName` (a cluster hint).
async fn analysis_of_cluster(State(node): State<AppState>, Path(hint): Path<String>) -> Response {
    match View::load(&node).await.and_then(|v| v.cluster_name(&hint).map(|n| (v, n))) {
        Ok((v, name)) => analysis_reply(&node, &v, |a| a.cluster_name == name),
        Err(e) => error(e),
    }
}

/// `GET /api/replication-analysis/instance/:host/:port`.
async fn analysis_of_instance(
    State(node): State<AppState>,
    Path((host, port)): KeyPath,
) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    match View::load(&node).await {
        Ok(v) => analysis_reply(&node, &v, |a| a.analyzed_instance_key == key),
        Err(e) => error(e),
    }
}
