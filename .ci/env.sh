# Shared environment for the .ci scripts (sourced, not executed).
# A persistent target dir outside the checkout, so CI on a clean clone reuses compiled artifacts.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator-rs/target}"
# cargo-leptos builds debug with this cfg; plain cargo commands use it too so they share artifacts.
export RUSTFLAGS="${RUSTFLAGS:---cfg erase_components}"
export RUSTDOCFLAGS="${RUSTDOCFLAGS:---cfg erase_components}"
export PATH="$HOME/.cargo/bin:$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/end2end/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Leptos bakes the asset name into the binary at compile time; cargo-leptos sets this, and plain
# cargo builds must too, or a server built by `cargo test` would serve a wasm file that does not
# exist (and every build would recompile leptos with different settings).
export LEPTOS_OUTPUT_NAME=orchestrator
