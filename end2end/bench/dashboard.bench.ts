// Dashboard benchmark (docs/benchmarks.md): server render time and browser time-to-interactive of
//  - the overview of 1,000 clusters / 10,000 instances (plus one 500-instance cluster), and
//  - the page of one 500-instance cluster,
// on ONE orchestrator node whose store is seeded directly (orchestrator-seed, through the
// prober's `Store::write_batch`). Not a test of correctness: it measures and prints, and records
// the figures in test-results/bench/results.json. Targets: 500-instance cluster interactive
// <= 1 s, overview LCP <= 2.5 s.
//
// Server render: wall time of a full GET of the page's HTML (SSR waits for all data: SsrMode::Async).
// Browser: navigation start to FCP, LCP, and "interactive" = the app's hydration marker
// (body[data-hydrated]) set by the first effect after hydration, i.e. when every link and form
// of the page is live; plus a click-to-panel interaction on the big cluster.

import { expect, test } from "@playwright/test";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "..", "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLUSTERS = 1000;
const BIG = 500;

function need(name: string): string {
  const v = process.env[name];
  if (!v || !fs.existsSync(v)) throw new Error(`${name} must point to a built binary (use end2end/bench/run.sh)`);
  return v;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs: number[]) => Math.max(...xs);
const round = (x: number) => Math.round(x);

interface Measured {
  page: string;
  htmlBytes: number;
  serverMs: number[];
  fcpMs: number[];
  lcpMs: number[];
  interactiveMs: number[];
  clickToPanelMs?: number[];
}

test("dashboard render and time-to-interactive on a seeded fleet", async ({ browser }, testInfo) => {
  const bin = need("ORCHESTRATOR_BIN");
  const seed = need("SEED_BIN");
  const site = path.resolve(process.env.LEPTOS_SITE_ROOT ?? path.join(REPO, "target", "site"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orc-dash-bench-"));
  const [httpPort, raftPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${httpPort}`;
  const config = {
    RaftEnabled: true,
    RaftDataDir: path.join(dir, "raft"),
    RaftBind: `127.0.0.1:${raftPort}`,
    RaftNodes: [`127.0.0.1:${raftPort}`],
    ListenAddress: `127.0.0.1:${httpPort}`,
    BackendDB: "sqlite",
    SQLite3DataFile: path.join(dir, "orchestrator.db"),
    LeptosConfigFile: path.join(REPO, "Leptos.toml"),
  };
  fs.writeFileSync(path.join(dir, "orchestrator.conf.json"), JSON.stringify(config));
  const log = fs.openSync(testInfo.outputPath("node.log"), "w");
  const node = spawn(bin, ["--config", path.join(dir, "orchestrator.conf.json"), "http"], {
    cwd: REPO,
    env: { ...process.env, LEPTOS_SITE_ROOT: site, RUST_LOG: "warn", NO_COLOR: "1" },
    stdio: ["ignore", log, log],
  });
  try {
    await until("the node to lead", async () => ((await fetch(`${url}/api/leader-check`)).status === 200 ? true : undefined));
    const seeded = await run(seed, ["--sqlite", config.SQLite3DataFile, "--clusters", String(CLUSTERS), "--big", String(BIG)]);
    console.log(seeded.stdout.trim());
    const total = CLUSTERS * 10 + BIG;
    await until(`the analysis to see ${total} instances`, async () => {
      const r = await (await fetch(`${url}/api/clusters`)).json();
      return Array.isArray(r) && r.length === CLUSTERS + 1 ? true : undefined;
    });

    const results: Measured[] = [];
    for (const [label, pagePath] of [
      [`overview: ${CLUSTERS + 1} clusters, ${total} instances`, "/web/clusters"],
      [`cluster page: ${BIG} instances`, "/web/cluster/big-db001.bench.invalid:3306"],
    ]) {
      const m: Measured = { page: label, htmlBytes: 0, serverMs: [], fcpMs: [], lcpMs: [], interactiveMs: [] };
      // Server render: full HTML, sequential requests (first one warms caches and is dropped).
      for (let i = 0; i <= RUNS; i++) {
        const t = performance.now();
        const res = await fetch(url + pagePath);
        const body = await res.text();
        const ms = performance.now() - t;
        expect(res.status).toBe(200);
        m.htmlBytes = body.length;
        if (i > 0) m.serverMs.push(ms);
      }
      // Browser: fresh context per load (cold JS/wasm compile each time, HTTP cache empty).
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.addInitScript(() => {
          const w = window as any;
          w.__lcp = 0;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__lcp = Math.max(w.__lcp, e.startTime);
          }).observe({ type: "largest-contentful-paint", buffered: true });
          new MutationObserver((_, obs) => {
            if (document.body?.dataset.hydrated === "true") {
              w.__interactive = performance.now();
              obs.disconnect();
            }
          }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
        });
        await page.goto(url + pagePath, { waitUntil: "load" });
        await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
        const t = await page.evaluate(() => {
          const w = window as any;
          const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? 0;
          return { fcp, lcp: w.__lcp as number, interactive: w.__interactive as number };
        });
        m.fcpMs.push(t.fcp);
        m.lcpMs.push(t.lcp);
        m.interactiveMs.push(t.interactive);
        if (pagePath.startsWith("/web/cluster/")) {
          const box = page.locator('#topology-tree a.ibox[data-key="big-db250.bench.invalid:3306"]');
          const t0 = Date.now();
          await box.click();
          await expect(page.locator("#panel-title")).toHaveText("big-db250.bench.invalid:3306");
          (m.clickToPanelMs ??= []).push(Date.now() - t0);
          if (i === 0) await page.screenshot({ path: testInfo.outputPath("big-cluster.png") });
        } else if (i === 0) {
          await page.screenshot({ path: testInfo.outputPath("overview.png") });
        }
        await context.close();
      }
      results.push(m);
    }

    const rows = results.map((m) => ({
      page: m.page,
      html: `${Math.round(m.htmlBytes / 1024)} KiB`,
      "server render median/max ms": `${round(median(m.serverMs))} / ${round(max(m.serverMs))}`,
      "FCP median ms": round(median(m.fcpMs)),
      "LCP median/max ms": `${round(median(m.lcpMs))} / ${round(max(m.lcpMs))}`,
      "interactive median/max ms": `${round(median(m.interactiveMs))} / ${round(max(m.interactiveMs))}`,
      "click→panel median ms": m.clickToPanelMs ? round(median(m.clickToPanelMs)) : "-",
    }));
    console.table(rows);
    fs.writeFileSync(
      testInfo.outputPath("results.json"),
      JSON.stringify({ profile: process.env.BENCH_PROFILE ?? "?", runs: RUNS, cpus: os.cpus().length, results, rows }, null, 2),
    );
    fs.mkdirSync(path.join(__dirname, "..", "test-results", "bench"), { recursive: true });
    fs.copyFileSync(testInfo.outputPath("results.json"), path.join(__dirname, "..", "test-results", "bench", "results.json"));
  } finally {
    node.kill("SIGKILL");
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
