//! The dashboard: Leptos SSR routes, server functions and static files, with the node's
//! control plane in context for both (SSR calls server functions through the render path).

use std::sync::Arc;

use app::api::port::{SharedCommands, SharedQueries};
use app::{shell, App};
use axum::extract::Request;
use axum::routing::any;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};

use crate::auth::plane::provide as authorized;
use crate::control_plane::{NodeCommands, NodeQueries};
use crate::ports::AppState;

/// Router for pages, `/sfn/*` server functions and `/pkg` assets.
pub fn router(node: AppState, options: LeptosOptions) -> Router {
    // Server functions and pages get the control plane bound to the request's caller: its
    // writes go through crate::auth's one authorization check.
    let security = node.security.clone();
    let queries: SharedQueries = Arc::new(NodeQueries(node.clone()));
    let plane: SharedCommands = Arc::new(NodeCommands(node));
    let routes = generate_route_list(App);
    let sfn_plane = plane.clone();
    let sfn_queries = queries.clone();
    let sfn_security = security.clone();
    let server_fns = move |request: Request| {
        let plane = sfn_plane.clone();
        let queries = sfn_queries.clone();
        let security = sfn_security.clone();
        async move {
            handle_server_fns_with_context(move || authorized(&plane, &queries, &security), request)
                .await
        }
    };
    let render_options = options.clone();
    Router::new()
        .route("/sfn/{*fn_name}", any(server_fns))
        .leptos_routes_with_context(
            &options,
            routes,
            move || authorized(&plane, &queries, &security),
            move || shell(render_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}
