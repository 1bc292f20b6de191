//! `URLPrefix`: the path every dashboard link, asset and server-function call starts with.
//!
//! The server sets it once at start-up from its configuration and writes it into the page's
//! `<meta name="orchestrator-url-prefix">`; the browser reads it back before hydrating, so both
//! sides render the same links. Empty (the default) means the dashboard is served at the root.

use std::sync::OnceLock;

/// The `<meta>` element's name carrying the prefix to the browser.
pub const META_NAME: &str = "orchestrator-url-prefix";

static PREFIX: OnceLock<String> = OnceLock::new();

/// Sets the prefix for this process (first call wins; later calls are ignored). On the
/// browser it also makes server-function calls go to `<prefix>/sfn/...`.
pub fn set(prefix: &str) {
    if PREFIX.set(prefix.to_string()).is_ok() {
        #[cfg(feature = "hydrate")]
        if let Some(p) = PREFIX.get().filter(|p| !p.is_empty()) {
            // Only fails when already set, which the OnceLock above rules out.
            let _ = leptos::server_fn::client::try_set_server_url(p.as_str());
        }
    }
}

/// The prefix (`""` or `/name`, never with a trailing slash).
pub fn get() -> &'static str {
    PREFIX.get().map(String::as_str).unwrap_or("")
}

/// `path` (absolute, starting with `/`) under the prefix.
pub fn web(path: &str) -> String {
    format!("{}{path}", get())
}

/// `path` under the prefix on another node whose base URI is `base` (`http://host:port`).
pub fn on_node(base: &str, path: &str) -> String {
    format!("{}{}{path}", base.trim_end_matches('/'), get())
}

/// Reads the prefix the server wrote into the page (browser only).
#[cfg(feature = "hydrate")]
pub fn from_page() -> Option<String> {
    let selector = format!("meta[name=\"{META_NAME}\"]");
    let meta = leptos::prelude::document().query_selector(&selector).ok().flatten()?;
    meta.get_attribute("content")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_prefix_leaves_paths_at_the_root() {
        assert_eq!(get(), "");
        assert_eq!(web("/web/raft"), "/web/raft");
        assert_eq!(on_node("http://10.0.0.1:3000/", "/web/raft"), "http://10.0.0.1:3000/web/raft");
    }
}
