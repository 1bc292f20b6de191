// Test 2: begin a downtime by clicking on a FOLLOWER's dashboard; it appears on all three
// dashboards and in /api/downtimed of every node; end it by clicking; it disappears everywhere.

import { expect, test } from "@playwright/test";
import { readCluster } from "./support/cluster";
import { beginDowntime, downtimedKeys, find, followerNode, keyOf, open, selectInstance, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

test("a downtime begun on a follower shows everywhere, and ends everywhere", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const follower = await followerNode();
  const replica = keyOf(servers("alpha")[1]);

  await selectInstance(page, follower, "alpha", replica);
  await expect(page.locator("#pulse-role")).toHaveText("Follower");
  await beginDowntime(page, { owner: "e2e-alice", reason: "kernel upgrade", duration: "30m" });
  await expect(find.panel(page).locator(".result.ok", { hasText: `Downtime begun on ${replica} for 30m` })).toBeVisible();
  // The panel and the box show it without a reload.
  await expect(page.locator("#panel-downtime")).toContainText("In downtime by e2e-alice (kernel upgrade)");
  await expect(find.box(page, replica).locator(".b-downtime")).toContainText("e2e-alice");
  await shot(page, testInfo, "downtime-begun-on-follower");

  for (const node of readCluster().nodes) {
    await open(page, node, "/web/downtimes");
    const row = find.downtimeRow(page, replica);
    await expect(row).toContainText("e2e-alice");
    await expect(row).toContainText("kernel upgrade");
    expect(await downtimedKeys(node)).toContain(replica);
    await shot(page, testInfo, `downtimes-node${node.index}`);
  }

  // End it by clicking, on the follower's downtimes page.
  await open(page, follower, "/web/downtimes");
  await find.downtimeRow(page, replica).getByRole("button", { name: "End downtime" }).click();
  await expect(page.locator(".result.ok").first()).toContainText(`Downtime ended on ${replica}`);
  await expect(find.downtimeRow(page, replica)).toHaveCount(0);
  for (const node of readCluster().nodes) {
    await open(page, node, "/web/downtimes");
    await expect(find.downtimeRow(page, replica)).toHaveCount(0);
    await expect.poll(() => downtimedKeys(node), { message: `node ${node.index} /api/downtimed` }).not.toContain(replica);
  }
  await shot(page, testInfo, "downtime-ended");
  expect(errors).toEqual([]);
});
