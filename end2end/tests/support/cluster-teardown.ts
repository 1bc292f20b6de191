// Playwright globalTeardown: stop the cluster started by cluster.ts.
import { stopCluster } from "./cluster";

export default async function globalTeardown(): Promise<void> {
  await stopCluster();
}
