//! orchestrator's API paths, all 245 of them (222 registered paths plus their `replica`
//! synonyms, from orchestrator's `RegisterRequests`), against the in-process router: every path
//! listed as served reaches a handler (never the JSON 404 of an unknown path), every refused one
//! answers a JSON 400 with the reason, and every path not served answers the JSON 404 naming it.
//! The README's API count is these lists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::core::CommandOutcome;
use axum::http::StatusCode;
use server::testkit::in_process::{call, fixture};

/// orchestrator's paths this project serves (its `replica` synonyms included).
const SERVED: &[&str] = &[
    "discovery-metrics-raw/:seconds",
    "discovery-metrics-aggregated/:seconds",
    "discovery-queue-metrics-raw/:seconds",
    "discovery-queue-metrics-aggregated/:seconds",
    "backend-query-metrics-raw/:seconds",
    "backend-query-metrics-aggregated/:seconds",
    "write-buffer-metrics-raw/:seconds",
    "write-buffer-metrics-aggregated/:seconds",
    "locate-gtid-errant/:host/:port",
    "gtid-errant-reset-master/:host/:port",
    "gtid-errant-inject-empty/:host/:port",
    "relocate/:host/:port/:belowHost/:belowPort",
    "relocate-below/:host/:port/:belowHost/:belowPort",
    "relocate-slaves/:host/:port/:belowHost/:belowPort",
    "relocate-replicas/:host/:port/:belowHost/:belowPort",
    "regroup-slaves/:host/:port",
    "regroup-replicas/:host/:port",
    "move-up/:host/:port",
    "move-up-slaves/:host/:port",
    "move-up-replicas/:host/:port",
    "move-below/:host/:port/:siblingHost/:siblingPort",
    "move-equivalent/:host/:port/:belowHost/:belowPort",
    "repoint/:host/:port/:belowHost/:belowPort",
    "repoint-slaves/:host/:port",
    "repoint-replicas/:host/:port",
    "make-co-master/:host/:port",
    "enslave-siblings/:host/:port",
    "take-siblings/:host/:port",
    "enslave-master/:host/:port",
    "take-master/:host/:port",
    "move-below-gtid/:host/:port/:belowHost/:belowPort",
    "move-slaves-gtid/:host/:port/:belowHost/:belowPort",
    "move-replicas-gtid/:host/:port/:belowHost/:belowPort",
    "regroup-slaves-gtid/:host/:port",
    "regroup-replicas-gtid/:host/:port",
    "enable-gtid/:host/:port",
    "disable-gtid/:host/:port",
    "skip-query/:host/:port",
    "start-slave/:host/:port",
    "start-replica/:host/:port",
    "restart-slave/:host/:port",
    "restart-replica/:host/:port",
    "stop-slave/:host/:port",
    "stop-replica/:host/:port",
    "stop-slave-nice/:host/:port",
    "stop-replica-nice/:host/:port",
    "reset-slave/:host/:port",
    "reset-replica/:host/:port",
    "detach-slave/:host/:port",
    "detach-replica/:host/:port",
    "reattach-slave/:host/:port",
    "reattach-replica/:host/:port",
    "detach-slave-master-host/:host/:port",
    "detach-replica-master-host/:host/:port",
    "reattach-slave-master-host/:host/:port",
    "reattach-replica-master-host/:host/:port",
    "flush-binary-logs/:host/:port",
    "purge-binary-logs/:host/:port/:logFile",
    "restart-slave-statements/:host/:port",
    "restart-replica-statements/:host/:port",
    "enable-semi-sync-master/:host/:port",
    "disable-semi-sync-master/:host/:port",
    "enable-semi-sync-replica/:host/:port",
    "disable-semi-sync-replica/:host/:port",
    "delay-replication/:host/:port/:seconds",
    "can-replicate-from/:host/:port/:belowHost/:belowPort",
    "can-replicate-from-gtid/:host/:port/:belowHost/:belowPort",
    "set-read-only/:host/:port",
    "set-writeable/:host/:port",
    "kill-query/:host/:port/:process",
    "search/:searchString",
    "search",
    "cluster/:clusterHint",
    "cluster/alias/:clusterAlias",
    "cluster/instance/:host/:port",
    "cluster-info/:clusterHint",
    "cluster-info/alias/:clusterAlias",
    "set-cluster-alias/:clusterName",
    "clusters",
    "clusters-info",
    "masters",
    "master/:clusterHint",
    "instance-replicas/:host/:port",
    "all-instances",
    "downtimed",
    "downtimed/:clusterHint",
    "topology/:clusterHint",
    "topology/:host/:port",
    "topology-tabulated/:clusterHint",
    "topology-tabulated/:host/:port",
    "topology-tags/:clusterHint",
    "topology-tags/:host/:port",
    "instance/:host/:port",
    "discover/:host/:port",
    "async-discover/:host/:port",
    "refresh/:host/:port",
    "forget/:host/:port",
    "forget-cluster/:clusterHint",
    "begin-maintenance/:host/:port/:owner/:reason",
    "end-maintenance/:host/:port",
    "in-maintenance/:host/:port",
    "end-maintenance/:maintenanceKey",
    "maintenance",
    "begin-downtime/:host/:port/:owner/:reason",
    "begin-downtime/:host/:port/:owner/:reason/:duration",
    "end-downtime/:host/:port",
    "replication-analysis",
    "replication-analysis/:clusterName",
    "replication-analysis/instance/:host/:port",
    "recover/:host/:port",
    "recover/:host/:port/:candidateHost/:candidatePort",
    "recover-lite/:host/:port",
    "recover-lite/:host/:port/:candidateHost/:candidatePort",
    "graceful-master-takeover/:host/:port",
    "graceful-master-takeover/:host/:port/:designatedHost/:designatedPort",
    "graceful-master-takeover/:clusterHint",
    "graceful-master-takeover/:clusterHint/:designatedHost/:designatedPort",
    "graceful-master-takeover-auto/:host/:port",
    "graceful-master-takeover-auto/:host/:port/:designatedHost/:designatedPort",
    "graceful-master-takeover-auto/:clusterHint",
    "graceful-master-takeover-auto/:clusterHint/:designatedHost/:designatedPort",
    "force-master-failover/:host/:port",
    "force-master-failover/:clusterHint",
    "force-master-takeover/:clusterHint/:designatedHost/:designatedPort",
    "force-master-takeover/:host/:port/:designatedHost/:designatedPort",
    "register-candidate/:host/:port/:promotionRule",
    "automated-recovery-filters",
    "audit-failure-detection",
    "audit-failure-detection/:page",
    "audit-failure-detection/id/:id",
    "audit-failure-detection/alias/:clusterAlias",
    "audit-failure-detection/alias/:clusterAlias/:page",
    "audit-recovery",
    "audit-recovery/:page",
    "audit-recovery/id/:id",
    "audit-recovery/uid/:uid",
    "audit-recovery/cluster/:clusterName",
    "audit-recovery/cluster/:clusterName/:page",
    "audit-recovery/alias/:clusterAlias",
    "audit-recovery/alias/:clusterAlias/:page",
    "audit-recovery-steps/:uid",
    "active-cluster-recovery/:clusterName",
    "recently-active-cluster-recovery/:clusterName",
    "recently-active-instance-recovery/:host/:port",
    "ack-recovery/cluster/:clusterHint",
    "ack-recovery/cluster/alias/:clusterAlias",
    "ack-recovery/instance/:host/:port",
    "ack-recovery/:recoveryId",
    "ack-recovery/uid/:uid",
    "ack-all-recoveries",
    "blocked-recoveries",
    "blocked-recoveries/cluster/:clusterName",
    "disable-global-recoveries",
    "enable-global-recoveries",
    "check-global-recoveries",
    "problems",
    "problems/:clusterName",
    "audit",
    "audit/:page",
    "audit/instance/:host/:port",
    "audit/instance/:host/:port/:page",
    "resolve/:host/:port",
    "headers",
    "health",
    "lb-check",
    "_ping",
    "leader-check",
    "leader-check/:errorStatusCode",
    "raft-yield/:node",
    "raft-yield-hint/:hint",
    "raft-peers",
    "raft-state",
    "raft-leader",
    "raft-health",
    "raft-status",
    "raft-add-peer/:addr",
    "raft-remove-peer/:addr",
    "raft-snapshot",
    "submit-masters-to-kv-stores",
    "submit-masters-to-kv-stores/:clusterHint",
    "reload-configuration",
    "hostname-resolve-cache",
    "reset-hostname-resolve-cache",
    "routed-leader-check",
    "bulk-instances",
    "bulk-promotion-rules",
    "status",
    "tagged",
    "tags/:host/:port",
    "tag-value/:host/:port",
    "tag-value/:host/:port/:tagName",
    "tag/:host/:port",
    "tag/:host/:port/:tagName/:tagValue",
    "untag/:host/:port",
    "untag/:host/:port/:tagName",
    "untag-all",
    "untag-all/:tagName/:tagValue",
    "snapshot-topologies",
    "replication-analysis-changelog",
    "cluster-osc-replicas/:clusterHint",
    "cluster-osc-slaves/:clusterHint",
    "register-hostname-unresolve/:host/:port/:virtualname",
    "deregister-hostname-unresolve/:host/:port",
];

