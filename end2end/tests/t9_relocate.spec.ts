// Test 9: topology refactoring from the dashboard of a FOLLOWER (the leader runs it). Dragging
// the master onto its replica is refused with the reason before anything is touched; dragging
// a replica onto its sibling asks for confirmation naming the method (GTID), then the tree
// shows it below the sibling and the servers' own SHOW SLAVE STATUS agrees. Without JavaScript
// the instance panel's "move below…" form does the same: refused with the reason, or moved.

import { expect, test } from "@playwright/test";
import { readCluster } from "./support/cluster";
import { find, followerNode, keyOf, open, REFUSED_CALL, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";
import { DbServer, sql } from "./support/mariadb";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

/** `Master_Port` of a server's SHOW SLAVE STATUS, when both threads run. The helper reads
 * batch output without column names: MariaDB's columns 4, 11 and 12 are Master_Port,
 * Slave_IO_Running and Slave_SQL_Running. */
async function runningUnder(s: DbServer): Promise<number | null> {
  const columns = (await sql(s, "SHOW SLAVE STATUS")).split("\t");
  if (columns[10] !== "Yes" || columns[11] !== "Yes") return null;
  return Number(columns[3]);
}

/** The box of `child` nested in the subtree of `parent`. */
const nested = (page: import("@playwright/test").Page, parent: string, child: string) =>
  page.locator(`#topology-tree li:has(> a.ibox[data-key="${parent}"]) a.ibox[data-key="${child}"]`);

test("drag a replica below its sibling on a follower; a refused drop shows the reason", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page, [REFUSED_CALL]);
  const [master, r1, r2] = servers("alpha");
  const follower = await followerNode();
  await open(page, follower, "/web/cluster/alpha");

  await find.box(page, keyOf(master)).dragTo(find.box(page, keyOf(r1)));
  await expect(page.locator("#move-refusal")).toContainText("replication loop");
  await shot(page, testInfo, "move-refused");
  await page.locator("#move-cancel").click();
  await expect(page.locator("#move-dialog")).toHaveCount(0);
  expect(await runningUnder(r1)).toBe(master.port);

  await find.box(page, keyOf(r2)).dragTo(find.box(page, keyOf(r1)));
  await expect(page.locator("#move-method")).toContainText("GTID");
  await shot(page, testInfo, "move-confirm");
  await page.locator("#move-confirm").click();
  await expect(page.locator("#move-result .result.ok")).toContainText(`relocated below ${keyOf(r1)}`, { timeout: 60_000 });
  await expect(nested(page, keyOf(r1), keyOf(r2))).toBeVisible({ timeout: 30_000 });
  await shot(page, testInfo, "move-done");
  await expect.poll(() => runningUnder(r2), { timeout: 30_000 }).toBe(r1.port);
  expect(errors).toEqual([]);
});

test("without JavaScript the move-below form refuses or moves the same way", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const [master, r1, r2] = servers("alpha");
  const node = readCluster().nodes.find((n) => n.pid !== null)!;
  try {
    // r2 is below r1 (previous test): moving r1 below r2 would make a loop.
    await page.goto(`${node.url}/web/cluster/alpha?instance=${keyOf(r1)}`);
    await page.locator("#move-below").selectOption(keyOf(r2));
    await page.locator("#move-form").getByRole("button", { name: "Move" }).click();
    await expect(page.locator(".result.error")).toContainText("replication loop");
    expect(await runningUnder(r1)).toBe(master.port);
    await shot(page, testInfo, "nojs-move-refused");

    await page.goto(`${node.url}/web/cluster/alpha?instance=${keyOf(r2)}`);
    await page.locator("#move-below").selectOption(keyOf(master));
    await page.locator("#move-form").getByRole("button", { name: "Move" }).click();
    await expect.poll(() => runningUnder(r2), { timeout: 60_000 }).toBe(master.port);
    await expect(page.locator(".result.error")).toHaveCount(0);
    await shot(page, testInfo, "nojs-moved");
  } finally {
    await context.close();
  }
});

test("the search box, the problems view and the audit log read on every node", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const [master, r1] = servers("alpha");
  for (const node of readCluster().nodes.filter((n) => n.pid !== null)) {
    await open(page, node, "/web/clusters");
    await page.locator("form.topsearch input[name=s]").fill("alpha");
    await page.locator("form.topsearch").getByRole("button", { name: "Search" }).click();
    await expect(page.locator(`#search-results tr[data-key="${keyOf(master)}"]`)).toBeVisible();
    await expect(page.locator(`#search-results tr[data-key="${keyOf(r1)}"]`)).toBeVisible();
    await open(page, node, "/web/problems");
    await expect(page.locator("main h1")).toHaveText("Problems");
    // The moves of the tests above are in the replicated audit log of every node.
    await open(page, node, "/web/audit");
    await expect(page.locator("#audit td.audit-type", { hasText: /^relocate$/ }).first()).toBeVisible();
  }
  await shot(page, testInfo, "audit");
  expect(errors).toEqual([]);
});
