#!/bin/sh
# Build the site + node binary with cargo-leptos and the test kit's launcher
# (`orchestrator-testkit`), then run the Playwright end-to-end tests against a real 3-node cluster
# and MariaDB topologies (started by end2end/tests/support/cluster.ts through the kit).
#
# Usage: end2end/run.sh [--release] [--no-build] [playwright args...]
# Env:   CARGO_TARGET_DIR (default <repo>/target), CHROMIUM_PATH (default /usr/bin/chromium),
#        ORCHESTRATOR_BIN / ORCHESTRATOR_TESTKIT_BIN / LEPTOS_SITE_ROOT (derived from the build by
#        default).
# Needs on PATH: cargo-leptos 0.3.10, wasm-bindgen 0.2.130 (= Cargo.lock). wasm-opt (release
# only) comes from end2end/node_modules (npm binaryen@132) through the end2end/bin shim, which
# this script puts on PATH; never use Debian's binaryen (it produces broken wasm).
set -eu

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$E2E_DIR/.." && pwd)

PROFILE=debug
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --release) PROFILE=release; shift ;;
    --no-build) BUILD=0; shift ;;
    *) break ;;
  esac
done

export PATH="$E2E_DIR/bin:$HOME/.cargo/bin:$PATH"
# The same flag cargo-leptos uses for debug builds, so plain cargo commands share the cache.
export RUSTFLAGS="${RUSTFLAGS:---cfg erase_components}"
# cargo-leptos 0.3.10 looks for the server binary under the *package* name (target/debug/server)
# unless bin-exe-name is set, and fails after compiling. The binary is `orchestrator`.
export LEPTOS_BIN_EXE_NAME="${LEPTOS_BIN_EXE_NAME:-orchestrator}"
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac

if [ ! -x "$E2E_DIR/node_modules/.bin/playwright" ] || [ ! -x "$E2E_DIR/node_modules/.bin/wasm-opt" ]; then
  (cd "$E2E_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if [ "$BUILD" = 1 ]; then
  command -v wasm-bindgen >/dev/null || { echo "run.sh: wasm-bindgen 0.2.130 not on PATH (cargo install wasm-bindgen-cli --version 0.2.130)" >&2; exit 1; }
  cd "$REPO"
  if [ "$PROFILE" = release ]; then
    cargo leptos build --release
  else
    cargo leptos build
  fi
  # cargo-leptos builds only the `orchestrator` bin (bin-features = []); the kit's launcher needs
  # the `testkit` feature. Same LEPTOS_OUTPUT_NAME as cargo-leptos, so the leptos crates are shared.
  if [ "$PROFILE" = release ]; then
    LEPTOS_OUTPUT_NAME=orchestrator cargo build --release -p server --features testkit --bin orchestrator-testkit
  else
    LEPTOS_OUTPUT_NAME=orchestrator cargo build -p server --features testkit --bin orchestrator-testkit
  fi
fi

export ORCHESTRATOR_BIN="${ORCHESTRATOR_BIN:-$TARGET_DIR/$PROFILE/orchestrator}"
export ORCHESTRATOR_TESTKIT_BIN="${ORCHESTRATOR_TESTKIT_BIN:-$TARGET_DIR/$PROFILE/orchestrator-testkit}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$REPO/target/site}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$E2E_DIR"
exec npx playwright test "$@"
