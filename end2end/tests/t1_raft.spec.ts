// The Raft page, against a real 3-node cluster (started by tests/support/cluster.ts): every node's
// page shows the same single leader and two followers; the page follows replicated writes without a
// reload; it reads without JavaScript; leadership can be transferred by clicking.

import { expect, test, type Page } from "@playwright/test";
import { getJson, readCluster, waitForSingleLeader, type ClusterState } from "./support/cluster";

let cluster: ClusterState;
let leaderId: number;

test.beforeAll(async () => {
  cluster = readCluster();
  // The cluster is stable after globalSetup; ask every node who leads (they must agree).
  const statuses = await Promise.all(cluster.nodes.map((n) => getJson(`${n.url}/api/raft-status`)));
  const leaders = new Set(statuses.map((s) => s.body.LeaderId));
  expect(leaders.size, `nodes disagree on the leader: ${JSON.stringify([...leaders])}`).toBe(1);
  leaderId = statuses[0].body.LeaderId;
  expect(cluster.nodes.map((n) => n.id)).toContain(leaderId);
});

/**
 * Records page errors (uncaught exceptions, wasm panics) and console errors of `page`. The one
 * ignored console error is Chromium's automatic /favicon.ico request (the site has no favicon).
 */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (new URL(m.location().url || "about:blank", "http://x").pathname === "/favicon.ico") return;
    errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  return errors;
}

/** Resolves once the hydrated page has completed one `get_raft_status` server-function call. */
function serverFnRoundTrip(page: Page) {
  return page.waitForResponse((r) => r.url().includes("/sfn/") && r.request().method() === "POST" && r.ok(), {
    timeout: 15_000,
  });
}

/** A member's raft address (pages show it rather than the id). */
const addrOf = (id: number) => cluster.nodes.find((n) => n.id === id)!.raftAddr;

test("every node's Raft page shows the same single leader and two followers", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  for (const node of cluster.nodes) {
    await page.goto(`${node.url}/web/raft`);
    await expect(page.locator("#served-by")).toContainText(`Served by ${node.raftAddr}`);
    await expect(page.locator("#served-by")).toContainText(node.raftAddr);
    await expect(page.locator("#node-state")).toHaveText(node.id === leaderId ? "Leader" : "Follower");
    await expect(page.locator("#leader")).toHaveText(`Leader: ${addrOf(leaderId)}`);
    await expect(page.locator("#leader")).toHaveAttribute("data-leader-id", String(leaderId));

    const rows = page.locator("table.members tbody tr[data-node-id]");
    await expect(rows).toHaveCount(3);
    const ids = (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-node-id")))).map(Number);
    expect(ids.sort()).toEqual(cluster.nodes.map((n) => n.id as number).sort());
    const roles = await rows.locator(".role").allTextContents();
    expect(roles.sort()).toEqual(["Follower", "Follower", "Leader"]);
    await expect(page.locator(`tr[data-node-id="${leaderId}"] .role`)).toHaveText("Leader");
    // The serving node's own row is marked.
    await expect(page.locator(`tr[data-node-id="${node.id}"]`)).toHaveClass(/\bme\b/);

    await page.screenshot({ path: testInfo.outputPath(`raft-node${node.index}-id${node.id}.png`), fullPage: true });
  }
  expect(errors).toEqual([]);
});

test("hydrated page follows a replicated write without a reload", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  let navigations = 0;
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) navigations++;
  });
  // Watch a follower: the write goes to the leader and must reach the follower's state machine.
  const follower = cluster.nodes.find((n) => n.id !== leaderId)!;
  const roundTrip = serverFnRoundTrip(page);
  await page.goto(`${follower.url}/web/raft`);
  await expect(page.locator("#served-by")).toContainText(`Served by ${follower.raftAddr}`);
  // Hydrated: the polling server function answered at least once.
  await roundTrip;
  await page.evaluate(() => ((window as any).__e2eNoReload = true));

  const appliedText = page.locator("#applied-index");
  await expect(appliedText).toHaveText(/^\d+$/);
  const before = Number(await appliedText.textContent());

  const write = await getJson(`${follower.url}/api/begin-downtime/db1/3306/e2e/test`);
  expect(write.status, JSON.stringify(write.body)).toBe(200);

  await expect
    .poll(async () => Number(await appliedText.textContent()), { timeout: 15_000, message: "#applied-index increases" })
    .toBeGreaterThan(before);
  expect(await page.evaluate(() => (window as any).__e2eNoReload)).toBe(true);
  expect(navigations).toBe(1);
  await page.screenshot({ path: testInfo.outputPath(`after-write-node${follower.index}.png`), fullPage: true });
  expect(errors).toEqual([]);
});

test("without JavaScript the server-rendered page still shows the member table", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const node = cluster.nodes[0];
    await page.goto(`${node.url}/web/raft`);
    await expect(page.locator("#served-by")).toContainText(`Served by ${node.raftAddr}`);
    await expect(page.locator("#leader")).toHaveText(`Leader: ${addrOf(leaderId)}`);
    const rows = page.locator("table.members tbody tr[data-node-id]");
    await expect(rows).toHaveCount(3);
    const roles = await rows.locator(".role").allTextContents();
    expect(roles.sort()).toEqual(["Follower", "Follower", "Leader"]);
    await expect(page.locator(`tr[data-node-id="${leaderId}"] .role`)).toHaveText("Leader");
    await page.screenshot({ path: testInfo.outputPath(`nojs-node${node.index}.png`), fullPage: true });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test("leadership is transferred to the member chosen on a follower's page", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const follower = cluster.nodes.find((n) => n.id !== leaderId)!;
  const target = cluster.nodes.find((n) => n.id !== leaderId && n.id !== follower.id)!;
  await page.goto(`${follower.url}/web/raft`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("#transfer-form").getByLabel("To").selectOption(String(target.id));
  await page.getByRole("button", { name: "Transfer leadership" }).click();
  await expect(page.locator(".result.ok")).toContainText(`Leadership transfer to node ${target.id} requested`);
  // Every node's page (live, no reload) shows the chosen member as leader.
  await expect(page.locator("#leader")).toHaveText(`Leader: ${target.raftAddr}`, { timeout: 20_000 });
  for (const node of cluster.nodes) {
    await page.goto(`${node.url}/web/raft`);
    await expect(page.locator("#leader")).toHaveText(`Leader: ${target.raftAddr}`, { timeout: 20_000 });
    await expect(page.locator(`tr[data-node-id="${target.id}"] .role`)).toHaveText("Leader");
  }
  await page.screenshot({ path: testInfo.outputPath("after-transfer.png"), fullPage: true });
  await waitForSingleLeader();
  expect(errors).toEqual([]);
});
