// URLPrefix: a node configured with "URLPrefix": "/orchestrator" (orchestrator's setting for
// serving behind a proxy path) serves its dashboard there: the page hydrates from the prefixed
// assets, client-side navigation stays under the prefix, and a form's server-function call goes
// to the prefixed path and is committed through raft.

import * as path from "node:path";
import type { ChildProcess } from "node:child_process";
import { expect, test } from "@playwright/test";
import { getJson, nodeBinary, siteRoot, testkitBinary } from "./support/cluster";
import { beginDowntime, find, open, watchErrors } from "./support/dashboard";
import { CLUSTER_DEADLINE_MS, END2END_DIR, REPO_ROOT, startKit, stopKit, type NodeInfo } from "./support/testkit";

let kit: ChildProcess | undefined;
let node: NodeInfo;

test.beforeAll(async () => {
  test.setTimeout(CLUSTER_DEADLINE_MS + 30_000);
  const extra = { URLPrefix: "/orchestrator", LeptosConfigFile: path.join(REPO_ROOT, "Leptos.toml") };
  const started = await startKit(testkitBinary(), [
    "--nodes", "1",
    "--extra", JSON.stringify(extra),
    "--orchestrator-bin", nodeBinary(),
    "--env", `LEPTOS_SITE_ROOT=${siteRoot()}`,
    "--env", "NO_COLOR=1",
    "--logs-dir", path.join(END2END_DIR, "test-results", "url-prefix-logs"),
    "--deadline", String(CLUSTER_DEADLINE_MS / 1000),
  ]);
  kit = started.kit;
  node = started.state.nodes[0];
  expect(new URL(node.url).pathname).toBe("/orchestrator");
});

test.afterAll(async () => {
  if (kit) await stopKit(kit);
});

test("the dashboard works under URLPrefix: assets, navigation and actions", async ({ page }) => {
  const errors = watchErrors(page);
  const origin = new URL(node.url).origin;

  // Hydration needs the wasm and JS from /orchestrator/pkg.
  await open(page, node, "/web/downtimes");
  await expect(page.locator("head link[rel=stylesheet]")).toHaveAttribute("href", "/orchestrator/pkg/orchestrator.css");

  // Client-side navigation keeps the prefix.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Raft" }).click();
  await expect(page).toHaveURL(`${origin}/orchestrator/web/raft`);
  await expect(page.locator("#node-state")).toHaveText("Leader");
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Downtimes" }).click();
  await expect(page).toHaveURL(`${origin}/orchestrator/web/downtimes`);

  // A form's server function is called under the prefix and committed.
  const calls: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") calls.push(new URL(r.url()).pathname);
  });
  await beginDowntime(page, { instance: "db-prefix:3306", owner: "ops", reason: "behind a proxy", duration: "1h" });
  await expect(find.downtimeRow(page, "db-prefix:3306")).toBeVisible();
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) expect(call.startsWith("/orchestrator/sfn/"), call).toBe(true);
  const { status, body } = await getJson(`${node.url}/api/downtimed`);
  expect(status).toBe(200);
  expect(JSON.stringify(body)).toContain("db-prefix");

  // Outside the prefix nothing is served.
  const outside = await getJson(`${origin}/api/downtimed`);
  expect(outside.status).toBe(404);
  expect(errors).toEqual([]);
});
