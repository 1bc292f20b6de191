//! Topology views from this node's latest analysis pass (its own observations) plus the
//! replicated downtimes, registrations and recoveries in its store: the clusters overview, one
//! cluster's tree and one instance's details.

use std::collections::{BTreeSet, HashMap};

use app::api::clusters::{ClusterCardView, ClustersView};
use app::api::instance::InstanceDetailView;
use app::api::topology::{DowntimeBadge, InstanceBoxView, TopologyNodeView, TopologyView};
use app::api::ApiError;
use app::core::instance::{Flavor, UsingGtid};
use app::core::problems::{analysis_problems, instance_problems, worst_severity};
use app::core::{Instance, InstanceKey, ProblemContext, ReplicationAnalysis, Severity, Topology};

use crate::analysis_state::AnalysisSnapshot;
use crate::error::internal;
use crate::ports::AppState;

/// What the boxes show besides the snapshot: replicated facts keyed by `host:port`, and the
/// clock and thresholds problems are judged with.
pub(super) struct Marks {
    downtimes: HashMap<String, DowntimeBadge>,
    rules: HashMap<String, String>,
    pub(super) problems: ProblemContext,
}

pub(super) async fn marks(node: &AppState) -> Result<Marks, ApiError> {
    let now = node.clock.now_ms();
    let downtimes = node.store.active_downtimes(now).await.map_err(internal)?;
    let candidates = node.store.active_candidates(now).await.map_err(internal)?;
    let config = node.config.analysis.config.clone();
    Ok(Marks {
        downtimes: downtimes
            .into_iter()
            .map(|d| {
                let badge =
                    DowntimeBadge { owner: d.owner, reason: d.reason, ends_at_ms: d.ends_at_ms };
                (d.key.to_string(), badge)
            })
            .collect(),
        rules: candidates
            .into_iter()
            .map(|c| (c.key.to_string(), c.promotion_rule.to_string()))
            .collect(),
        problems: ProblemContext::new(now, &config),
    })
}

/// Severity used to pick a cluster's worst analysis (none when it names no problem).
fn severity(a: &ReplicationAnalysis) -> Option<Severity> {
    worst_severity(&analysis_problems(a))
}

fn gtid_words(i: &Instance) -> String {
    match i.using_gtid {
        UsingGtid::SlavePos => "slave_pos".into(),
        UsingGtid::CurrentPos => "current_pos".into(),
        UsingGtid::AutoPosition => "auto-position".into(),
        UsingGtid::No if i.master_key.is_some() => "off".into(),
        UsingGtid::No => match i.flavor {
            Flavor::MySQL if !i.gtid_mode.is_empty() => i.gtid_mode.to_lowercase(),
            Flavor::MariaDB if !i.executed_gtid_set.is_empty() => "mariadb".into(),
            _ => "off".into(),
        },
    }
}

pub(super) fn instance_box(
    topology: &Topology,
    analyses: &HashMap<&InstanceKey, &ReplicationAnalysis>,
    marks: &Marks,
    i: &Instance,
) -> InstanceBoxView {
    let key = i.key.to_string();
    let analysis = analyses.get(&i.key);
    let problems = instance_problems(i, analysis.copied(), &marks.problems);
    let is_replica = i.master_key.is_some();
    InstanceBoxView {
        master_key: i.master_key.as_ref().map(|k| k.to_string()),
        version: i.version.clone(),
        read_only: i.read_only,
        lag_seconds: if is_replica {
            i.replication_lag_seconds.or(i.seconds_behind_master)
        } else {
            None
        },
        gtid: gtid_words(i),
        is_replica,
        io_thread: format!("{:?}", i.slave_io_running),
        sql_thread: format!("{:?}", i.slave_sql_running),
        last_check_valid: i.is_last_check_valid,
        problems,
        actionable: analysis.is_some_and(|a| a.analysis.is_actionable()),
        downtime: marks.downtimes.get(&key).cloned(),
        promotion_rule: marks.rules.get(&key).cloned(),
        data_center: i.data_center.clone(),
        is_co_master: i.is_co_master,
        replica_count: topology.replicas_of(&i.key).len(),
        key,
    }
}

pub(super) fn analyses_by_key(
    snapshot: &AnalysisSnapshot,
) -> HashMap<&InstanceKey, &ReplicationAnalysis> {
    snapshot.analyses.iter().map(|a| (&a.analyzed_instance_key, a)).collect()
}

/// Active (unresolved) recovery uid and unacknowledged count per cluster name or alias.
async fn recovery_marks(
    node: &AppState,
) -> Result<Vec<(String, String, Option<String>, bool)>, ApiError> {
    let recoveries = node.store.all_recoveries().await.map_err(internal)?;
    Ok(recoveries
        .into_iter()
        .map(|r| {
            let active = r.resolution.is_none().then(|| r.record.uid.clone());
            (r.record.cluster_name, r.record.cluster_alias, active, r.ack.is_none())
        })
        .collect())
}