/// Paths answered with the reason the feature does not exist here (a JSON 400).
const REFUSED: &[&str] = &[
    "grab-election",
    "raft-follower-health-report/:authenticationToken/:raftBind/:raftAdvertise",
    "reelect",
    "reload-cluster-alias",
    "regroup-replicas-bls/:host/:port",
    "regroup-slaves-bls/:host/:port",
    "master-equivalent/:host/:port/:logFile/:logPos",
];

/// Paths not served (a JSON 404), each with why.
const NOT_SERVED: &[(&str, &str)] = &[
    ("match/:host/:port/:belowHost/:belowPort", PSEUDO_GTID),
    ("match-below/:host/:port/:belowHost/:belowPort", PSEUDO_GTID),
    ("match-up/:host/:port", PSEUDO_GTID),
    ("match-slaves/:host/:port/:belowHost/:belowPort", PSEUDO_GTID),
    ("match-replicas/:host/:port/:belowHost/:belowPort", PSEUDO_GTID),
    ("match-up-slaves/:host/:port", PSEUDO_GTID),
    ("match-up-replicas/:host/:port", PSEUDO_GTID),
    ("regroup-slaves-pgtid/:host/:port", PSEUDO_GTID),
    ("regroup-replicas-pgtid/:host/:port", PSEUDO_GTID),
    ("make-master/:host/:port", PSEUDO_GTID),
    ("make-local-master/:host/:port", PSEUDO_GTID),
    ("last-pseudo-gtid/:host/:port", PSEUDO_GTID),
    ("submit-pool-instances/:pool", POOLS),
    ("cluster-pool-instances/:clusterName", POOLS),
    ("cluster-pool-instances/:clusterName/:pool", POOLS),
    ("heuristic-cluster-pool-instances/:clusterName", POOLS),
    ("heuristic-cluster-pool-instances/:clusterName/:pool", POOLS),
    ("heuristic-cluster-pool-lag/:clusterName", POOLS),
    ("heuristic-cluster-pool-lag/:clusterName/:pool", POOLS),
    ("agents", AGENTS),
    ("agent/:host", AGENTS),
    ("agent-umount/:host", AGENTS),
    ("agent-mount/:host", AGENTS),
    ("agent-create-snapshot/:host", AGENTS),
    ("agent-removelv/:host", AGENTS),
    ("agent-mysql-stop/:host", AGENTS),
    ("agent-mysql-start/:host", AGENTS),
    ("agent-seed/:targetHost/:sourceHost", AGENTS),
    ("agent-active-seeds/:host", AGENTS),
    ("agent-recent-seeds/:host", AGENTS),
    ("agent-seed-details/:seedId", AGENTS),
    ("agent-seed-states/:seedId", AGENTS),
    ("agent-abort-seed/:seedId", AGENTS),
    ("agent-custom-command/:host/:command", AGENTS),
    ("seeds", AGENTS),
];

