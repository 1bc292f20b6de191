// A REAL 3-node orchestrator-rs cluster for the end-to-end tests.
//
// The default export is Playwright's globalSetup: it starts three `orchestrator` processes on
// free loopback ports (found at runtime), each with its own temp dir, config file, raft dir and
// SQLite file, waits (with a deadline) until exactly one node answers 200 on
// /api/leader-check and every node is raft-healthy, and writes the cluster description to
// test-results/cluster.json. Tests read it with `readCluster()`; `killNode`/`startNode`/
// `restartNode` work from any process (the runner or a test worker) because the pids live in
// that file. globalTeardown (cluster-teardown.ts) calls `stopCluster()` and `stopFleet()`.
// Before the nodes, globalSetup starts the MariaDB fleet (mariadb.ts) the nodes discover.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { killFleetSync, orchestratorConfig, startFleet } from "./mariadb";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const END2END_DIR = path.join(REPO_ROOT, "end2end");
export const STATE_FILE = path.join(END2END_DIR, "test-results", "cluster.json");
const LOG_DIR = path.join(END2END_DIR, "test-results", "cluster-logs");

/** Deadline for the cluster to elect a leader / a node to come back. */
export const CLUSTER_DEADLINE_MS = 60_000;
const NODES = 3;

export interface NodeInfo {
  index: number;
  /** Raft id (from /api/raft-status, filled once the node answered). */
  id: number | null;
  /** HTTP base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  raftAddr: string;
  dir: string;
  configFile: string;
  logFile: string;
  /** pid of the running process, or null when stopped. */
  pid: number | null;
}

export interface ClusterState {
  bin: string;
  siteRoot: string;
  tmpRoot: string;
  nodes: NodeInfo[];
}

// ---------------------------------------------------------------------------------------------
// Paths and state file

function defaultBinary(): string {
  if (process.env.ORCHESTRATOR_BIN) return path.resolve(REPO_ROOT, process.env.ORCHESTRATOR_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(REPO_ROOT, "target");
  return path.join(targetDir, "debug", "orchestrator");
}

function defaultSiteRoot(): string {
  return path.resolve(REPO_ROOT, process.env.LEPTOS_SITE_ROOT ?? "target/site");
}

export function readCluster(): ClusterState {
  return JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as ClusterState;
}

function writeCluster(state: ClusterState): void {
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, STATE_FILE);
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

/** `count` distinct free loopback ports (all held open together so none repeats). */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = net.createServer();
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** True while `pid` exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // state is the field after "(comm)"
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function logTail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// ---------------------------------------------------------------------------------------------
// Node processes

/** Starts node `index` (config, data and ports unchanged) and records its pid. Does not wait. */
export function startNode(index: number, state: ClusterState = readCluster()): ClusterState {
  const node = state.nodes[index];
  if (node.pid !== null && isAlive(node.pid)) throw new Error(`node ${index} is already running (pid ${node.pid})`);
  fs.mkdirSync(path.dirname(node.logFile), { recursive: true });
  const log = fs.openSync(node.logFile, "a");
  fs.writeSync(log, `\n==== ${new Date().toISOString()} starting ${state.bin} --config ${node.configFile} http\n`);
  const child = spawn(state.bin, ["--config", node.configFile, "http"], {
    cwd: REPO_ROOT, // finds Leptos.toml; the site root is absolute anyway
    env: {
      ...process.env,
      LEPTOS_SITE_ROOT: state.siteRoot,
      RUST_LOG: process.env.RUST_LOG ?? "info,openraft=warn,sqlx=warn,tower_http=warn",
      NO_COLOR: "1",
    },
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`cannot spawn ${state.bin}`);
  child.unref(); // the process outlives the worker that restarted it; teardown kills it by pid
  node.pid = child.pid;
  writeCluster(state);
  return state;
}

/** Kills node `index` with SIGKILL and waits until the process is gone. */
export async function killNode(index: number, state: ClusterState = readCluster()): Promise<ClusterState> {
  const node = state.nodes[index];
  if (node.pid !== null) {
    const pid = node.pid;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    await waitFor(`node ${index} (pid ${pid}) to die`, async () => (isAlive(pid) ? undefined : true), 10_000, 20);
  }
  node.pid = null;
  writeCluster(state);
  return state;
}

/** Waits until node `index` answers 200 on /api/raft-health (leader or follower of a known leader). */
export async function waitNodeHealthy(index: number, state: ClusterState = readCluster()): Promise<void> {
  const node = state.nodes[index];
  await waitFor(`node ${index} (${node.url}) to be raft-healthy`, async () => {
    if (node.pid === null || !isAlive(node.pid)) {
      throw new Error(`node ${index} is not running; log tail:\n${logTail(node.logFile)}`);
    }
    return (await httpStatus(`${node.url}/api/raft-health`)) === 200 ? true : undefined;
  });
}

/** kill -9 node `index`, start it again on the same ports and data, and wait until it is healthy. */
export async function restartNode(index: number): Promise<ClusterState> {
  let state = await killNode(index);
  state = startNode(index, state);
  await waitNodeHealthy(index, state);
  return state;
}

/**
 * Waits until exactly one node answers 200 on /api/leader-check and every running node is
 * raft-healthy; returns the leader's index.
 */
export async function waitForSingleLeader(state: ClusterState = readCluster()): Promise<number> {
  return waitFor("exactly one leader (200 on /api/leader-check) and every running node healthy", async () => {
    const running = state.nodes.filter((n) => n.pid !== null);
    for (const n of running) {
      if (!isAlive(n.pid as number)) {
        throw new Error(`node ${n.index} exited; log tail:\n${logTail(n.logFile)}`);
      }
    }
    const checks = await Promise.all(running.map((n) => httpStatus(`${n.url}/api/leader-check`)));
    const leaders = running.filter((_, i) => checks[i] === 200);
    if (leaders.length !== 1) return undefined;
    const health = await Promise.all(running.map((n) => httpStatus(`${n.url}/api/raft-health`)));
    return health.every((h) => h === 200) ? leaders[0].index : undefined;
  });
}

// ---------------------------------------------------------------------------------------------
// Whole cluster

function nodeConfig(dir: string, raftAddr: string, raftNodes: string[], httpAddr: string, extra: object): object {
  return {
    ...extra,
    RaftEnabled: true,
    RaftDataDir: path.join(dir, "raft"),
    RaftBind: raftAddr,
    RaftNodes: raftNodes,
    ListenAddress: httpAddr,
    HTTPAdvertise: `http://${httpAddr}`,
    BackendDB: "sqlite",
    SQLite3DataFile: path.join(dir, "orchestrator.db"),
    LeptosConfigFile: path.join(REPO_ROOT, "Leptos.toml"),
  };
}

async function startClusterOnce(bin: string, siteRoot: string, extra: object): Promise<ClusterState> {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "orchestrator-e2e-"));
  const ports = await freePorts(NODES * 2);
  const raftAddrs = Array.from({ length: NODES }, (_, i) => `127.0.0.1:${ports[2 * i]}`);
  const httpAddrs = Array.from({ length: NODES }, (_, i) => `127.0.0.1:${ports[2 * i + 1]}`);
  const nodes: NodeInfo[] = [];
  for (let i = 0; i < NODES; i++) {
    const dir = path.join(tmpRoot, `node${i}`);
    fs.mkdirSync(dir, { recursive: true });
    const configFile = path.join(dir, "orchestrator.conf.json");
    fs.writeFileSync(configFile, JSON.stringify(nodeConfig(dir, raftAddrs[i], raftAddrs, httpAddrs[i], extra), null, 2));
    nodes.push({
      index: i,
      id: null,
      url: `http://${httpAddrs[i]}`,
      raftAddr: raftAddrs[i],
      dir,
      configFile,
      logFile: path.join(LOG_DIR, `node${i}.log`),
      pid: null,
    });
  }
  let state: ClusterState = { bin, siteRoot, tmpRoot, nodes };
  writeCluster(state);
  for (let i = 0; i < NODES; i++) state = startNode(i, state);
  await waitForSingleLeader(state);
  for (const n of state.nodes) {
    const { body } = await getJson(`${n.url}/api/raft-status`);
    n.id = body.NodeId;
  }
  writeCluster(state);
  return state;
}

