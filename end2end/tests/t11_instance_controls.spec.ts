// Test 11: the instance panel's replica controls, on a FOLLOWER's dashboard (the leader runs
// them against the server). "Stop nicely" stops replication and the server agrees; "Start
// replication" starts it again; "Delay replication" with a value sets the server's SQL_Delay and
// 0 clears it; a value that is not a number is refused with the reason and nothing changes; a
// tag written through the API shows in the panel; "Reset replication" refuses a confirmation
// that is not the instance's key and, confirmed, runs RESET SLAVE ALL (the kit then makes the
// server a replica again).
// Every state is read from the MariaDB server itself, not from orchestrator-rs; the replica is
// left as it was found.

import { expect, test } from "@playwright/test";
import { find, followerNode, keyOf, REFUSED_CALL, selectInstance, servers, shot, waitDiscovered, watchErrors } from "./support/dashboard";
import { getJson } from "./support/cluster";
import { replicateFrom, slaveStatus } from "./support/mariadb";

test.beforeAll(async () => {
  await waitDiscovered("alpha", 3);
});

test("replica controls on a follower's instance panel act on the server", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page, [REFUSED_CALL]);
  const [master, replica] = servers("alpha");
  const key = keyOf(replica);
  const follower = await followerNode();
  await selectInstance(page, follower, "alpha", key);
  const panel = find.panel(page);
  const ok = panel.locator(".panel-results .result.ok");
  const running = async () => {
    const s = await slaveStatus(replica);
    return `${s.Slave_IO_Running}/${s.Slave_SQL_Running}`;
  };
  expect(await running()).toBe("Yes/Yes");

  await panel.locator('button[data-op="stop-replica-nice"]').click();
  await expect(ok).toContainText(`Replica stopped nicely: ${key}`, { timeout: 30_000 });
  await expect.poll(running, { timeout: 30_000 }).toBe("No/No");
  await shot(page, testInfo, "stopped-nicely");

  await panel.locator('button[data-op="start-replica"]').click();
  await expect(ok).toContainText(`Replica started: ${key}`, { timeout: 30_000 });
  await expect.poll(running, { timeout: 30_000 }).toBe("Yes/Yes");

  const delay = panel.locator("#control-delay-replication");
  await delay.fill("soon");
  await panel.locator('button[data-op="delay-replication"]').click();
  await expect(panel.locator(".result.error")).toContainText("not a non-negative number", { timeout: 30_000 });
  expect((await slaveStatus(replica)).SQL_Delay).toBe("0");

  await panel.locator("#control-delay-replication").fill("7");
  await panel.locator('button[data-op="delay-replication"]').click();
  await expect(ok).toContainText(`Replication delayed: ${key} (7 seconds)`, { timeout: 30_000 });
  await expect.poll(async () => (await slaveStatus(replica)).SQL_Delay, { timeout: 30_000 }).toBe("7");
  await shot(page, testInfo, "delayed");

  await panel.locator("#control-delay-replication").fill("0");
  await panel.locator('button[data-op="delay-replication"]').click();
  await expect(ok).toContainText(`Replication delayed: ${key} (0 seconds)`, { timeout: 30_000 });
  await expect.poll(async () => (await slaveStatus(replica)).SQL_Delay, { timeout: 30_000 }).toBe("0");
  await expect.poll(running, { timeout: 30_000 }).toBe("Yes/Yes");

  const [host, port] = [replica.host, replica.port];
  const tagged = await getJson(`${follower.url}/api/tag/${host}/${port}?tag=role%3Dreporting`);
  expect(tagged.status).toBe(200);
  await expect(panel.locator("table.facts")).toContainText("role=reporting", { timeout: 30_000 });
  const untagged = await getJson(`${follower.url}/api/untag/${host}/${port}?tag=role`);
  expect(untagged.status).toBe(200);
  await expect(panel.locator("table.facts")).not.toContainText("role=reporting", { timeout: 30_000 });

  await panel.locator("#control-reset-replica").fill("127.0.0.1:1");
  await panel.locator('button[data-op="reset-replica"]').click();
  await expect(panel.locator(".result.error")).toContainText(`type ${key} to confirm reset-replica`, {
    timeout: 30_000,
  });
  expect(await running()).toBe("Yes/Yes");
  await panel.locator("#control-reset-replica").fill(key);
  await panel.locator('button[data-op="reset-replica"]').click();
  await expect(ok).toContainText(`Replica reset on ${key}`, { timeout: 30_000 });
  await expect.poll(async () => Object.keys(await slaveStatus(replica)).length, { timeout: 30_000 }).toBe(0);
  await shot(page, testInfo, "reset");
  await replicateFrom(replica, master);
  await expect.poll(running, { timeout: 30_000 }).toBe("Yes/Yes");
  await waitDiscovered("alpha", 3);
  expect(errors).toEqual([]);
});