const AGENTS: &str = "orchestrator-agent (LVM snapshots, seeding) is not part of this project";
const POOLS: &str =
    "instance pools are an orchestrator feature deprecated upstream; not implemented";
const PSEUDO_GTID: &str = "Pseudo-GTID is not implemented: GTID (MariaDB or MySQL) is";

/// A path pattern with sample parameter values.
fn concrete(pattern: &str) -> String {
    let segments: Vec<String> = pattern
        .split('/')
        .map(|seg| match seg {
            s if s.starts_with(':') && s.to_lowercase().contains("host") => "127.0.0.1".to_string(),
            s if s.starts_with(':') && s.to_lowercase().contains("port") => "3306".to_string(),
            ":seconds" | ":page" | ":id" | ":maintenanceKey" | ":process" | ":recoveryId"
            | ":logPos" | ":errorStatusCode" => "1".to_string(),
            s if s.starts_with(':') => "x".to_string(),
            s => s.to_string(),
        })
        .collect();
    format!("/api/{}", segments.join("/"))
}

#[tokio::test]
async fn every_orchestrator_path_is_served_refused_or_listed_with_a_reason() {
    let mut all: Vec<&str> = SERVED
        .iter()
        .chain(REFUSED.iter())
        .copied()
        .chain(NOT_SERVED.iter().map(|(p, _)| *p))
        .collect();
    assert_eq!(all.len(), 245, "orchestrator's 245 paths, each listed once");
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 245, "a path is listed twice");
    let f = fixture("", Ok(CommandOutcome::Applied)).await.expect("fixture");
    let mut wrong = Vec::new();
    for pattern in SERVED {
        let path = concrete(pattern);
        let (status, _, body) = call(&f, "GET", &path, None).await.expect("request");
        if status == StatusCode::NOT_FOUND && body.contains("unknown API path") {
            wrong.push(format!("{path}: not served"));
        }
    }
    for pattern in REFUSED {
        let path = concrete(pattern);
        let (status, _, body) = call(&f, "GET", &path, None).await.expect("request");
        if status != StatusCode::BAD_REQUEST || !body.contains(r#""Code":"ERROR""#) {
            wrong.push(format!("{path}: expected a JSON 400 with the reason, got {status} {body}"));
        }
    }
    for (pattern, reason) in NOT_SERVED {
        assert!(!reason.is_empty());
        let path = concrete(pattern);
        let (status, _, body) = call(&f, "GET", &path, None).await.expect("request");
        if status != StatusCode::NOT_FOUND || !body.contains("unknown API path") {
            wrong.push(format!("{path}: listed as not served, answered {status} {body}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