/// The clusters overview.
pub async fn clusters(node: &AppState) -> Result<ClustersView, ApiError> {
    let snapshot = node.analysis.get();
    let marks = marks(node).await?;
    let recoveries = recovery_marks(node).await?;
    let disabled = node.store.global_recoveries_disabled().await.map_err(internal)?;
    let mut by_cluster: HashMap<&str, Vec<&ReplicationAnalysis>> = HashMap::new();
    for a in &snapshot.analyses {
        by_cluster.entry(a.cluster_name.as_str()).or_default().push(a);
    }
    let topology = &snapshot.topology;
    let by_key = analyses_by_key(&snapshot);
    let mut cards: Vec<ClusterCardView> = topology
        .clusters()
        .into_iter()
        .map(|c| {
            let alias = snapshot.alias(&c.name);
            let analyses = by_cluster.get(c.name.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            let worst =
                analyses.iter().filter(|a| severity(a).is_some()).max_by_key(|a| severity(a));
            let problem_count = c
                .members
                .iter()
                .filter_map(|k| topology.instance(k))
                .filter(|i| {
                    let analysis = by_key.get(&i.key).copied();
                    !instance_problems(i, analysis, &marks.problems).is_empty()
                })
                .count();
            let member_keys: Vec<String> = c.members.iter().map(|k| k.to_string()).collect();
            let ours = |name: &str, a: &str| name == c.name || (!alias.is_empty() && a == alias);
            ClusterCardView {
                instance_count: c.members.len(),
                master: c.master.as_ref().map(|k| k.to_string()),
                worst_analysis: worst
                    .and_then(|a| analysis_problems(a).first().map(|p| p.to_string())),
                worst_is_actionable: worst.is_some_and(|a| a.analysis.is_actionable()),
                problem_count,
                downtimed_count: member_keys
                    .iter()
                    .filter(|k| marks.downtimes.contains_key(*k))
                    .count(),
                max_lag_seconds: c
                    .members
                    .iter()
                    .filter_map(|k| topology.instance(k))
                    .filter(|i| i.master_key.is_some())
                    .filter_map(|i| i.replication_lag_seconds.or(i.seconds_behind_master))
                    .max(),
                automated_recovery: node.config.recovery().master_filters.matches(&c.name, &alias),
                active_recovery: recoveries
                    .iter()
                    .filter(|r| ours(&r.0, &r.1))
                    .find_map(|r| r.2.clone()),
                unacknowledged_recoveries: recoveries
                    .iter()
                    .filter(|r| ours(&r.0, &r.1) && r.3)
                    .count(),
                name: c.name,
                alias,
            }
        })
        .collect();
    cards.sort_by(|a, b| a.alias.cmp(&b.alias).then_with(|| a.name.cmp(&b.name)));
    Ok(ClustersView {
        instance_count: topology.len(),
        clusters: cards,
        global_recoveries_enabled: !disabled,
    })
}

/// Depth-first tree of one cluster from its master; loops and orphans become extra roots.
fn tree(
    topology: &Topology,
    analyses: &HashMap<&InstanceKey, &ReplicationAnalysis>,
    marks: &Marks,
    members: &[InstanceKey],
    master: Option<&InstanceKey>,
) -> (Vec<TopologyNodeView>, Vec<u32>) {
    let mut nodes: Vec<TopologyNodeView> = Vec::with_capacity(members.len());
    let mut seen: BTreeSet<InstanceKey> = BTreeSet::new();
    let mut roots = Vec::new();
    let starts = master.into_iter().chain(members.iter());
    for start in starts {
        if seen.contains(start) || topology.instance(start).is_none() {
            continue;
        }
        roots.push(visit(topology, analyses, marks, start, &mut nodes, &mut seen));
    }
    (nodes, roots)
}

fn visit(
    topology: &Topology,
    analyses: &HashMap<&InstanceKey, &ReplicationAnalysis>,
    marks: &Marks,
    key: &InstanceKey,
    nodes: &mut Vec<TopologyNodeView>,
    seen: &mut BTreeSet<InstanceKey>,
) -> u32 {
    seen.insert(key.clone());
    let index = nodes.len();
    let instance = match topology.instance(key) {
        Some(i) => instance_box(topology, analyses, marks, i),
        None => instance_box(topology, analyses, marks, &Instance::new(key.clone())),
    };
    nodes.push(TopologyNodeView { instance, children: Vec::new() });
    let mut children = Vec::new();
    for replica in topology.replicas_of(key) {
        if !seen.contains(replica) && topology.instance(replica).is_some() {
            children.push(visit(topology, analyses, marks, replica, nodes, seen));
        }
    }
    nodes[index].children = children;
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// The cluster named `hint`, else the one aliased `hint`, else the one holding instance `hint`.
/// Several clusters can share an alias after a failover (the dead master, alone, keeps the alias
/// it had): the one whose master answers, then the largest, wins, so a page addressed by alias
/// follows the cluster to its new master.
fn resolve(snapshot: &AnalysisSnapshot, hint: &str) -> Option<app::core::ClusterInfo> {
    let topology = &snapshot.topology;
    if let Some(c) = topology.cluster(hint) {
        return Some(c);
    }
    let by_alias =
        topology.clusters().into_iter().filter(|c| snapshot.alias(&c.name) == hint).max_by_key(
            |c| {
                let valid = c
                    .master
                    .as_ref()
                    .and_then(|m| topology.instance(m))
                    .is_some_and(|m| m.is_last_check_valid);
                (valid, c.members.len(), std::cmp::Reverse(c.name.clone()))
            },
        );
    by_alias.or_else(|| snapshot.resolve_cluster(hint).and_then(|name| topology.cluster(&name)))
}

/// The tree of the cluster named (or aliased) `hint`.
pub async fn topology(node: &AppState, hint: &str) -> Result<TopologyView, ApiError> {
    let snapshot = node.analysis.get();
    let cluster = resolve(&snapshot, hint)
        .ok_or_else(|| ApiError::NotFound(format!("cluster {hint:?} is not known to this node")))?;
    let name = cluster.name.clone();
    let marks = marks(node).await?;
    let analyses = analyses_by_key(&snapshot);
    let (nodes, roots) =
        tree(&snapshot.topology, &analyses, &marks, &cluster.members, cluster.master.as_ref());
    let alias = snapshot.alias(&name);
    let recoveries = recovery_marks(node).await?;
    let disabled = node.store.disabled_clusters().await.map_err(internal)?;
    let recovery_disabled = disabled.iter().any(|c| *c == name || *c == alias);
    let promotion_plan = crate::analysis_state::cluster_plan(&snapshot, &node.config, &name);
    Ok(TopologyView {
        master: cluster.master.map(|k| k.to_string()),
        nodes,
        roots,
        automated_recovery: !recovery_disabled
            && node.config.recovery().master_filters.matches(&name, &alias),
        recovery_disabled,
        promotion_plan,
        active_recovery: recoveries
            .iter()
            .filter(|r| r.0 == name || r.1 == alias)
            .find_map(|r| r.2.clone()),
        name,
        alias,
    })
}

fn coordinates(c: &Option<app::core::binlog::BinlogCoordinates>) -> Option<String> {
    c.as_ref().map(|c| format!("{}:{}", c.file, c.pos))
}

/// One instance's details.
pub async fn instance(node: &AppState, key: &InstanceKey) -> Result<InstanceDetailView, ApiError> {
    let snapshot = node.analysis.get();
    let topology = &snapshot.topology;
    let i = topology
        .instance(key)
        .ok_or_else(|| ApiError::NotFound(format!("instance {key} is not known to this node")))?;
    let marks = marks(node).await?;
    let analyses = analyses_by_key(&snapshot);
    let analysis = analyses.get(key).copied();
    let cluster_name = topology.cluster_of(key).unwrap_or_default().to_string();
    let semi = &i.semi_sync;
    Ok(InstanceDetailView {
        summary: instance_box(topology, &analyses, &marks, i),
        cluster_alias: snapshot.alias(&cluster_name),
        cluster_name,
        server_id: i.server_id,
        version_comment: i.version_comment.clone(),
        binlog: format!(
            "{:?}; log_bin {}; log_slave_updates {}",
            i.binlog_format,
            if i.log_bin { "on" } else { "off" },
            if i.log_slave_updates { "on" } else { "off" }
        ),
        self_binlog: coordinates(&i.self_binlog_coordinates),
        exec_master: coordinates(&i.exec_master_coordinates),
        executed_gtid_set: i.executed_gtid_set.clone(),
        gtid_errant: i.gtid_errant.clone(),
        last_io_error: i.last_io_error.clone(),
        last_sql_error: i.last_sql_error.clone(),
        semi_sync: format!(
            "master {} (status {}), replica {} (status {})",
            if semi.master_enabled { "enabled" } else { "disabled" },
            if semi.master_status { "on" } else { "off" },
            if semi.replica_enabled { "enabled" } else { "disabled" },
            if semi.replica_status { "on" } else { "off" },
        ),
        region: i.region.clone(),
        physical_environment: i.physical_environment.clone(),
        last_seen_ms: i.last_seen_ms,
        last_checked_ms: i.last_checked_ms,
        analysis_description: analysis
            .map(|a| {
                if a.description.is_empty() {
                    a.analysis_string()
                } else {
                    format!("{}: {}", a.analysis_string(), a.description)
                }
            })
            .unwrap_or_else(|| "NoProblem".into()),
        replicas: topology.replicas_of(key).iter().map(|k| k.to_string()).collect(),
        recover_here: analysis.is_some_and(|a| a.analysis.is_actionable())
            && node.member.is_leader_with_quorum(),
        move_targets: super::operations_view::move_targets(topology, key),
        maintenance: super::operations_view::maintenance_of(node, key).await?,
        tags: tags_of(node, key).await?,
    })
}

/// The tags of `key`, by name, each as orchestrator shows it.
async fn tags_of(node: &AppState, key: &InstanceKey) -> Result<Vec<String>, ApiError> {
    let mut tags = node.store.instance_tags(key).await.map_err(internal)?;
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tags.iter().map(|t| t.display()).collect())
}

#[cfg(test)]
#[path = "topology_view_tests.rs"]
mod tests;
