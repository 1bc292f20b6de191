//! orchestrator's topology operation paths — relocation (`relocate`, `move-up`, `move-below`,
//! `take-master`, `*-gtid`, …), replica and instance control (`start-replica`, `set-read-only`,
//! `purge-binary-logs`, …) with their `slave` synonyms — as a route table from path to the
//! core's validated [`Op`]. One handler runs it on the leader (a follower's proxy relays the
//! request; this node refuses unless it leads with a quorum) and answers orchestrator's JSON:
//! the instance as read after, the moved replicas, the promoted key, or the check's answer.

use std::collections::HashMap;

use app::api::ApiError;
use app::core::operation::Op;
use app::core::operation_result::{OpResult, OperationRequest};
use app::core::{Command, CommandEnvelope, DomainError, InstanceKey};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::reply::{error, ok};
use super::topology_api::View;
use crate::ports::AppState;

/// The path and query parameters of one request.
pub struct Params<'a> {
    path: &'a HashMap<String, String>,
    query: &'a HashMap<String, String>,
}

impl Params<'_> {
    fn get(&self, name: &str) -> &str {
        self.path.get(name).or_else(|| self.query.get(name)).map(String::as_str).unwrap_or("")
    }

    fn pair(&self, host: &str, port: &str) -> Result<InstanceKey, DomainError> {
        InstanceKey::parse(self.get(host), self.get(port))
    }

    fn below(&self) -> Result<InstanceKey, DomainError> {
        self.pair("bhost", "bport")
    }
}

/// One operation route: orchestrator's paths (a name and its synonyms) and the parameters.
struct OpRoute {
    names: &'static [&'static str],
    /// Path after `/:host/:port`.
    tail: &'static str,
    build: fn(&Params) -> Result<Op, DomainError>,
}

const fn r(
    names: &'static [&'static str],
    tail: &'static str,
    build: fn(&Params) -> Result<Op, DomainError>,
) -> OpRoute {
    OpRoute { names, tail, build }
}

const BELOW: &str = "/{bhost}/{bport}";

