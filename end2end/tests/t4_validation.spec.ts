// Test 4: bad input (duration `abc`, an unknown rule) shows a validation message and changes
// nothing.

import { expect, test } from "@playwright/test";
import { getJson, readCluster } from "./support/cluster";
import { beginDowntime, downtimedKeys, followerNode, keyOf, open, REFUSED_CALL, selectInstance, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

test("a bad duration is refused with a message and nothing is proposed", async ({ page }, testInfo) => {
  const errors = watchErrors(page, [REFUSED_CALL]);
  const follower = await followerNode();
  const master = keyOf(servers("alpha")[0]);
  const before = await Promise.all(readCluster().nodes.map((n) => getJson(`${n.url}/api/raft-status`)));

  await selectInstance(page, follower, "alpha", master);
  await beginDowntime(page, { owner: "e2e", reason: "bad input", duration: "abc" });
  const message = page.locator("#instance-panel .result.error");
  await expect(message).toContainText('Invalid input: invalid duration "abc"');
  await expect(message).toHaveAttribute("role", "alert");
  await shot(page, testInfo, "bad-duration");

  // Same on the downtimes page, with an unknown instance text too.
  await open(page, follower, "/web/downtimes");
  await beginDowntime(page, { instance: "db 1:3306", owner: "e2e", reason: "bad input", duration: "10m" });
  await expect(page.locator(".result.error")).toContainText("Invalid input: invalid hostname");

  for (const node of readCluster().nodes) {
    expect(await downtimedKeys(node)).not.toContain(master);
  }
  // Nothing reached the raft log: no node applied a user command (heartbeats are once a minute).
  const after = await Promise.all(readCluster().nodes.map((n) => getJson(`${n.url}/api/raft-status`)));
  const digests = new Set(after.map((s) => s.body.ReplicatedDigest));
  expect(digests.size).toBe(1);
  expect([...digests][0]).toBe(before[0].body.ReplicatedDigest);
  expect(errors).toEqual([]);
});
