import type { SimulatedStore } from "../../app/demo/simulated-store";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startAppProcess } from "../../scripts/lib/app-process";
import { seedDemoStore } from "../../scripts/lib/demo-store";
import { freePort, requireBuild } from "./app-server";
import { createTestDatabase, type TestDatabase } from "./database";

export type DemoApp = { url: string; app: AppProcess; db: TestDatabase; store: SimulatedStore; stop(): Promise<void> };

/** What `npm run demo` serves, on a fresh SQLite database and a free port, seeded through the intake. */
export async function startDemoApp(options: { orders?: number; now?: Date } = {}): Promise<DemoApp> {
  requireBuild();
  const db = await createTestDatabase("sqlite");
  const port = await freePort();
  const app = await startAppProcess({
    port,
    quiet: true,
    env: { DEMO_MODE: "1", NODE_ENV: "development", DATABASE_URL: db.url, SHOPIFY_API_KEY: undefined, SHOPIFY_API_SECRET: undefined },
  });
  const { store, report } = await seedDemoStore(app.url, { orders: options.orders ?? 300, now: options.now, databaseUrl: db.url });
  if (report.failures.length > 0) throw new Error(`demo seed rejected:\n${report.failures.slice(0, 5).join("\n")}`);
  return {
    url: app.url,
    app,
    db,
    store,
    async stop() {
      await app.stop();
      await db.drop();
    },
  };
}
