//! The dashboard: Leptos SSR routes, server functions and static files (built into the binary by
//! `embed-site`, else from the site root on disk), with the node's control plane in context for
//! both (SSR calls server functions through the render path).

use std::sync::{Arc, OnceLock};

use app::api::port::{SharedCommands, SharedQueries};
use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::routing::any;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};

use super::embedded_site;
use crate::auth::plane::provide as authorized;
use crate::control_plane::{NodeCommands, NodeQueries};
use crate::ports::AppState;

/// The app's routes, listed once per process. Listing them renders the app with resource loading
/// suppressed by a process-wide flag; a resource first polled by a page render on another thread
/// while that flag is up never loads, and that render hangs. Listing once, before the first
/// router exists, means no render can overlap it (several routers live in one process when
/// nodes run in-process, as in the tests).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Router for pages, `/sfn/*` server functions and `/pkg` assets: embedded files first, then
/// the site root on disk, else the 404 page.
pub fn router(node: AppState, options: LeptosOptions) -> Router {
    // Server functions and pages get the control plane bound to the request's caller: its
    // writes go through crate::auth's one authorization check.
    let security = node.security.clone();
    let queries: SharedQueries = Arc::new(NodeQueries(node.clone()));
    let plane: SharedCommands = Arc::new(NodeCommands(node));
    let routes = route_list();
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
    if embedded_site::is_embedded() {
        tracing::info!("dashboard assets built into the binary");
    } else {
        tracing::info!(site_root = %options.site_root, "dashboard assets served from the site root");
    }
    let render_options = options.clone();
    // The 404 page renders the whole shell (served-by banner and all), so it needs the same
    // context as every page; without it the render fails and the answer is a 500.
    let (nf_plane, nf_queries, nf_security) = (plane.clone(), queries.clone(), security.clone());
    let from_disk = leptos_axum::file_and_error_handler_with_context(
        move || authorized(&nf_plane, &nf_queries, &nf_security),
        shell,
    );
    let files = move |uri: Uri, state: State<LeptosOptions>, request: Request| {
        let from_disk = from_disk.clone();
        async move {
            let embedded = embedded_site::respond(request.method(), uri.path(), request.headers());
            match embedded {
                Some(response) => response,
                None => from_disk(uri, state, request).await,
            }
        }
    };
    Router::new()
        .route("/sfn/{*fn_name}", any(server_fns))
        .leptos_routes_with_context(
            &options,
            routes,
            move || authorized(&plane, &queries, &security),
            move || shell(render_options.clone()),
        )
        .fallback(files)
        .with_state(options)
}
