// The MariaDB fleet of the end-to-end tests: two replication topologies started by the test
// kit (`orchestrator-testkit up --mariadb-topology ...`, see cluster.ts), `alpha` (downtime /
// candidate tests) and `bravo` (the failover test; only bravo is matched by
// RecoverMasterClusterFilters), a master and two GTID replicas each. Each master holds
// `meta.cluster(alias)`, replicated to its replicas, so that DetectClusterAliasQuery gives the
// cluster a stable alias that survives a failover. Servers are described in
// test-results/cluster.json (`readFleet()`); `killServer` goes through the kit's control API.

import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { control, readCluster, type DbServer, type FleetState } from "./testkit";

const run = promisify(execFile);

export type { DbServer, FleetState };

/** The topologies, as `orchestrator-testkit up --mariadb-topology` takes them. */
export const FLEET_TOPOLOGY = "alpha=star:3,bravo=star:3";

/**
 * Config keys that make the nodes manage the fleet quickly (the kit adds the topology
 * credentials and the masters as DiscoverySeeds).
 */
export const FLEET_KEYS = {
  InstancePollSeconds: 1,
  RecoveryStartupGraceSeconds: 1,
  DetectClusterAliasQuery: "SELECT alias FROM meta.cluster LIMIT 1",
  DetectDataCenterQuery: "SELECT IF(@@server_id % 2 = 0, 'dc-east', 'dc-west')",
  RecoverMasterClusterFilters: ["alias=bravo"],
  RecoverIntermediateMasterClusterFilters: ["alias=bravo"],
};

/** `127.0.0.1:port` of a server: its key in orchestrator. */
export const keyOf = (s: DbServer) => `${s.host}:${s.port}`;

export function readFleet(): FleetState {
  return readCluster().mariadb;
}

/** Servers of `cluster`, master first (as started). */
export function clusterServers(state: FleetState, cluster: string): DbServer[] {
  return state.servers.filter((s) => s.cluster === cluster);
}

/** SIGKILL one server (by name); the kit reaps it. */
export async function killServer(name: string): Promise<void> {
  await control(`/mariadb/${name}/kill9`);
}

/** Makes `replica` a GTID replica of `master` again (after a test reset it); the kit waits. */
export async function replicateFrom(replica: DbServer, master: DbServer): Promise<void> {
  await control(`/mariadb/${replica.name}/replicate-from/${master.name}`);
}

/** Runs `stmt` as root over the server's unix socket; batch output without column names. */
export async function sql(s: DbServer, stmt: string): Promise<string> {
  const { stdout } = await run("mariadb", [
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

/** A server's SHOW SLAVE STATUS by column name (empty when it is not a replica). */
export async function slaveStatus(s: DbServer): Promise<Record<string, string>> {
  const { stdout } = await run("mariadb", [
    "--no-defaults",
    "--connect-timeout=5",
    "-B",
    `--socket=${path.join(s.dir, "mysqld.sock")}`,
    "-uroot",
    "-e",
    "SHOW SLAVE STATUS",
  ]);
  const [header, values] = stdout.split("\n");
  if (!header || !values) return {};
  const names = header.split("\t");
  const cells = values.split("\t");
  return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? ""]));
}