/**
 * Starts the cluster (retrying with fresh ports if a node fails to start) and writes
 * cluster.json. `extra` is merged into every node's orchestrator config (e.g. the MariaDB
 * fleet's discovery and recovery settings).
 */
export async function startCluster(extra: object = {}): Promise<ClusterState> {
  const bin = defaultBinary();
  const siteRoot = defaultSiteRoot();
  if (!fs.existsSync(bin)) {
    throw new Error(`orchestrator binary not found at ${bin}: run \`cargo leptos build\` (see end2end/run.sh) or set ORCHESTRATOR_BIN`);
  }
  for (const f of ["orchestrator.js", "orchestrator.wasm", "orchestrator.css"]) {
    if (!fs.existsSync(path.join(siteRoot, "pkg", f))) {
      throw new Error(`${path.join(siteRoot, "pkg", f)} is missing: run \`cargo leptos build\` or set LEPTOS_SITE_ROOT`);
    }
  }
  fs.rmSync(LOG_DIR, { recursive: true, force: true });
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = Date.now();
    try {
      const state = await startClusterOnce(bin, siteRoot, extra);
      console.log(
        `[cluster] 3 nodes up in ${Date.now() - started} ms: ${state.nodes.map((n) => `${n.url} (id ${n.id}, pid ${n.pid})`).join(", ")}`,
      );
      return state;
    } catch (e) {
      lastError = e;
      console.error(`[cluster] start attempt ${attempt} failed: ${e}`);
      await stopCluster();
    }
  }
  throw lastError;
}

/** Kills every node recorded in cluster.json and removes the temp dirs (logs stay in test-results). */
export async function stopCluster(): Promise<void> {
  if (!fs.existsSync(STATE_FILE)) return;
  let state = readCluster();
  for (const n of state.nodes) {
    if (n.pid !== null) {
      try {
        process.kill(n.pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
  }
  for (const n of state.nodes) {
    const pid = n.pid;
    if (pid === null) continue;
    try {
      await waitFor(`node ${n.index} to stop`, async () => (isAlive(pid) ? undefined : true), 5_000, 50);
    } catch {
      state = await killNode(n.index, state);
    }
    n.pid = null;
  }
  fs.rmSync(state.tmpRoot, { recursive: true, force: true });
  writeCluster(state);
}

/** Last-resort cleanup if the runner dies between setup and teardown (Ctrl-C, crash). */
function killAllSync(): void {
  try {
    for (const n of readCluster().nodes) {
      if (n.pid !== null) {
        try {
          process.kill(n.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  } catch {
    /* no state */
  }
}

export default async function globalSetup(): Promise<void> {
  process.once("exit", () => {
    killAllSync();
    killFleetSync();
  });
  const started = Date.now();
  const fleet = await startFleet();
  console.log(`[mariadb] ${fleet.servers.length} servers up in ${Date.now() - started} ms: ${fleet.servers.map((s) => `${s.name}=${s.port}`).join(", ")}`);
  await startCluster(orchestratorConfig(fleet));
}
