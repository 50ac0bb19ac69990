import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { PROJECT_ROOT, startAppProcess, type AppProcess } from "../../scripts/lib/app-process";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function requireBuild() {
  if (!existsSync(path.join(PROJECT_ROOT, "build/server/index.js"))) {
    throw new Error("No production build: run `npm run build` first (npm test does).");
  }
}

export const TEST_API_KEY = "test-api-key";

/** The production server as `npm start` runs it, on its own port and database. */
export async function startProductionApp(databaseUrl: string, secret: string, extraEnv: Record<string, string> = {}, fixedPort?: number): Promise<AppProcess> {
  requireBuild();
  const port = fixedPort ?? (await freePort());
  return startAppProcess({
    port,
    quiet: true,
    env: {
      NODE_ENV: "production",
      DEMO_MODE: "0",
      SHOPIFY_API_KEY: TEST_API_KEY,
      SHOPIFY_API_SECRET: secret,
      SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      ...extraEnv,
    },
  });
}
