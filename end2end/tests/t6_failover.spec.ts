// Test 6: kill the MariaDB master of `bravo` (the cluster the recovery filters match): the
// topology page shows the new master, the recovery appears on the recoveries page of every node,
// and it is acknowledged by clicking (the comment is required).

import { expect, test } from "@playwright/test";
import { readCluster } from "./support/cluster";
import { followerNode, keyOf, open, REFUSED_CALL, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";
import { killServer } from "./support/mariadb";

test.beforeAll(async () => {
  await waitDiscovered("bravo", 3);
});

test("a dead master is recovered, shown on the topology and recoveries pages, and acknowledged", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page, [REFUSED_CALL]);
  const [master, ...replicas] = servers("bravo");
  const oldKey = keyOf(master);
  const replicaKeys = replicas.map(keyOf);
  const follower = await followerNode();

  await open(page, follower, "/web/cluster/bravo");
  await expect(page.locator("#cluster-master")).toHaveText(oldKey);
  await expect(page.locator("#cluster-facts")).toContainText("automated recovery on");
  await shot(page, testInfo, "bravo-before");

  await killServer(master.name);

  // The open page follows: a new master (one of the replicas), without a reload.
  await expect(page.locator("#cluster-master")).not.toHaveText(oldKey, { timeout: 60_000 });
  const newMaster = (await page.locator("#cluster-master").textContent())!;
  expect(replicaKeys).toContain(newMaster);
  await expect(page.locator(`#topology-tree > li > a.ibox[data-key="${newMaster}"]`)).toBeVisible();
  await shot(page, testInfo, "bravo-after-failover");

  for (const node of readCluster().nodes) {
    await open(page, node, "/web/recoveries");
    const recovery = page.locator(`article.recovery[data-failed="${oldKey}"]`).first();
    await expect(recovery).toBeVisible({ timeout: 30_000 });
    await expect(recovery.locator(".analysis")).toHaveText("DeadMaster");
    await expect(recovery.locator(".successor")).toHaveText(newMaster, { timeout: 30_000 });
    await expect(page.locator("#detections")).toContainText(oldKey);
  }
  await shot(page, testInfo, "recoveries-before-ack");

  // Acknowledge it by clicking, on a follower: the comment is required.
  await open(page, follower, "/web/recoveries");
  const recovery = page.locator(`article.recovery[data-failed="${oldKey}"]`).first();
  const comment = recovery.getByLabel("Comment");
  await comment.fill("   ");
  await recovery.getByRole("button", { name: "Acknowledge" }).click();
  await expect(page.locator(".result.error")).toContainText("acknowledging needs a comment");
  await comment.fill("checked by e2e: new master is healthy");
  await recovery.getByRole("button", { name: "Acknowledge" }).click();
  await expect(page.locator(".result.ok")).toContainText("acknowledged");
  await expect(recovery.locator(".ack")).toContainText("checked by e2e: new master is healthy");
  for (const node of readCluster().nodes) {
    await open(page, node, "/web/recoveries");
    await expect(page.locator(`article.recovery[data-failed="${oldKey}"] .ack`).first()).toContainText("checked by e2e");
  }
  await shot(page, testInfo, "recoveries-acknowledged");
  expect(errors).toEqual([]);
});
