// Test 7: with JavaScript disabled every page reads (server-rendered), and the downtime form
// works as a plain HTML form post, including its validation message.

import { expect, test } from "@playwright/test";
import { readCluster } from "./support/cluster";
import { downtimedKeys, find, keyOf, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

test("without JavaScript the pages read and the downtime form works", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const node = readCluster().nodes.find((n) => n.pid !== null)!;
  const replica = keyOf(servers("alpha")[1]);
  try {
    await page.goto(`${node.url}/web/clusters`);
    await expect(page.locator("#pulse-node")).toHaveText(node.raftAddr);
    await expect(page.locator('.card[data-cluster] h2', { hasText: "alpha" })).toBeVisible();
    await shot(page, testInfo, "nojs-clusters");

    await page.goto(`${node.url}/web/cluster/alpha?instance=${replica}`);
    await expect(find.box(page, replica)).toBeVisible();
    await expect(page.locator("#panel-title")).toHaveText(replica);
    await shot(page, testInfo, "nojs-cluster");

    for (const path of ["/web/raft", "/web/recoveries", "/web/candidates"]) {
      await page.goto(`${node.url}${path}`);
      await expect(page.locator("main h1")).toBeVisible();
      await expect(page.locator("#pulse-applied")).toHaveText(/^\d+$/);
    }

    // The downtime form posts, the server redirects back, the page shows the row.
    await page.goto(`${node.url}/web/downtimes`);
    const form = page.locator("#begin-downtime-form");
    await form.getByLabel("Instance (host:port)").fill(replica);
    await form.getByLabel("Owner").fill("e2e-nojs");
    await form.getByLabel("Reason").fill("no javascript");
    await form.getByLabel("Duration").fill("abc");
    await form.getByRole("button", { name: "Begin downtime" }).click();
    await expect(page.locator(".result.error")).toContainText('invalid duration "abc"');
    expect(await downtimedKeys(node)).not.toContain(replica);
    await shot(page, testInfo, "nojs-validation");

    await page.locator("#begin-downtime-form").getByLabel("Instance (host:port)").fill(replica);
    await page.locator("#begin-downtime-form").getByLabel("Owner").fill("e2e-nojs");
    await page.locator("#begin-downtime-form").getByLabel("Reason").fill("no javascript");
    await page.locator("#begin-downtime-form").getByLabel("Duration").fill("20m");
    await page.locator("#begin-downtime-form").getByRole("button", { name: "Begin downtime" }).click();
    await expect(find.downtimeRow(page, replica)).toContainText("e2e-nojs");
    await expect(page.locator(".result.error")).toHaveCount(0);
    expect(await downtimedKeys(node)).toContain(replica);
    await shot(page, testInfo, "nojs-downtime-begun");

    await find.downtimeRow(page, replica).getByRole("button", { name: "End downtime" }).click();
    await expect(find.downtimeRow(page, replica)).toHaveCount(0);
    expect(await downtimedKeys(node)).not.toContain(replica);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
