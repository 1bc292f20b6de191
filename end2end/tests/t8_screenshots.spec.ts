// Screenshots of every page at 1280 px (test artifacts; with README_SCREENSHOTS=1 also written to
// docs/screenshots/ for the README). Runs last: by then bravo has a recovery on record.
// Sets up something to show (a downtime and a promotion rule on alpha) and removes it after.

import { expect, test } from "@playwright/test";
import * as path from "node:path";
import { beginDowntime, find, followerNode, keyOf, open, selectInstance, servers, waitDiscovered, watchErrors } from "./support/dashboard";

const DOCS = path.resolve(__dirname, "..", "..", "docs", "screenshots");

test.use({ viewport: { width: 1280, height: 860 } });

test("screenshots of every page", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await waitDiscovered("alpha", 3);
  const node = await followerNode();
  const [master, r1, r2] = servers("alpha").map(keyOf);
  const save = async (name: string, fullPage = false) => {
    await page.mouse.move(0, 0);
    await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage });
    if (process.env.README_SCREENSHOTS === "1") await page.screenshot({ path: path.join(DOCS, `${name}.png`), fullPage });
  };

  // Something to show: a downtime on r1, a rule on r2.
  await selectInstance(page, node, "alpha", r1);
  await beginDowntime(page, { owner: "alice", reason: "kernel upgrade", duration: "2h" });
  await expect(find.box(page, r1).locator(".b-downtime")).toBeVisible();
  await selectInstance(page, node, "alpha", r2);
  await page.locator("#register-candidate-form").getByLabel("Rule").selectOption("prefer");
  await page.locator("#register-candidate-form").getByRole("button", { name: "Register" }).click();
  await expect(find.box(page, r2).locator(".b-rule")).toHaveText("prefer");

  await open(page, node, "/web/clusters");
  await save("clusters");
  await open(page, node, `/web/cluster/alpha?instance=${r1}`);
  await expect(page.locator("#panel-title")).toHaveText(r1);
  await save("cluster");
  await open(page, node, "/web/raft");
  await save("raft");
  await open(page, node, "/web/downtimes");
  await expect(find.downtimeRow(page, r1)).toBeVisible();
  await save("downtimes");
  await open(page, node, "/web/candidates");
  await save("candidates");
  await open(page, node, "/web/recoveries");
  await save("recoveries", true);

  // Clean up what was set.
  await open(page, node, "/web/downtimes");
  await find.downtimeRow(page, r1).getByRole("button", { name: "End downtime" }).click();
  await expect(find.downtimeRow(page, r1)).toHaveCount(0);
  await open(page, node, "/web/candidates");
  await find.candidateRow(page, r2).getByRole("button", { name: `Remove the rule of ${r2}` }).click();
  await expect(find.candidateRow(page, r2)).toHaveCount(0);
  expect(master).toBeTruthy();
  expect(errors).toEqual([]);
});
