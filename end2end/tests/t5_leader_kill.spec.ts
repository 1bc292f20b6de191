// Test 5: kill -9 the leader process: the remaining dashboards show a new leader within seconds
// (live, without a reload), and an action still succeeds. Then, with two of three nodes down,
// the last one says plainly that it has no quorum, keeps reading, and refuses actions with a
// message. Killed nodes are restarted afterwards.

import { expect, test } from "@playwright/test";
import { killNode, readCluster, restartNode, waitForSingleLeader } from "./support/cluster";
import {
  beginDowntime,
  downtimedKeys,
  find,
  keyOf,
  leaderNode,
  open,
  REFUSED_CALL,
  selectInstance,
  servers,
  shot,
  waitDiscovered,
  watchErrors,
} from "./support/dashboard";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

test("after the leader is killed the dashboards show a new leader and actions still succeed", async ({ browser }, testInfo) => {
  const old = await leaderNode();
  const survivors = readCluster().nodes.filter((n) => n.pid !== null && n.id !== old.id);
  const pages = await Promise.all(survivors.map(async () => (await browser.newContext()).newPage()));
  const errors = pages.flatMap((p) => watchErrors(p));
  for (const [i, node] of survivors.entries()) {
    await open(pages[i], node, "/web/raft");
    await expect(pages[i].locator("#leader")).toHaveText(`Leader: ${old.raftAddr}`);
    await pages[i].evaluate(() => ((window as any).__noReload = true));
  }

  const killedAt = Date.now();
  await killNode(old.index);
  try {
    let newLeader = 0;
    for (const [i, page] of pages.entries()) {
      // The open pages follow the change by themselves.
      await expect(page.locator("#leader")).not.toHaveText(`Leader: ${old.raftAddr}`, { timeout: 15_000 });
      await expect(page.locator("#leader")).toHaveText(/^Leader: \S+:\d+$/, { timeout: 15_000 });
      await expect(page.locator(`tr[data-node-id="${old.id}"] .role`)).toHaveText("Unreachable", { timeout: 15_000 });
      const id = Number(await page.locator("#leader").getAttribute("data-leader-id"));
      expect(survivors.map((n) => n.id)).toContain(id);
      if (newLeader) expect(id).toBe(newLeader);
      newLeader = id;
      expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
      await shot(page, testInfo, `raft-after-leader-kill-node${survivors[i].index}`);
    }
    testInfo.annotations.push({ type: "new leader shown after", description: `${Date.now() - killedAt} ms` });

    // An action still succeeds, from the remaining follower's dashboard.
    const follower = survivors.find((n) => n.id !== newLeader)!;
    const page = pages[survivors.indexOf(follower)];
    const replica = keyOf(servers("alpha")[1]);
    await selectInstance(page, follower, "alpha", replica);
    await beginDowntime(page, { owner: "e2e-bob", reason: "after leader loss", duration: "5m" });
    await expect(find.panel(page).locator(".result.ok", { hasText: `Downtime begun on ${replica}` })).toBeVisible();
    for (const node of survivors) expect(await downtimedKeys(node)).toContain(replica);
    await find.panel(page).getByRole("button", { name: "End downtime" }).click();
    await expect(find.panel(page).locator(".result.ok", { hasText: `Downtime ended on ${replica}` })).toBeVisible();
    await shot(page, testInfo, "action-after-leader-kill");
    expect(errors).toEqual([]);
  } finally {
    await restartNode(old.index);
    await waitForSingleLeader();
  }
});

test("without a quorum the page says so, keeps reading, and refuses actions with a message", async ({ page }, testInfo) => {
  const errors = watchErrors(page, [REFUSED_CALL]);
  const nodes = readCluster().nodes;
  const [keep, ...others] = nodes;
  const replica = keyOf(servers("alpha")[1]);
  await selectInstance(page, keep, "alpha", replica);
  await expect(page.locator("#pulse-quorum")).toContainText("Quorum OK");
  for (const n of others) await killNode(n.index);
  try {
    // The open page notices by itself, and still shows the topology from the local store.
    await expect(page.locator("#pulse-quorum")).toContainText("No quorum", { timeout: 15_000 });
    await expect(find.box(page, replica)).toBeVisible();
    const started = Date.now();
    await beginDowntime(page, { owner: "e2e", reason: "no quorum", duration: "10m" });
    await expect(find.panel(page).locator(".result.error")).toContainText("Refused, nothing was committed:", { timeout: 10_000 });
    testInfo.annotations.push({ type: "refused after", description: `${Date.now() - started} ms` });
    await shot(page, testInfo, "no-quorum");
    expect(errors).toEqual([]);
  } finally {
    for (const n of others) await restartNode(n.index);
    await waitForSingleLeader();
  }
  expect(await downtimedKeys(keep)).not.toContain(replica);
});