/// Every operation route, with orchestrator's `slave` synonyms.
const OP_ROUTES: &[OpRoute] = &[
    r(&["relocate", "relocate-below"], BELOW, |p| Ok(Op::Relocate { below: p.below()? })),
    r(&["relocate-replicas", "relocate-slaves"], BELOW, |p| {
        Ok(Op::RelocateReplicas { below: p.below()? })
    }),
    r(&["regroup-replicas", "regroup-slaves"], "", |_| Ok(Op::RegroupReplicas)),
    r(&["move-up"], "", |_| Ok(Op::MoveUp)),
    r(&["move-up-replicas", "move-up-slaves"], "", |_| Ok(Op::MoveUpReplicas)),
    r(&["move-below"], BELOW, |p| Ok(Op::MoveBelow { sibling: p.below()? })),
    r(&["move-equivalent"], BELOW, |p| Ok(Op::MoveEquivalent { below: p.below()? })),
    r(&["repoint"], BELOW, |p| Ok(Op::Repoint { below: Some(p.below()?) })),
    r(&["repoint-replicas", "repoint-slaves"], "", |_| Ok(Op::RepointReplicas)),
    r(&["make-co-master"], "", |_| Ok(Op::MakeCoMaster)),
    r(&["take-siblings", "enslave-siblings"], "", |_| Ok(Op::TakeSiblings)),
    r(&["take-master", "enslave-master"], "", |_| Ok(Op::TakeMaster)),
    r(&["move-below-gtid"], BELOW, |p| Ok(Op::MoveBelowGtid { below: p.below()? })),
    r(&["move-replicas-gtid", "move-slaves-gtid"], BELOW, |p| {
        Ok(Op::MoveReplicasGtid { below: p.below()? })
    }),
    r(&["regroup-replicas-gtid", "regroup-slaves-gtid"], "", |_| Ok(Op::RegroupReplicasGtid)),
    r(&["can-replicate-from"], BELOW, |p| Ok(Op::CanReplicateFrom { below: p.below()? })),
    r(&["can-replicate-from-gtid"], BELOW, |p| Ok(Op::CanReplicateFromGtid { below: p.below()? })),
    r(&["skip-query"], "", |_| Ok(Op::SkipQuery)),
    r(&["enable-gtid"], "", |_| Ok(Op::EnableGtid)),
    r(&["disable-gtid"], "", |_| Ok(Op::DisableGtid)),
    r(&["start-replica", "start-slave"], "", |_| Ok(Op::StartReplica)),
    r(&["restart-replica", "restart-slave"], "", |_| Ok(Op::RestartReplica)),
    r(&["stop-replica", "stop-slave"], "", |_| Ok(Op::StopReplica)),
    r(&["stop-replica-nice", "stop-slave-nice"], "", |_| Ok(Op::StopReplicaNice)),
    r(&["reset-replica", "reset-slave"], "", |_| Ok(Op::ResetReplica)),
    r(
        &[
            "detach-replica",
            "detach-slave",
            "detach-replica-master-host",
            "detach-slave-master-host",
        ],
        "",
        |_| Ok(Op::DetachReplicaMasterHost),
    ),
    r(
        &[
            "reattach-replica",
            "reattach-slave",
            "reattach-replica-master-host",
            "reattach-slave-master-host",
        ],
        "",
        |_| Ok(Op::ReattachReplicaMasterHost),
    ),
    r(&["flush-binary-logs"], "", |_| Ok(Op::FlushBinaryLogs)),
    r(&["purge-binary-logs"], "/{logfile}", |p| {
        Op::purge(p.get("logfile"), p.get("force") == "true")
    }),
    r(&["restart-replica-statements", "restart-slave-statements"], "", |p| {
        Op::restart_statements(p.get("q"))
    }),
    r(&["enable-semi-sync-master"], "", |_| Ok(Op::SetSemiSyncMaster { enable: true })),
    r(&["disable-semi-sync-master"], "", |_| Ok(Op::SetSemiSyncMaster { enable: false })),
    r(&["enable-semi-sync-replica"], "", |_| Ok(Op::SetSemiSyncReplica { enable: true })),
    r(&["disable-semi-sync-replica"], "", |_| Ok(Op::SetSemiSyncReplica { enable: false })),
    r(&["delay-replication"], "/{seconds}", |p| Op::delay(p.get("seconds"))),
    r(&["set-read-only"], "", |_| Ok(Op::SetReadOnly)),
    r(&["set-writeable"], "", |_| Ok(Op::SetWriteable)),
    r(&["kill-query"], "/{process}", |p| Op::kill(p.get("process"))),
    r(&["refresh"], "", |_| Ok(Op::Refresh)),
    r(&["locate-gtid-errant"], "", |_| Ok(Op::LocateGtidErrant)),
    r(&["gtid-errant-reset-master"], "", |_| Ok(Op::GtidErrantResetMaster)),
    r(&["gtid-errant-inject-empty"], "", |_| Ok(Op::GtidErrantInjectEmpty)),
];

/// Every path the table serves (security tests check each is authorized).
pub fn paths() -> Vec<String> {
    OP_ROUTES
        .iter()
        .flat_map(|route| {
            route.names.iter().map(move |n| format!("/api/{n}/{{host}}/{{port}}{}", route.tail))
        })
        .collect()
}

/// Whether `path` is a topology operation's (a follower waits longer for the leader's answer).
pub fn is_operation_path(path: &str) -> bool {
    let name = path.strip_prefix("/api/").and_then(|rest| rest.split('/').next()).unwrap_or("");
    name == "async-discover" || OP_ROUTES.iter().any(|r| r.names.contains(&name))
}

/// The routes (mounted behind authorization and the follower → leader proxy), and
/// `async-discover`.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/api/async-discover/{host}/{port}", get(async_discover));
    for route in OP_ROUTES {
        for name in route.names {
            let path = format!("/api/{name}/{{host}}/{{port}}{}", route.tail);
            let handler = move |state, path, query| handle(state, route, path, query);
            router = router.route(&path, get(handler).post(handler));
        }
    }
    router
}

async fn handle(
    State(node): State<AppState>,
    route: &'static OpRoute,
    Path(path): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let params = Params { path: &path, query: &query };
    let request = match params
        .pair("host", "port")
        .and_then(|key| Ok(OperationRequest::new(key, (route.build)(&params)?)))
    {
        Ok(r) => r,
        Err(e) => return error(ApiError::from(e)),
    };
    run(&node, request).await
}

