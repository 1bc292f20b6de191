#!/bin/sh
# Dashboard benchmark: server render time and browser time-to-interactive for a 500-instance
# cluster page and the overview of 1,000 clusters / 10,000 instances (plus the big cluster).
#
# Usage: end2end/bench/run.sh [--release]
#   builds with cargo leptos (debug, or release into a separate site root), then runs
#   end2end/bench/dashboard.bench.ts. Results: printed, and test-results/bench/results.json.
# Env: CARGO_TARGET_DIR, CHROMIUM_PATH, BENCH_RUNS (page loads per measurement, default 5).
set -eu
E2E_DIR=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(cd "$E2E_DIR/.." && pwd)
. "$REPO/.ci/env.sh"
export LEPTOS_BIN_EXE_NAME=orchestrator
PROFILE=debug
SITE="$REPO/target/site"
if [ "${1:-}" = "--release" ]; then
  PROFILE=release
  SITE="$REPO/target/site-release"
fi
cd "$REPO"
if [ "$PROFILE" = release ]; then
  LEPTOS_SITE_ROOT="$SITE" cargo leptos build --release
else
  cargo leptos build
fi
# Same LEPTOS_OUTPUT_NAME as cargo-leptos, so that this build shares its compiled leptos crates.
if [ "$PROFILE" = release ]; then
  LEPTOS_OUTPUT_NAME=orchestrator cargo build --release -p server --bin orchestrator-seed
else
  LEPTOS_OUTPUT_NAME=orchestrator cargo build -p server --bin orchestrator-seed
fi
export ORCHESTRATOR_BIN="$CARGO_TARGET_DIR/$PROFILE/orchestrator" SEED_BIN="$CARGO_TARGET_DIR/$PROFILE/orchestrator-seed"
export LEPTOS_SITE_ROOT="$SITE" BENCH_PROFILE="$PROFILE"
cd "$E2E_DIR"
exec npx playwright test -c playwright.bench.config.ts
