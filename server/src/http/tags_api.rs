//! orchestrator's instance tag paths. Reads (`tags`, `tag-value`, `tagged`) answer locally from
//! the node's replicated `database_instance_tags`; `untag` and `untag-all` run on the leader
//! (mounted behind the follower → leader proxy): it lists the instances carrying the tag, then
//! proposes their untagging through raft (`tag` itself is a plain write route).

use std::collections::HashMap;

use app::api::ApiError;
use app::core::tag::{tagged, TagFilter, Untag};
use app::core::{InstanceKey, Proposal};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::reply::{error, json_with};
use super::topology_api::{parse_key, KeyPath};
use super::write_routes::submit;
use crate::error::internal;
use crate::ports::AppState;

type QueryMap = Query<HashMap<String, String>>;

/// The read routes (answered locally).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/tags/{host}/{port}", get(tags))
        .route("/api/tag-value/{host}/{port}", get(tag_value))
        .route(
            "/api/tag-value/{host}/{port}/{name}",
            get(
                |s: State<AppState>,
                 Path((h, p, n)): Path<(String, String, String)>,
                 q: QueryMap| { tag_value_named(s, (h, p), n, q) },
            ),
        )
        .route("/api/tagged", get(tagged_by))
        // orchestrator-client calls `tagged/` when no instance is given.
        .route("/api/tagged/", get(tagged_by))
}

/// `untag` and `untag-all` (authorized and relayed to the leader by the router).
pub fn untag_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/untag/{host}/{port}",
            get(|s: State<AppState>, Path((h, p)): KeyPath, q: QueryMap| {
                untag(s, Some((h, p)), q, None)
            }),
        )
        .route(
            "/api/untag/{host}/{port}/{name}",
            get(
                |s: State<AppState>,
                 Path((h, p, n)): Path<(String, String, String)>,
                 q: QueryMap| { untag(s, Some((h, p)), q, Some((n, None))) },
            ),
        )
        .route("/api/untag-all", get(|s: State<AppState>, q: QueryMap| untag(s, None, q, None)))
        .route(
            "/api/untag-all/{name}/{value}",
            get(|s: State<AppState>, Path((n, v)): Path<(String, String)>, q: QueryMap| {
                untag(s, None, q, Some((n, Some(v))))
            }),
        )
}

/// orchestrator's `getTag`: `?tag=` when given, else the path's name (and value).
fn filter(
    query: &HashMap<String, String>,
    path: Option<(String, Option<String>)>,
) -> Result<TagFilter, ApiError> {
    let from_query = query.get("tag").filter(|t| !t.is_empty());
    let parsed = match (from_query, path) {
        (Some(text), _) => TagFilter::parse(text),
        (None, Some((name, value))) => {
            app::core::tag::Tag::new(&name, value.as_deref().unwrap_or("")).map(|t| TagFilter {
                name: t.name,
                value,
                negate: false,
            })
        }
        (None, None) => TagFilter::parse(""),
    };
    parsed.map_err(ApiError::from)
}

/// `GET /api/tags/:host/:port`: the instance's tags as `name=value` strings, by name.
async fn tags(State(node): State<AppState>, Path((host, port)): KeyPath) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    match node.store.instance_tags(&key).await {
        Ok(tags) => json_with(StatusCode::OK, tags.iter().map(|t| t.pair()).collect::<Vec<_>>()),
        Err(e) => error(internal(e)),
    }
}

async fn tag_value(
    state: State<AppState>,
    Path((host, port)): KeyPath,
    query: QueryMap,
) -> Response {
    tag_value_named(state, (host, port), String::new(), query).await
}

/// `GET /api/tag-value/:host/:port[/:tagName][?tag=]`: the value as a JSON string, or an error
/// when the instance has no tag of that name.
async fn tag_value_named(
    State(node): State<AppState>,
    (host, port): (String, String),
    name: String,
    Query(query): QueryMap,
) -> Response {
    let key = match parse_key(&host, &port) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    let path = (!name.is_empty()).then_some((name, None));
    let wanted = match filter(&query, path) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    match node.store.instance_tags(&key).await {
        Ok(tags) => match tags.into_iter().find(|t| t.name == wanted.name) {
            Some(tag) => json_with(StatusCode::OK, tag.value),
            None => error(ApiError::NotFound(format!("tag {} not found for {key}", wanted.name))),
        },
        Err(e) => error(internal(e)),
    }
}

/// `GET /api/tagged?tag=`: the keys of the instances the comma-separated filters select.
async fn tagged_by(State(node): State<AppState>, Query(query): QueryMap) -> Response {
    let text = query.get("tag").map(String::as_str).unwrap_or("");
    let filters = match TagFilter::parse_all(text) {
        Ok(f) => f,
        Err(e) => return error(e.into()),
    };
    match node.store.all_tags().await {
        Ok(rows) => json_with(StatusCode::OK, tagged(&rows, &filters)),
        Err(e) => error(internal(e)),
    }
}

/// `untag` / `untag-all`: on the leader, the instances carrying the tag, untagged through raft;
/// `Details` lists them.
async fn untag(
    State(node): State<AppState>,
    instance: Option<(String, String)>,
    Query(query): QueryMap,
    path: Option<(String, Option<String>)>,
) -> Response {
    let key: Option<InstanceKey> = match instance.map(|(h, p)| parse_key(&h, &p)).transpose() {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    let untag = match filter(&query, path).and_then(|f| Untag::new(key, f).map_err(ApiError::from))
    {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    match node.store.all_tags().await {
        Ok(rows) => {
            let keys = untag.targets(&rows);
            submit(&node, Ok(Proposal::untag(untag, keys))).await
        }
        Err(e) => error(internal(e)),
    }
}
