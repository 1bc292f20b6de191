// REAL MariaDB replication topologies for the end-to-end tests, started as child processes of
// the Playwright runner and killed at teardown (same technique as server/tests/support/mariadb.rs):
//
// * a template datadir is made once with `mariadb-install-db` (users included) and cached on
//   tmpfs under a name derived from the server version;
// * each server gets a `cp -a` of it, its own my.cnf, a free port in 20000..(ephemeral range)
//   and a unique server_id; `mariadbd --defaults-file` runs as a child; readiness is a
//   successful `SELECT 1` over its unix socket;
// * replicas use GTID (`slave_pos`), read_only=ON, heartbeat 0.5 s, connect retry 1 s.
//
// The fleet is two clusters of three servers each: `alpha` (downtime / candidate tests) and
// `bravo` (the failover test; only bravo is matched by RecoverMasterClusterFilters). Each master
// holds `meta.cluster(alias)`, replicated to its replicas, so that DetectClusterAliasQuery gives
// the cluster a stable alias that survives a failover. State (pids, ports, dirs) lives in
// test-results/mariadb.json so that any worker can kill a server and teardown can clean up.

import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const END2END_DIR = path.resolve(__dirname, "..", "..");
export const FLEET_FILE = path.join(END2END_DIR, "test-results", "mariadb.json");

export const ORC_USER = "orc";
export const ORC_PASSWORD = "orcpass";
export const REPL_USER = "repl";
export const REPL_PASSWORD = "replpass";

const EXTRA_SQL = `FLUSH PRIVILEGES;
CREATE USER 'orc'@'127.0.0.1' IDENTIFIED BY 'orcpass';
GRANT ALL PRIVILEGES ON *.* TO 'orc'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpass';
GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1';
`;
const INSTALL_ARGS = [
  "--no-defaults",
  "--user=root",
  "--skip-test-db",
  "--skip-name-resolve",
  "--auth-root-authentication-method=socket",
  "--innodb-log-file-size=8M",
];

export interface DbServer {
  /** e.g. "alpha-1" */
  name: string;
  cluster: string;
  serverId: number;
  port: number;
  dir: string;
  pid: number | null;
}

export interface FleetState {
  root: string;
  servers: DbServer[];
}

/** `127.0.0.1:port` of a server: its key in orchestrator. */
export const keyOf = (s: DbServer) => `127.0.0.1:${s.port}`;

function bin(name: string): string | null {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
  for (const d of dirs) {
    const p = path.join(d, name);
    if (d && fs.existsSync(p)) return p;
  }
  return null;
}

/** Why MariaDB cannot be used here, or null when it can. */
export function mariadbMissing(): string | null {
  for (const name of ["mariadbd", "mariadb-install-db", "mariadb"]) {
    if (!bin(name)) return `${name} is not installed (apt-get install mariadb-server mariadb-client)`;
  }
  return null;
}

function need(name: string): string {
  const p = bin(name);
  if (!p) throw new Error(`${name} not found`);
  return p;
}

function scratchRoot(): string {
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
    return "/dev/shm";
  } catch {
    return os.tmpdir();
  }
}

async function template(): Promise<string> {
  const { stdout: version } = await run(need("mariadbd"), ["--version"]);
  const hash = createHash("sha256").update(version).update(EXTRA_SQL).update(INSTALL_ARGS.join(" ")).digest("hex").slice(0, 16);
  const done = path.join(scratchRoot(), `orc-e2e-template-${hash}`);
  if (fs.existsSync(path.join(done, "data"))) return done;
  const tmp = fs.mkdtempSync(path.join(scratchRoot(), "orc-e2e-tpl-"));
  fs.writeFileSync(path.join(tmp, "extra.sql"), EXTRA_SQL);
  await run(need("mariadb-install-db"), [...INSTALL_ARGS, `--datadir=${path.join(tmp, "data")}`, `--extra-file=${path.join(tmp, "extra.sql")}`]);
  try {
    fs.renameSync(tmp, done);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(done, "data"))) throw new Error(`cannot publish the template datadir at ${done}`);
  }
  return done;
}

