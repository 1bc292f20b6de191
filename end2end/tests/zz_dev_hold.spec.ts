// TEMPORARY (not to be committed): holds the cluster up for manual inspection.
import { test } from "@playwright/test";
import * as fs from "node:fs";
test("hold", async () => {
  test.setTimeout(0);
  fs.writeFileSync("/tmp/dev-hold", "hold");
  while (fs.existsSync("/tmp/dev-hold")) await new Promise((r) => setTimeout(r, 500));
});
