//! Leptos.toml (runtime site settings the nodes read) must not drift from Cargo.toml's
//! `[[workspace.metadata.leptos]]` (what cargo-leptos builds), and must load at runtime with
//! `LEPTOS_*` variables taking precedence.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn table(path: &str) -> toml::Value {
    let text = std::fs::read_to_string(root().join(path)).expect(path);
    text.parse::<toml::Value>().expect(path)
}

#[test]
fn shared_keys_match_cargo_metadata() {
    let cargo = table("Cargo.toml");
    let build = &cargo["workspace"]["metadata"]["leptos"][0];
    let leptos = table("Leptos.toml");
    let runtime = &leptos["package"]["metadata"]["leptos"];
    assert_eq!(build["name"], runtime["output-name"], "Cargo.toml name vs Leptos.toml output-name");
    for key in ["site-root", "site-pkg-dir", "site-addr", "reload-port"] {
        assert_eq!(
            build[key], runtime[key],
            "key {key} differs between Cargo.toml and Leptos.toml"
        );
    }
}

#[test]
fn runtime_loads_leptos_toml() {
    let options =
        server::site_options::load(Some(&root().join("Leptos.toml"))).expect("Leptos.toml loads");
    assert_eq!(&*options.output_name, "orchestrator");
    assert_eq!(&*options.site_pkg_dir, "pkg");
    let defaults = server::site_options::defaults();
    assert_eq!(options.output_name, defaults.output_name, "built-in defaults match the file");
    assert_eq!(options.site_root, defaults.site_root);
}
