// Page helpers for the dashboard tests, split as find (locators), act (what a user does) and
// check (what the page must show). Every wait is on what the page shows, never a fixed sleep.

import { expect, type Page, type TestInfo } from "@playwright/test";
import { getJson, readCluster, waitFor, type NodeInfo } from "./cluster";
import { clusterServers, keyOf, readFleet, type DbServer } from "./mariadb";

// ---------------------------------------------------------------------------------------------
// Cluster and fleet facts

/** The node that leads now (asks every running node; they must agree). */
export async function leaderNode(): Promise<NodeInfo> {
  const cluster = readCluster();
  return waitFor("one leader every running node agrees on", async () => {
    const running = cluster.nodes.filter((n) => n.pid !== null);
    const ids = await Promise.all(running.map(async (n) => (await getJson(`${n.url}/api/raft-status`)).body.LeaderId));
    if (ids.some((id) => id === null || id !== ids[0])) return undefined;
    return running.find((n) => n.id === ids[0]);
  });
}

/** A running node that is not the leader. */
export async function followerNode(): Promise<NodeInfo> {
  const leader = await leaderNode();
  const follower = readCluster().nodes.find((n) => n.pid !== null && n.id !== leader.id);
  if (!follower) throw new Error("no running follower");
  return follower;
}

/** The MariaDB servers of a cluster (`alpha`, `bravo`), master first. */
export function servers(cluster: string): DbServer[] {
  return clusterServers(readFleet(), cluster);
}

export { keyOf };

/** Waits until every running node has discovered `count` instances in the cluster with `alias`. */
export async function waitDiscovered(alias: string, count: number): Promise<void> {
  for (const node of readCluster().nodes.filter((n) => n.pid !== null)) {
    await waitFor(`node ${node.index} to discover ${count} instances of ${alias}`, async () => {
      const { status, body } = await getJson(`${node.url}/api/cluster/alias/${alias}`);
      return status === 200 && Array.isArray(body) && body.length === count ? true : undefined;
    });
  }
}

/** `/api/downtimed` of a node as `host:port` keys. */
export async function downtimedKeys(node: NodeInfo): Promise<string[]> {
  const { body } = await getJson(`${node.url}/api/downtimed`);
  const list: any[] = Array.isArray(body) ? body : (body?.Details ?? []);
  return list.map((d) => `${d.Key?.Hostname ?? d.Hostname}:${d.Key?.Port ?? d.Port}`);
}

// ---------------------------------------------------------------------------------------------
// Find

export const find = {
  box: (page: Page, key: string) => page.locator(`#topology-tree a.ibox[data-key="${key}"]`),
  panel: (page: Page) => page.locator("#instance-panel"),
  result: (page: Page) => page.locator(".result"),
  downtimeRow: (page: Page, key: string) => page.locator(`#downtimes tr[data-key="${key}"]`),
  candidateRow: (page: Page, key: string) => page.locator(`#candidates tr[data-key="${key}"]`),
};

// ---------------------------------------------------------------------------------------------
// Act

/** Opens `path` on `node` and waits until the page is hydrated (interactive). */
export async function open(page: Page, node: NodeInfo, path: string): Promise<void> {
  await page.goto(`${node.url}${path}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Opens the cluster page of `alias` and clicks the box of `key`; waits for its panel. */
export async function selectInstance(page: Page, node: NodeInfo, alias: string, key: string): Promise<void> {
  await open(page, node, `/web/cluster/${alias}`);
  await find.box(page, key).click();
  await expect(page.locator("#panel-title")).toHaveText(key);
}

/** Fills and submits the begin-downtime form of the page. */
export async function beginDowntime(page: Page, f: { instance?: string; owner: string; reason: string; duration: string }) {
  const form = page.locator("#begin-downtime-form");
  if (f.instance !== undefined) await form.getByLabel("Instance (host:port)").fill(f.instance);
  await form.getByLabel("Owner").fill(f.owner);
  await form.getByLabel("Reason").fill(f.reason);
  await form.getByLabel("Duration").fill(f.duration);
  await form.getByRole("button", { name: "Begin downtime" }).click();
}

// ---------------------------------------------------------------------------------------------
// Check

/** Records uncaught page errors and console errors, except those `allowed` matches. */
export function watchErrors(page: Page, allowed: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = `${m.text()} (${m.location().url})`;
    if (allowed.some((re) => re.test(text))) return;
    errors.push(`console.error: ${text}`);
  });
  return errors;
}

/** A refused server-function call logs "Failed to load resource: 4xx/5xx" for /sfn/: expected when testing refusals. */
export const REFUSED_CALL = /Failed to load resource: the server responded with a status of (400|503).*\/sfn\//;

/** Saves a full-page screenshot under the test's output dir. */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}
