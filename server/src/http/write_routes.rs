//! The write route table: each of orchestrator's simple write paths and how its path parameters
//! become a proposal (through the core's validating constructors). One generic handler submits
//! it and answers with the core's wording of the outcome, exactly as the dashboard does. Every
//! route here is authorized and relayed to the leader by the router (`http::router`).
//!
//! A new write command is one line here (plus its core constructor, its apply in the store and
//! its orchestrator-client command).

use std::collections::HashMap;

use app::api::ApiError;
use app::core::maintenance::MaintenanceEnd;
use app::core::{CommandOutcome, DomainError, InstanceKey, Proposal};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::Value;

use super::reply::{error, ok};
use crate::ports::AppState;

/// The path and query parameters of one request.
pub struct Params<'a>(&'a HashMap<String, String>, &'a HashMap<String, String>);

impl Params<'_> {
    /// A path parameter (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }

    /// A query parameter (empty when absent).
    pub fn query(&self, name: &str) -> &str {
        self.1.get(name).map(String::as_str).unwrap_or("")
    }

    /// The instance named by `{host}` and `{port}`.
    pub fn key(&self) -> Result<InstanceKey, DomainError> {
        InstanceKey::parse(self.get("host"), self.get("port"))
    }
}

/// One write route.
pub struct WriteRoute {
    /// orchestrator's path, with `{name}` parameters.
    pub path: &'static str,
    /// Validates the parameters into a proposal.
    pub build: fn(&Params) -> Result<Proposal, DomainError>,
}

const fn route(
    path: &'static str,
    build: fn(&Params) -> Result<Proposal, DomainError>,
) -> WriteRoute {
    WriteRoute { path, build }
}

/// Every simple write route (recovery operations, acknowledgements and cluster commands, which
/// need the analysis or the caller, are in `recovery_api`).
pub const WRITE_ROUTES: &[WriteRoute] = &[
    route("/api/begin-downtime/{host}/{port}/{owner}/{reason}", |p| {
        Proposal::begin_downtime(p.key()?, p.get("owner"), p.get("reason"), "")
    }),
    route("/api/begin-downtime/{host}/{port}/{owner}/{reason}/{duration}", |p| {
        Proposal::begin_downtime(p.key()?, p.get("owner"), p.get("reason"), p.get("duration"))
    }),
    route("/api/end-downtime/{host}/{port}", |p| Ok(Proposal::end_downtime(p.key()?))),
    route("/api/register-candidate/{host}/{port}/{rule}", |p| {
        Proposal::register_candidate(p.key()?, p.get("rule"))
    }),
    route("/api/deregister-candidate/{host}/{port}", |p| {
        Ok(Proposal::deregister_candidate(p.key()?))
    }),
    route("/api/forget/{host}/{port}", |p| Ok(Proposal::forget(p.key()?))),
    route("/api/disable-global-recoveries", |_| Ok(Proposal::set_global_recoveries(false))),
    route("/api/enable-global-recoveries", |_| Ok(Proposal::set_global_recoveries(true))),
    route("/api/begin-maintenance/{host}/{port}/{owner}/{reason}", |p| {
        Proposal::begin_maintenance(p.key()?, p.get("owner"), p.get("reason"), "")
    }),
    route("/api/begin-maintenance/{host}/{port}/{owner}/{reason}/{duration}", |p| {
        Proposal::begin_maintenance(p.key()?, p.get("owner"), p.get("reason"), p.get("duration"))
    }),
    route("/api/end-maintenance/{host}/{port}", |p| Ok(Proposal::end_maintenance(p.key()?))),
    route("/api/end-maintenance/{id}", |p| Proposal::end_maintenance_id(p.get("id"))),
    // orchestrator's `getTag`: `?tag=name[=value]` first, else the path's name and value.
    route("/api/tag/{host}/{port}", |p| Proposal::tag(p.key()?, p.query("tag"))),
    route("/api/tag/{host}/{port}/{name}/{value}", |p| match p.query("tag") {
        "" => Proposal::tag_named(p.key()?, p.get("name"), p.get("value")),
        text => Proposal::tag(p.key()?, text),
    }),
    route("/api/register-hostname-unresolve/{host}/{port}/{virtualname}", |p| {
        Proposal::register_hostname_unresolve(p.key()?, p.get("virtualname"))
    }),
    route("/api/deregister-hostname-unresolve/{host}/{port}", |p| {
        Ok(Proposal::deregister_hostname_unresolve(p.key()?))
    }),
];

/// orchestrator's `Details` of each write's answer.
fn details(proposal: &Proposal) -> Value {
    let key = |k: &InstanceKey| serde_json::to_value(k).unwrap_or(Value::Null);
    match proposal {
        Proposal::BeginDowntime(req) => key(&req.key),
        Proposal::EndDowntime(k)
        | Proposal::DeregisterCandidate(k)
        | Proposal::Forget(k)
        | Proposal::RegisterCandidate { key: k, .. } => key(k),
        Proposal::SetGlobalRecoveries { enabled } => {
            Value::from(if *enabled { "enabled" } else { "disabled" })
        }
        Proposal::AckRecovery { .. } => Value::Null,
        Proposal::ForgetCluster { cluster_name, .. } => Value::from(cluster_name.as_str()),
        Proposal::SetClusterAlias { alias, .. } => Value::from(alias.as_str()),
        Proposal::BeginMaintenance(req) => key(&req.key),
        Proposal::EndMaintenance(end) => match end {
            MaintenanceEnd::Key(k) | MaintenanceEnd::Lock { key: k, .. } => key(k),
            MaintenanceEnd::Id(id) => Value::from(*id),
        },
        Proposal::SetClusterRecovery { cluster, .. } => Value::from(cluster.as_str()),
        Proposal::Tag { key: k, .. } | Proposal::HostnameUnresolve { key: k, .. } => key(k),
        Proposal::Untag { keys, .. } => serde_json::to_value(keys).unwrap_or(Value::Null),
    }
}

/// Submits `proposal` and answers with its outcome in the core's words.
pub async fn submit(state: &AppState, proposal: Result<Proposal, DomainError>) -> Response {
    let proposal = match proposal {
        Ok(p) => p,
        Err(e) => return error(ApiError::from(e)),
    };
    match state.commands.submit(proposal.clone()).await {
        // A lock that is not taken is a failure to the caller (orchestrator answers an error).
        Ok(CommandOutcome::Skipped { reason })
            if matches!(proposal, Proposal::BeginMaintenance(_)) =>
        {
            error(ApiError::Validation(reason))
        }
        Ok(outcome) => ok(proposal.outcome_message(&outcome), details(&proposal)),
        Err(e) => error(e),
    }
}

/// The handler of every [`WriteRoute`].
pub async fn handle(
    state: State<AppState>,
    route: &'static WriteRoute,
    params: Option<Path<HashMap<String, String>>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let params = params.map(|Path(p)| p).unwrap_or_default();
    submit(&state, (route.build)(&Params(&params, &query))).await
}
