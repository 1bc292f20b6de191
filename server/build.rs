//! Build script: with the `embed-site` feature, writes `$OUT_DIR/embedded_site.rs`, a table of
//! every file of the cargo-leptos site (`<repo>/target/site`, or `$ORC_SITE_DIR`) built into the
//! binary with `include_bytes!` (served by src/http/embedded_site.rs). Without the feature it
//! writes nothing and needs no site.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ORC_SITE_DIR");
    println!("cargo:rerun-if-env-changed=LEPTOS_OUTPUT_NAME");
    if env::var_os("CARGO_FEATURE_EMBED_SITE").is_none() {
        return;
    }
    if let Err(message) = embed() {
        eprintln!("error: feature embed-site: {message}");
        std::process::exit(1);
    }
}

/// One site file: its URL path and where its bytes are read from.
struct SiteFile {
    url: String,
    source: PathBuf,
}

fn embed() -> Result<(), String> {
    let manifest =
        env::var("CARGO_MANIFEST_DIR").map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?;
    let repo = Path::new(&manifest).parent().ok_or("server crate has no parent directory")?;
    let site = match env::var_os("ORC_SITE_DIR") {
        Some(dir) => repo.join(dir),
        None => repo.join("target/site"),
    };
    let output_name = env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "orchestrator".into());
    for needed in [format!("pkg/{output_name}.js"), format!("pkg/{output_name}.wasm")] {
        if !site.join(&needed).is_file() {
            return Err(format!(
                "the dashboard site {} has no {needed}; build it first with \
                 `cargo leptos build` (or .ci/package), or point ORC_SITE_DIR at a built site",
                site.display()
            ));
        }
    }
    println!("cargo:rerun-if-changed={}", site.display());
    let mut files = Vec::new();
    collect(&site, &site, &mut files)?;
    files.sort_by(|a, b| a.url.cmp(&b.url));
    let mut table = String::from("pub static FILES: &[EmbeddedFile] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.source.display());
        let bytes = fs::read(&file.source)
            .map_err(|e| format!("cannot read {}: {e}", file.source.display()))?;
        let mut hasher = DefaultHasher::new();
        hasher.write(&bytes);
        let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len());
        let _ = writeln!(
            table,
            "    EmbeddedFile {{ path: {:?}, bytes: include_bytes!({:?}), content_type: {:?}, etag: {:?} }},",
            file.url,
            file.source.display().to_string(),
            content_type(&file.url),
            etag,
        );
    }
    table.push_str("];\n");
    let out = env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?;
    let target = Path::new(&out).join("embedded_site.rs");
    fs::write(&target, table).map_err(|e| format!("cannot write {}: {e}", target.display()))
}

/// Every regular file under `dir`, with its URL path relative to `root`.
fn collect(root: &Path, dir: &Path, files: &mut Vec<SiteFile>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
            continue;
        }
        let relative = path.strip_prefix(root).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut url = String::new();
        for part in relative.components() {
            let part = part
                .as_os_str()
                .to_str()
                .ok_or_else(|| format!("site file name is not UTF-8: {}", path.display()))?;
            url.push('/');
            url.push_str(part);
        }
        files.push(SiteFile { url, source: path });
    }
    Ok(())
}

/// The Content-Type of a site file, by extension (the kinds cargo-leptos and `public/` hold).
fn content_type(url: &str) -> &'static str {
    let extension = url.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
