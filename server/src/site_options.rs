//! Leptos runtime site options for a node: `Leptos.toml` when present, else built-in defaults;
//! `LEPTOS_*` environment variables override either.

use std::path::Path;

use leptos::config::{get_configuration, LeptosOptions};

/// Loads the site options: `file` if given, else `./Leptos.toml` if it exists, else defaults
/// (`target/site`, `/pkg`, output name `orchestrator`).
pub fn load(file: Option<&Path>) -> Result<LeptosOptions, String> {
    let default_file = Path::new("Leptos.toml");
    let path = match file {
        Some(p) => Some(p),
        None if default_file.exists() => Some(default_file),
        None => None,
    };
    match path {
        Some(p) => get_configuration(Some(&p.to_string_lossy()))
            .map(|c| c.leptos_options)
            .map_err(|e| format!("cannot read {}: {e}", p.display())),
        None => Ok(defaults()),
    }
}

/// Built-in defaults, matching Cargo.toml's `[[workspace.metadata.leptos]]`.
pub fn defaults() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("orchestrator")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build()
}
