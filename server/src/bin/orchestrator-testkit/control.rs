//! The control API: kill and restart nodes and MariaDB servers of the running kit, over HTTP on
//! loopback (Playwright's workers are other processes than the one that started the kit).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use server::testkit::cluster::ProcCluster;
use tokio::sync::Mutex;

use crate::error::{chain, KitError, Result};
use crate::kit::{Kit, RESTART_DEADLINE};

/// The kit, shared with the handlers; `None` once torn down.
pub type Shared = Arc<Mutex<Option<Kit>>>;

type Answer = std::result::Result<Json<Value>, (StatusCode, Json<Value>)>;

/// The routes (see the usage text).
pub fn router(kit: Shared) -> Router {
    Router::new()
        .route("/state", get(state))
        .route("/leader", post(leader))
        .route("/nodes/{i}/{op}", post(node))
        .route("/mariadb/{name}/{op}", post(mariadb))
        .route("/mariadb/{name}/replicate-from/{master}", post(replicate_from))
        .with_state(kit)
}

fn answer(result: Result<Value>) -> Answer {
    result.map(Json).map_err(|e| {
        (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": chain(&e).to_string() })))
    })
}

async fn state(State(kit): State<Shared>) -> Answer {
    let guard = kit.lock().await;
    answer(guard.as_ref().map(Kit::describe).ok_or(KitError::TornDown))
}

async fn leader(State(kit): State<Shared>) -> Answer {
    let mut guard = kit.lock().await;
    answer(
        async {
            let kit = guard.as_mut().ok_or(KitError::TornDown)?;
            let cluster = kit.cluster()?;
            let running = cluster.running();
            let leader = cluster.try_wait_for_leader(&running, RESTART_DEADLINE).await?;
            let mut v = kit.describe();
            v["leader"] = leader.into();
            Ok(v)
        }
        .await,
    )
}

/// Waits until node `i` answers 200 on raft-health; fails at once if a node exits.
async fn wait_healthy(cluster: &mut ProcCluster, i: usize) -> Result<()> {
    let start = Instant::now();
    loop {
        cluster.check_alive()?;
        if cluster.healthy(i).await {
            return Ok(());
        }
        if start.elapsed() > RESTART_DEADLINE {
            return Err(KitError::NotHealthy { node: i, after: RESTART_DEADLINE });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn node(State(kit): State<Shared>, Path((i, op)): Path<(usize, String)>) -> Answer {
    let mut guard = kit.lock().await;
    answer(
        async {
            let kit = guard.as_mut().ok_or(KitError::TornDown)?;
            let cluster = kit.cluster()?;
            if i >= cluster.len() {
                return Err(KitError::NoSuchNode { node: i, count: cluster.len() });
            }
            match op.as_str() {
                "kill9" => cluster.kill9(i),
                "stop" => cluster.stop(i).await,
                "start" => {
                    cluster.try_spawn(i)?;
                    wait_healthy(cluster, i).await?;
                }
                "restart" => {
                    cluster.kill9(i);
                    cluster.try_spawn(i)?;
                    wait_healthy(cluster, i).await?;
                }
                other => {
                    return Err(KitError::UnknownOperation { kind: "node", op: other.to_string() })
                }
            }
            Ok(kit.describe())
        }
        .await,
    )
}

async fn mariadb(State(kit): State<Shared>, Path((name, op)): Path<(String, String)>) -> Answer {
    let guard = kit.lock().await;
    answer((|| {
        let kit = guard.as_ref().ok_or(KitError::TornDown)?;
        let server = kit.server(&name)?;
        match op.as_str() {
            "kill9" => server.kill9(),
            "restart" => tokio::task::block_in_place(|| server.restart())?,
            other => {
                return Err(KitError::UnknownOperation { kind: "MariaDB", op: other.to_string() })
            }
        }
        Ok(kit.describe())
    })())
}

/// Makes server `name` a GTID replica of server `master` again (after a test reset it).
async fn replicate_from(
    State(kit): State<Shared>,
    Path((name, master)): Path<(String, String)>,
) -> Answer {
    let guard = kit.lock().await;
    answer((|| {
        let kit = guard.as_ref().ok_or(KitError::TornDown)?;
        let (server, master) = (kit.server(&name)?, kit.server(&master)?);
        tokio::task::block_in_place(|| server.replicate_from(master))?;
        Ok(kit.describe())
    })())
}
