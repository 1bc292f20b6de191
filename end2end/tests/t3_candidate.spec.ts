// Test 3: register a candidate rule by clicking; it is visible on all nodes, and the topology box
// shows the badge; removing it by clicking removes it everywhere.

import { expect, test } from "@playwright/test";
import { getJson, readCluster } from "./support/cluster";
import { find, followerNode, keyOf, open, selectInstance, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

test("a promotion rule registered by clicking shows on every node and as a badge", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const follower = await followerNode();
  const replica = keyOf(servers("alpha")[2]);

  await selectInstance(page, follower, "alpha", replica);
  const form = page.locator("#register-candidate-form");
  await form.getByLabel("Rule").selectOption("prefer_not");
  await form.getByRole("button", { name: "Register" }).click();
  await expect(find.panel(page).locator(".result.ok", { hasText: `Registered ${replica} as prefer_not` })).toBeVisible();
  await expect(find.box(page, replica).locator(".b-rule")).toHaveText("prefer_not");
  await shot(page, testInfo, "candidate-badge");

  for (const node of readCluster().nodes) {
    await open(page, node, "/web/candidates");
    await expect(find.candidateRow(page, replica)).toContainText("prefer_not");
    const { body } = await getJson(`${node.url}/api/candidates`);
    const list: any[] = Array.isArray(body) ? body : (body?.Details ?? []);
    expect(JSON.stringify(list)).toContain("prefer_not");
    await open(page, node, `/web/cluster/alpha`);
    await expect(find.box(page, replica).locator(".b-rule")).toHaveText("prefer_not");
  }
  await shot(page, testInfo, "candidates-page");

  // Removing it by clicking removes it on every node.
  await open(page, follower, "/web/candidates");
  await find.candidateRow(page, replica).getByRole("button", { name: `Remove the rule of ${replica}` }).click();
  await expect(find.candidateRow(page, replica)).toHaveCount(0);
  for (const node of readCluster().nodes) {
    await expect
      .poll(async () => JSON.stringify((await getJson(`${node.url}/api/candidates`)).body))
      .not.toContain(replica);
  }
  expect(errors).toEqual([]);
});
