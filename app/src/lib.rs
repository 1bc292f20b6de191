//! The orchestrator-rs application crate: pure domain core, server-function API and Leptos UI.
//!
//! Layout:
//! - [`core`]: pure domain (commands, validation, downtime, promotion rules); no I/O, compiles to wasm.
//! - [`api`]: `#[server]` functions and view DTOs; the only way the UI reaches the node.
//! - [`ui`]: Leptos components and pages.
#![recursion_limit = "256"]

pub mod api;
pub mod core;
pub mod ui;

pub use ui::{shell, App};

/// Browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    if let Some(prefix) = ui::url_prefix::from_page() {
        ui::url_prefix::set(&prefix);
    }
    leptos::mount::hydrate_body(App);
}
