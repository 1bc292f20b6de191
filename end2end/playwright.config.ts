import { defineConfig, devices } from "@playwright/test";

// End-to-end tests against a REAL 3-node orchestrator-rs raft cluster.
//
// The cluster is started by globalSetup (tests/support/cluster.ts) with the Rust test kit's
// `orchestrator-testkit up`: two MariaDB topologies, then three `orchestrator` processes on free
// loopback ports, each with its own temp dir, config and SQLite file. It writes
// test-results/cluster.json (node URLs, pids, ids, MariaDB servers, the kit's control URL) for the
// tests; the teardown it returns stops the kit, which kills everything and removes the temp dirs.
//
// Env:
//   ORCHESTRATOR_BIN  the node binary (default $CARGO_TARGET_DIR/debug/orchestrator, else ../target/debug/orchestrator)
//   ORCHESTRATOR_TESTKIT_BIN  the kit (default: orchestrator-testkit next to ORCHESTRATOR_BIN)
//   LEPTOS_SITE_ROOT  built site (default ../target/site, built by `cargo leptos build`)
//   CHROMIUM_PATH     browser (default /usr/bin/chromium; Playwright's own browsers are never downloaded)
// See end2end/run.sh for the full build + test sequence.
export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  globalSetup: "./tests/support/cluster.ts",
  use: {
    trace: "off",
    // The final state of every test is kept as test-results/<test>/test-finished-1.png; the
    // tests also save their own named screenshots (one per node) there.
    screenshot: "on",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
});