async function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A free port below the ephemeral range, so that no outgoing connection can take it later. */
async function freeLowPort(taken: Set<number>): Promise<number> {
  let ephLow = 32768;
  try {
    ephLow = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
  } catch {
    /* default */
  }
  const low = 20000;
  const high = Math.max(ephLow, 21000);
  for (let i = 0; i < 500; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!taken.has(port) && (await bindable(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${low}..${high}`);
}

function cnf(s: DbServer): string {
  const d = s.dir;
  return `[mariadbd]
user = root
datadir = ${d}/data
tmpdir = ${d}/tmp
socket = ${d}/mysqld.sock
pid-file = ${d}/mysqld.pid
log-error = ${d}/error.log
port = ${s.port}
bind-address = 127.0.0.1
skip-name-resolve
server_id = ${s.serverId}
log_bin = mysql-bin
relay_log = relay-bin
log_slave_updates = ON
binlog_format = ROW
gtid_strict_mode = ON
report_host = 127.0.0.1
report_port = ${s.port}
slave_net_timeout = 2
innodb_buffer_pool_size = 8M
loose-innodb_buffer_pool_size_max = 16M
innodb_log_file_size = 8M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
sync_binlog = 0
performance_schema = OFF
max_connections = 100
`;
}

/** Runs SQL as root over the unix socket; returns the rows (tab-separated). */
export async function sql(s: DbServer, stmt: string): Promise<string> {
  const { stdout } = await run(need("mariadb"), [
    "--no-defaults",
    "--connect-timeout=5",
    "-B",
    "-N",
    `--socket=${path.join(s.dir, "mysqld.sock")}`,
    "-uroot",
    "-e",
    stmt,
  ]);
  return stdout.trim();
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      if (await cond()) return;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await sleep(50);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function spawnServer(s: DbServer): number {
  const err = fs.openSync(path.join(s.dir, "stderr.log"), "a");
  const child = spawn(need("mariadbd"), [`--defaults-file=${path.join(s.dir, "my.cnf")}`], {
    stdio: ["ignore", "ignore", err],
  });
  fs.closeSync(err);
  if (child.pid === undefined) throw new Error(`cannot spawn mariadbd for ${s.name}`);
  child.unref();
  return child.pid;
}

async function waitReady(s: DbServer): Promise<void> {
  await until(`${s.name} (port ${s.port}) to accept connections`, async () => {
    if (s.pid === null || !isAlive(s.pid)) {
      const log = fs.existsSync(path.join(s.dir, "error.log")) ? fs.readFileSync(path.join(s.dir, "error.log"), "utf8").slice(-2000) : "";
      throw new Error(`${s.name} exited:\n${log}`);
    }
    return (await sql(s, "SELECT 1")) === "1";
  });
}

async function replicateFrom(replica: DbServer, master: DbServer): Promise<void> {
  await sql(
    replica,
    `STOP SLAVE; RESET SLAVE ALL; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${master.port}, ` +
      `MASTER_USER='${REPL_USER}', MASTER_PASSWORD='${REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, ` +
      `MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=0.5; SET GLOBAL read_only=ON; START SLAVE`,
  );
}

async function waitReplicated(master: DbServer, replicas: DbServer[]): Promise<void> {
  const pos = await sql(master, "SELECT @@gtid_binlog_pos");
  for (const r of replicas) {
    const res = await sql(r, `SELECT MASTER_GTID_WAIT('${pos}', 60)`);
    if (res !== "0") throw new Error(`${r.name} did not reach ${master.name}'s GTID ${pos}`);
  }
}

export function readFleet(): FleetState {
  return JSON.parse(fs.readFileSync(FLEET_FILE, "utf8")) as FleetState;
}

function writeFleet(state: FleetState): void {
  fs.mkdirSync(path.dirname(FLEET_FILE), { recursive: true });
  fs.writeFileSync(FLEET_FILE, JSON.stringify(state, null, 2));
}

/** Servers of `cluster`, master first (as started). */
export function clusterServers(state: FleetState, cluster: string): DbServer[] {
  return state.servers.filter((s) => s.cluster === cluster);
}

/** Starts the two clusters (alpha, bravo: 1 master + 2 replicas each) and writes mariadb.json. */
export async function startFleet(): Promise<FleetState> {
  const missing = mariadbMissing();
  if (missing) throw new Error(`the end-to-end tests need MariaDB: ${missing}`);
  const tpl = await template();
  const root = fs.mkdtempSync(path.join(scratchRoot(), "orc-e2e-fleet-"));
  const taken = new Set<number>();
  const servers: DbServer[] = [];
  let id = 1;
  for (const cluster of ["alpha", "bravo"]) {
    for (let i = 1; i <= 3; i++) {
      const dir = path.join(root, `${cluster}-${i}`);
      fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
      await run("cp", ["-a", path.join(tpl, "data"), path.join(dir, "data")]);
      servers.push({ name: `${cluster}-${i}`, cluster, serverId: id++, port: await freeLowPort(taken), dir, pid: null });
    }
  }
  const state: FleetState = { root, servers };
  for (const s of servers) {
    fs.writeFileSync(path.join(s.dir, "my.cnf"), cnf(s));
    s.pid = spawnServer(s);
  }
  writeFleet(state);
  await Promise.all(servers.map(waitReady));
  for (const cluster of ["alpha", "bravo"]) {
    const [master, ...replicas] = clusterServers(state, cluster);
    for (const r of replicas) await replicateFrom(r, master);
    await sql(master, `CREATE DATABASE meta; CREATE TABLE meta.cluster (alias VARCHAR(64) PRIMARY KEY); INSERT INTO meta.cluster VALUES ('${cluster}')`);
    await waitReplicated(master, replicas);
  }
  writeFleet(state);
  return state;
}

/** SIGKILL one server (by name) and wait until it is gone. */
export async function killServer(name: string): Promise<void> {
  const state = readFleet();
  const s = state.servers.find((x) => x.name === name);
  if (!s || s.pid === null) return;
  const pid = s.pid;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
  await until(`${name} to die`, async () => !isAlive(pid), 10_000);
  s.pid = null;
  writeFleet(state);
}

/** Kills every server and removes the fleet's directory. */
export async function stopFleet(): Promise<void> {
  if (!fs.existsSync(FLEET_FILE)) return;
  const state = readFleet();
  for (const s of state.servers) {
    if (s.pid !== null) {
      try {
        process.kill(s.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
  for (const s of state.servers) {
    const pid = s.pid;
    if (pid !== null) await until(`${s.name} to die`, async () => !isAlive(pid), 10_000).catch(() => undefined);
    s.pid = null;
  }
  fs.rmSync(state.root, { recursive: true, force: true });
  writeFleet(state);
}

/** Last resort when the runner exits abruptly. */
export function killFleetSync(): void {
  try {
    for (const s of readFleet().servers) {
      if (s.pid !== null) {
        try {
          process.kill(s.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  } catch {
    /* no state */
  }
}

/** orchestrator config keys that make the cluster manage the fleet quickly. */
export function orchestratorConfig(state: FleetState): Record<string, unknown> {
  const seeds = ["alpha", "bravo"].map((c) => keyOf(clusterServers(state, c)[0]));
  return {
    MySQLTopologyUser: ORC_USER,
    MySQLTopologyPassword: ORC_PASSWORD,
    MySQLReplicaUser: REPL_USER,
    MySQLReplicaPassword: REPL_PASSWORD,
    InstancePollSeconds: 1,
    RecoveryStartupGraceSeconds: 1,
    DiscoverySeeds: seeds,
    DetectClusterAliasQuery: "SELECT alias FROM meta.cluster LIMIT 1",
    DetectDataCenterQuery: "SELECT IF(@@server_id % 2 = 0, 'dc-east', 'dc-west')",
    RecoverMasterClusterFilters: ["alias=bravo"],
    RecoverIntermediateMasterClusterFilters: ["alias=bravo"],
  };
}
