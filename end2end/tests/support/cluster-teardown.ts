// Playwright globalTeardown: stop the cluster started by cluster.ts, then the MariaDB fleet.
import { stopCluster } from "./cluster";
import { stopFleet } from "./mariadb";

export default async function globalTeardown(): Promise<void> {
  await stopCluster();
  await stopFleet();
}
