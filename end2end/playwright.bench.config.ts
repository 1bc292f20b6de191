import { defineConfig, devices } from "@playwright/test";

// The dashboard benchmark (not a test suite): one orchestrator node seeded with a synthetic
// fleet, server render time and browser time-to-interactive. Run with end2end/bench/run.sh.
export default defineConfig({
  testDir: "./bench",
  testMatch: /.*\.bench\.ts$/,
  timeout: 600_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results/bench",
  use: { trace: "off" },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1280, height: 900 },
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        },
      },
    },
  ],
});
