//! HTTP control API of a simulated fleet: list the servers, inject faults, read what an
//! orchestrator did to a server.
//!
//! - `GET /servers`: every server (JSON [`SimServer`]s, statements left out).
//! - `GET /servers/{key}`: one server with the statements it received.
//! - `POST /servers/{key}/fault/{healthy|dead|hung}`, `POST /servers/{key}/fault/slow/{ms}`.
//! - `POST /servers/{key}/replication/{broken|running|stopped|lost}` (`lost`: the IO thread lost
//!   its master and retries), `.../lag/{seconds}`, `POST /servers/{key}/errant`.
//! - `POST /servers/{key}/cut/{user}`, `POST /servers/{key}/uncut/{user}`: the network between
//!   the client that logs in as `user` (one orchestrator node) and the server cut or healed.
//! - `POST /kill-masters/{count}`: the first `count` healthy masters die; answers their keys.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::server::{Fault, SimServer};
use super::state::lose_master;
use super::{FleetHandle, SimError};
use app::core::InstanceKey;

/// The control API's routes.
pub fn router(fleet: FleetHandle) -> Router {
    Router::new()
        .route("/servers", get(list))
        .route("/servers/{key}", get(one))
        .route("/servers/{key}/fault/{fault}", post(fault))
        .route("/servers/{key}/fault/slow/{ms}", post(slow))
        .route("/servers/{key}/replication/{what}", post(replication))
        .route("/servers/{key}/lag/{seconds}", post(lag))
        .route("/servers/{key}/errant", post(errant))
        .route("/servers/{key}/cut/{user}", post(cut))
        .route("/servers/{key}/uncut/{user}", post(uncut))
        .route("/kill-masters/{count}", post(kill_masters))
        .with_state(fleet)
}

fn refuse(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "Code": "ERROR", "Message": message.to_string() }))).into_response()
}

/// The key in a path, or the 400 to answer.
fn key_of(text: &str) -> Result<InstanceKey, Box<Response>> {
    InstanceKey::parse_joined(text, 3306).map_err(|e| Box::new(refuse(StatusCode::BAD_REQUEST, e)))
}

fn answer(result: Result<(), SimError>, fleet: &FleetHandle, key: &InstanceKey) -> Response {
    match result {
        Ok(()) => match fleet.state().servers.get(key) {
            Some(s) => Json(s.clone()).into_response(),
            None => refuse(StatusCode::NOT_FOUND, SimError::Unknown(key.to_string())),
        },
        Err(e) => refuse(StatusCode::NOT_FOUND, e),
    }
}

async fn list(State(fleet): State<FleetHandle>) -> Json<Vec<SimServer>> {
    let state = fleet.state();
    Json(
        state.servers.values().map(|s| SimServer { statements: Vec::new(), ..s.clone() }).collect(),
    )
}

async fn one(State(fleet): State<FleetHandle>, Path(key): Path<String>) -> Response {
    match key_of(&key) {
        Ok(key) => answer(Ok(()), &fleet, &key),
        Err(r) => *r,
    }
}

async fn fault(
    State(fleet): State<FleetHandle>,
    Path((key, fault)): Path<(String, String)>,
) -> Response {
    let key = match key_of(&key) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let fault = match fault.as_str() {
        "healthy" => Fault::Healthy,
        "dead" => Fault::Dead,
        "hung" => Fault::Hung,
        other => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("unknown fault {other:?} (healthy, dead, hung, slow/{{ms}})"),
            )
        }
    };
    answer(fleet.set_fault(&key, fault), &fleet, &key)
}

async fn slow(State(fleet): State<FleetHandle>, Path((key, ms)): Path<(String, u64)>) -> Response {
    match key_of(&key) {
        Ok(key) => answer(fleet.set_fault(&key, Fault::Slow(ms)), &fleet, &key),
        Err(r) => *r,
    }
}

async fn replication(
    State(fleet): State<FleetHandle>,
    Path((key, what)): Path<(String, String)>,
) -> Response {
    let key = match key_of(&key) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let result = fleet.update(&key, |s| {
        let Some(r) = s.replication.as_mut() else {
            return Err(format!("{} is not a replica", s.key));
        };
        match what.as_str() {
            "broken" => {
                r.sql_running = false;
                r.last_sql_error =
                    Some((1062, "Could not execute Write_rows_v1 event: Duplicate entry".into()));
            }
            "running" => {
                r.io_running = true;
                r.sql_running = true;
                r.last_sql_error = None;
                r.last_io_error = None;
            }
            "stopped" => {
                r.io_running = false;
                r.sql_running = false;
            }
            "lost" => lose_master(r),
            other => return Err(format!("unknown replication state {other:?}")),
        }
        Ok(())
    });
    match result {
        Ok(Ok(())) => answer(Ok(()), &fleet, &key),
        Ok(Err(message)) => refuse(StatusCode::BAD_REQUEST, message),
        Err(e) => refuse(StatusCode::NOT_FOUND, e),
    }
}

async fn lag(
    State(fleet): State<FleetHandle>,
    Path((key, seconds)): Path<(String, i64)>,
) -> Response {
    let key = match key_of(&key) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let result = fleet.update(&key, |s| {
        if let Some(r) = s.replication.as_mut() {
            r.lag_seconds = seconds.max(0);
        }
    });
    answer(result, &fleet, &key)
}

async fn errant(State(fleet): State<FleetHandle>, Path(key): Path<String>) -> Response {
    let key = match key_of(&key) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    answer(fleet.update(&key, |s| s.errant = true), &fleet, &key)
}

async fn cut(
    State(fleet): State<FleetHandle>,
    Path((key, user)): Path<(String, String)>,
) -> Response {
    match key_of(&key) {
        Ok(key) => answer(fleet.update(&key, |s| s.cut_users.insert(user)).map(drop), &fleet, &key),
        Err(r) => *r,
    }
}

async fn uncut(
    State(fleet): State<FleetHandle>,
    Path((key, user)): Path<(String, String)>,
) -> Response {
    match key_of(&key) {
        Ok(key) => {
            answer(fleet.update(&key, |s| s.cut_users.remove(&user)).map(drop), &fleet, &key)
        }
        Err(r) => *r,
    }
}

async fn kill_masters(State(fleet): State<FleetHandle>, Path(count): Path<usize>) -> Response {
    let victims: Vec<InstanceKey> = {
        let state = fleet.state();
        state
            .servers
            .values()
            .filter(|s| s.replication.is_none() && s.fault == Fault::Healthy)
            .take(count)
            .map(|s| s.key.clone())
            .collect()
    };
    for key in &victims {
        if let Err(e) = fleet.set_fault(key, Fault::Dead) {
            return refuse(StatusCode::NOT_FOUND, e);
        }
    }
    Json(victims.iter().map(ToString::to_string).collect::<Vec<_>>()).into_response()
}
