//! `URLPrefix`: requests under the prefix reach the routes as if served at the root.
//!
//! The API, `/metrics`, server functions and `/pkg` assets see the path without the prefix;
//! dashboard pages keep it, because the dashboard's router carries the prefix as its base (so
//! server and browser render the same links); the bare prefix redirects to the clusters page, as
//! orchestrator's index does. Outside the prefix only node-to-node
//! `/internal/*`, `/sfn/*` (the no-JavaScript form posts) and a custom `StatusEndpoint` (served
//! at its own path, as orchestrator does) are answered; everything else is a JSON 404.

use app::api::ApiError;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::reply::error;

/// What the prefix settings are: the prefix and the custom status path, if any.
#[derive(Clone, Debug)]
pub struct Prefix {
    /// `URLPrefix` as normalised by the config (`/name`, never empty here).
    pub prefix: String,
    /// A `StatusEndpoint` other than the default, answered outside the prefix.
    pub custom_status: Option<String>,
}

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// Served with its path unchanged.
    Pass,
    /// Served with this path (the prefix removed).
    Strip(String),
    /// The bare prefix: redirected to the clusters page.
    Redirect(String),
    /// Outside the prefix.
    NotFound,
}

fn route(p: &Prefix, path: &str) -> Route {
    let rest = path.strip_prefix(p.prefix.as_str());
    if rest == Some("") || rest == Some("/") {
        // As orchestrator's index: the clusters page, under the prefix.
        return Route::Redirect(format!("{}/web/clusters", p.prefix));
    }
    if let Some(rest) = rest.filter(|r| r.starts_with('/')) {
        return if rest == "/web" || rest.starts_with("/web/") {
            Route::Pass
        } else {
            Route::Strip(rest.to_string())
        };
    }
    let node_to_node = path.starts_with("/internal/") || path.starts_with("/sfn/");
    if node_to_node || p.custom_status.as_deref() == Some(path) {
        Route::Pass
    } else {
        Route::NotFound
    }
}

/// Middleware: applies [`Prefix`] to every request.
pub async fn apply(State(p): State<Prefix>, mut request: Request, next: Next) -> Response {
    match route(&p, request.uri().path()) {
        Route::Pass => next.run(request).await,
        Route::Redirect(to) => Redirect::permanent(&to).into_response(),
        Route::NotFound => error(ApiError::NotFound(format!(
            "{} is outside URLPrefix {}",
            request.uri().path(),
            p.prefix
        ))),
        Route::Strip(path) => {
            let with_query = match request.uri().query() {
                Some(q) => format!("{path}?{q}"),
                None => path,
            };
            match with_query.parse::<Uri>() {
                Ok(uri) => {
                    *request.uri_mut() = uri;
                    next.run(request).await
                }
                Err(e) => error(ApiError::Validation(format!("bad request path: {e}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{route, Prefix, Route};

    fn prefix(custom: Option<&str>) -> Prefix {
        Prefix { prefix: "/orc".into(), custom_status: custom.map(String::from) }
    }

    #[test]
    fn api_and_assets_lose_the_prefix_pages_keep_it() {
        let p = prefix(None);
        assert_eq!(route(&p, "/orc/api/leader-check"), Route::Strip("/api/leader-check".into()));
        assert_eq!(
            route(&p, "/orc/pkg/orchestrator.js"),
            Route::Strip("/pkg/orchestrator.js".into())
        );
        assert_eq!(route(&p, "/orc/sfn/get_pulse"), Route::Strip("/sfn/get_pulse".into()));
        assert_eq!(route(&p, "/orc/metrics"), Route::Strip("/metrics".into()));
        assert_eq!(route(&p, "/orc/web/clusters"), Route::Pass);
        assert_eq!(route(&p, "/orc/"), Route::Redirect("/orc/web/clusters".into()));
        assert_eq!(route(&p, "/orc"), Route::Redirect("/orc/web/clusters".into()));
        assert_eq!(route(&p, "/orcx/api/x"), Route::NotFound);
    }

    #[test]
    fn outside_the_prefix_only_node_to_node_paths_answer() {
        let p = prefix(Some("/api/lb-check"));
        assert_eq!(route(&p, "/api/leader-check"), Route::NotFound);
        assert_eq!(route(&p, "/web/clusters"), Route::NotFound);
        assert_eq!(route(&p, "/orchestrator/api/x"), Route::NotFound);
        assert_eq!(route(&p, "/internal/propose"), Route::Pass);
        assert_eq!(route(&p, "/sfn/begin_downtime"), Route::Pass);
        assert_eq!(route(&p, "/api/lb-check"), Route::Pass);
    }
}
