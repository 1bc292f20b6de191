// A REAL 3-node orchestrator-rs cluster and two MariaDB topologies for the end-to-end tests,
// started by the Rust test kit (testkit.ts: `orchestrator-testkit up`), the same MariaDB sandbox
// and process cluster the Rust tests use.
//
// The default export is Playwright's globalSetup: it starts the kit, which starts the MariaDB
// fleet (mariadb.ts), then three `orchestrator` processes on free loopback ports (each with its
// own temp dir, config, raft dir and SQLite file), and waits until exactly one node answers 200
// on /api/leader-check and every node is raft-healthy. The description goes to
// test-results/cluster.json; tests read it with `readCluster()`. `killNode`/`startNode`/
// `restartNode`/`waitForSingleLeader` go through the kit's control API, so they work from any
// process (the runner or a test worker). The teardown returned by globalSetup stops the kit, which
// kills and removes everything; node logs are copied to test-results/cluster-logs/.

import * as fs from "node:fs";
import * as path from "node:path";
import { FLEET_KEYS, FLEET_TOPOLOGY } from "./mariadb";
import { CLUSTER_DEADLINE_MS, control, END2END_DIR, REPO_ROOT, STATE_FILE, startKit, stopKit, writeCluster, type ClusterState } from "./testkit";

export { CLUSTER_DEADLINE_MS, readCluster, type ClusterState, type NodeInfo } from "./testkit";

const LOG_DIR = path.join(END2END_DIR, "test-results", "cluster-logs");
const NODES = 3;

export function nodeBinary(): string {
  if (process.env.ORCHESTRATOR_BIN) return path.resolve(REPO_ROOT, process.env.ORCHESTRATOR_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR) : path.join(REPO_ROOT, "target");
  return path.join(targetDir, "debug", "orchestrator");
}

export function testkitBinary(): string {
  if (process.env.ORCHESTRATOR_TESTKIT_BIN) return path.resolve(REPO_ROOT, process.env.ORCHESTRATOR_TESTKIT_BIN);
  return path.join(path.dirname(nodeBinary()), "orchestrator-testkit");
}

export function siteRoot(): string {
  return path.resolve(REPO_ROOT, process.env.LEPTOS_SITE_ROOT ?? "target/site");
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every `everyMs` until it returns a non-undefined value or the deadline passes. */
export async function waitFor<T>(
  what: string,
  cond: () => Promise<T | undefined>,
  timeoutMs = CLUSTER_DEADLINE_MS,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined) return v;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${last ? ` (last error: ${last})` : ""}`);
    await sleep(everyMs);
  }
}

/** GET `url`: status code, or 0 when the node does not answer. */
export async function httpStatus(url: string, timeoutMs = 2_000): Promise<number> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

export async function getJson<T = any>(url: string, timeoutMs = 5_000): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await r.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: r.status, body };
}

// ---------------------------------------------------------------------------------------------
// Nodes, through the kit's control API

/** Kills node `index` with SIGKILL (the kit reaps it). */
export async function killNode(index: number): Promise<ClusterState> {
  return control(`/nodes/${index}/kill9`);
}

/** Starts node `index` again (same config, ports and data) and waits until it is raft-healthy. */
export async function startNode(index: number): Promise<ClusterState> {
  return control(`/nodes/${index}/start`);
}

/** kill -9 node `index`, start it again on the same ports and data, and wait until it is healthy. */
export async function restartNode(index: number): Promise<ClusterState> {
  return control(`/nodes/${index}/restart`);
}

/**
 * Waits until exactly one running node answers 200 on /api/leader-check and every running node
 * is raft-healthy; returns the leader's index.
 */
export async function waitForSingleLeader(): Promise<number> {
  const { leader } = await control("/leader");
  if (leader === undefined) throw new Error("orchestrator-testkit /leader: no leader in the answer");
  return leader;
}

// ---------------------------------------------------------------------------------------------
// globalSetup

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = nodeBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`orchestrator binary not found at ${bin}: run \`cargo leptos build\` (see end2end/run.sh) or set ORCHESTRATOR_BIN`);
  }
  for (const f of ["orchestrator.js", "orchestrator.wasm", "orchestrator.css"]) {
    if (!fs.existsSync(path.join(siteRoot(), "pkg", f))) {
      throw new Error(`${path.join(siteRoot(), "pkg", f)} is missing: run \`cargo leptos build\` or set LEPTOS_SITE_ROOT`);
    }
  }
  fs.rmSync(LOG_DIR, { recursive: true, force: true });
  fs.rmSync(STATE_FILE, { force: true });
  const started = Date.now();
  const extra = { ...FLEET_KEYS, LeptosConfigFile: path.join(REPO_ROOT, "Leptos.toml") };
  const { kit, state } = await startKit(testkitBinary(), [
    "--nodes", String(NODES),
    "--mariadb-topology", FLEET_TOPOLOGY,
    "--extra", JSON.stringify(extra),
    "--orchestrator-bin", bin,
    "--env", `LEPTOS_SITE_ROOT=${siteRoot()}`,
    "--env", "NO_COLOR=1",
    "--rust-log", process.env.RUST_LOG ?? "info,openraft=warn,sqlx=warn,tower_http=warn",
    "--logs-dir", LOG_DIR,
    "--deadline", String(CLUSTER_DEADLINE_MS / 1000),
  ]);
  // Last resort if the runner exits without the teardown (the kit's stdin closes then too).
  process.once("exit", () => kit.kill("SIGTERM"));
  writeCluster(state);
  console.log(
    `[cluster] MariaDB ${state.mariadb.servers.map((s) => `${s.name}=${s.port}`).join(", ")}; ` +
      `${state.nodes.length} nodes up in ${Date.now() - started} ms: ${state.nodes.map((n) => `${n.url} (id ${n.id}, pid ${n.pid})`).join(", ")}`,
  );
  return () => stopKit(kit);
}
