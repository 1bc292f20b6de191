// Client of the Rust test kit's binary (`orchestrator-testkit up`, server/src/bin/
// orchestrator-testkit): spawns it, reads the one JSON line describing what it started (MariaDB
// servers and `orchestrator` nodes), keeps that description in test-results/cluster.json for
// every Playwright process, and drives the kit's control API (kill / restart nodes and servers).
// The kit owns every process it started and removes them all when its stdin closes.

import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const END2END_DIR = path.join(REPO_ROOT, "end2end");
export const STATE_FILE = path.join(END2END_DIR, "test-results", "cluster.json");

/** Deadline for the cluster to elect a leader / a node to come back. */
export const CLUSTER_DEADLINE_MS = 60_000;

export interface NodeInfo {
  index: number;
  /** Raft id (from /api/raft-status, read once the cluster had a leader). */
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

export interface DbServer {
  /** e.g. "alpha-1" */
  name: string;
  /** The topology (and cluster alias), e.g. "alpha". */
  cluster: string;
  serverId: number;
  host: string;
  port: number;
  dir: string;
  /** pid of the running server, or null when killed. */
  pid: number | null;
}

export interface FleetState {
  dir: string | null;
  servers: DbServer[];
}

/** What `orchestrator-testkit up --json` prints (and its control API answers). */
export interface ClusterState {
  /** Base URL of the kit's control API. */
  control: string;
  /** pid of the kit. */
  pid: number;
  /** Directory holding the nodes' directories. */
  dir: string;
  nodes: NodeInfo[];
  mariadb: FleetState;
}

export function readCluster(): ClusterState {
  return JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as ClusterState;
}

export function writeCluster(state: ClusterState): void {
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, STATE_FILE);
}

/** POSTs `op` to the kit's control API; records and returns the state it answers. */
export async function control(op: string): Promise<ClusterState & { leader?: number }> {
  const r = await fetch(`${readCluster().control}${op}`, {
    method: "POST",
    signal: AbortSignal.timeout(CLUSTER_DEADLINE_MS + 10_000),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`orchestrator-testkit ${op}: ${r.status} ${body.error ?? JSON.stringify(body)}`);
  const { leader, ...state } = body;
  writeCluster(state as ClusterState);
  return body;
}

/** Spawns `bin up --json ...args` and resolves once it printed its description. */
export function startKit(bin: string, args: string[]): Promise<{ kit: ChildProcess; state: ClusterState }> {
  if (!fs.existsSync(bin)) {
    throw new Error(`orchestrator-testkit not found at ${bin}: run \`cargo build -p server --features testkit --bin orchestrator-testkit\` (see end2end/run.sh) or set ORCHESTRATOR_TESTKIT_BIN`);
  }
  const kit = spawn(bin, ["up", "--json", ...args], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: kit.stdout! });
    kit.once("error", reject);
    kit.once("exit", (code, signal) => reject(new Error(`orchestrator-testkit exited (${code ?? signal}) before it was up`)));
    lines.once("line", (line) => {
      try {
        resolve({ kit, state: JSON.parse(line) as ClusterState });
      } catch (e) {
        reject(new Error(`orchestrator-testkit printed ${line}: ${e}`));
      }
    });
  });
}

/** Closes the kit's stdin and waits until it has torn everything down (SIGKILL after 30 s). */
export async function stopKit(kit: ChildProcess): Promise<void> {
  if (kit.exitCode !== null || kit.signalCode !== null) return;
  const exited = new Promise<void>((r) => kit.once("exit", () => r()));
  kit.stdin?.end();
  const timer = setTimeout(() => kit.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}