/// Runs `request` on this node (the leader) and answers orchestrator's JSON.
pub async fn run(node: &AppState, request: OperationRequest) -> Response {
    if !node.member.is_leader_with_quorum() {
        return error(ApiError::Unavailable(
            "topology operations run on the raft leader, and no leader with a quorum was reached; nothing was changed".into(),
        ));
    }
    let result = match node.ops.operate(request.clone()).await {
        Ok(r) => r,
        Err(e) => return error(ApiError::from(e)),
    };
    let message = request.message(&result);
    let view = match View::load(node).await {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let key = |k: &InstanceKey| serde_json::to_value(k).unwrap_or(Value::Null);
    let json = |i| serde_json::to_value(view.json(i)).unwrap_or(Value::Null);
    match (&request.op, &result) {
        (
            Op::CanReplicateFrom { below } | Op::CanReplicateFromGtid { below },
            OpResult::Check { can, reason },
        ) => {
            if *can {
                ok(message, key(below))
            } else {
                error(ApiError::Validation(reason.clone().unwrap_or_else(|| "false".into())))
            }
        }
        (Op::DelayReplication { seconds }, _) => ok(message, Value::from(*seconds)),
        (Op::Refresh, _) => ok(message, key(&request.key)),
        // orchestrator answers take-siblings with the instance that took them.
        (Op::TakeSiblings, _) => match view.snapshot.topology.instance(&request.key) {
            Some(i) => ok(message, json(i)),
            None => ok(message, key(&request.key)),
        },
        (_, OpResult::Instance(i)) => ok(message, json(i)),
        (_, OpResult::Replicas { moved, .. }) => {
            ok(message, Value::Array(moved.iter().map(json).collect()))
        }
        (_, OpResult::Promoted { promoted, .. }) => ok(message, key(&promoted.key)),
        (_, OpResult::Statements(statements)) => ok(message, statements.clone()),
        (_, OpResult::Check { can, .. }) => ok(message, Value::from(*can)),
    }
}

/// `async-discover/:host/:port`: the leader probes in the background; answers at once.
async fn async_discover(
    State(node): State<AppState>,
    Path((host, port)): Path<(String, String)>,
) -> Response {
    let key = match InstanceKey::parse(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e.into()),
    };
    if !node.member.is_leader_with_quorum() {
        return error(ApiError::Unavailable(
            "discovery runs on the raft leader, and no leader with a quorum was reached".into(),
        ));
    }
    let background = node.clone();
    let probed = key.clone();
    tokio::spawn(async move {
        match background.ops.probe(probed.clone()).await {
            Ok(_) => {
                let env = CommandEnvelope::new(
                    Command::Discover(probed.clone()),
                    background.clock.now_ms(),
                    background.member.id(),
                );
                if let Err(e) = background.commands.propose(env, false).await {
                    tracing::warn!(instance = %probed, error = %e, "async-discover: not replicated");
                }
            }
            Err(e) => tracing::warn!(instance = %probed, error = %e, "async-discover failed"),
        }
    });
    ok(
        format!("Asynchronous discovery initiated for Instance: {key}"),
        serde_json::to_value(&key).unwrap_or(Value::Null),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_paths_are_recognised_for_the_proxy() {
        assert!(is_operation_path("/api/relocate/db1/3306/db2/3306"));
        assert!(is_operation_path("/api/start-slave/db1/3306"));
        assert!(is_operation_path("/api/async-discover/db1/3306"));
        assert!(!is_operation_path("/api/begin-downtime/db1/3306/o/r"));
        assert!(!is_operation_path("/web/cluster/x"));
    }

    #[test]
    fn every_route_has_its_slave_synonym_where_orchestrator_has_one() {
        let paths = paths();
        for name in
            ["start-slave", "stop-slave-nice", "relocate-slaves", "enslave-master", "reset-slave"]
        {
            assert!(paths.iter().any(|p| p.starts_with(&format!("/api/{name}/"))), "{name}");
        }
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), paths.len(), "no path twice");
    }
}
