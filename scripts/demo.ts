// `npm run demo`: build if needed, a fresh SQLite database, the production server in demo mode,
// and a simulated store fed through the real webhook intake.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT, startAppProcess } from "./lib/app-process";
import { seedDemoStore } from "./lib/demo-store";

const port = Number(process.env.PORT || 3000);
const orders = Number(process.env.DEMO_ORDERS || 300);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const serverBuild = path.join(PROJECT_ROOT, "build/server/index.js");
  if (existsSync(serverBuild) && statSync(serverBuild).mtimeMs >= newestMtime(path.join(PROJECT_ROOT, "app"))) return;
  console.log("Building the app…");
  execFileSync("npm", ["run", "build"], { cwd: PROJECT_ROOT, stdio: "inherit" });
}

async function main() {
  if (process.env.SHOPIFY_API_KEY || process.env.SHOPIFY_API_SECRET) {
    throw new Error("Unset SHOPIFY_API_KEY and SHOPIFY_API_SECRET: the demo never runs beside real credentials.");
  }
  buildIfNeeded();
  const dbFile = path.join(PROJECT_ROOT, "prisma/demo.sqlite");
  for (const suffix of ["", "-wal", "-shm", "-journal", ".customers.json", ".key"]) rmSync(dbFile + suffix, { force: true });
  // The demo database gets its own random key, kept beside it: no key is built into the code.
  const encryptionKey = randomBytes(32).toString("base64");
  writeFileSync(`${dbFile}.key`, `${encryptionKey}\n`, { mode: 0o600 });
  const env: Record<string, string> = { DEMO_MODE: "1", NODE_ENV: "development", DATABASE_URL: `file:${dbFile}`, ENCRYPTION_KEY: encryptionKey };
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/db.mjs"), "setup"], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });

  const app = await startAppProcess({ port, env });
  const started = Date.now();
  const { store, report, feeds } = await seedDemoStore(app.url, { orders, databaseUrl: env.DATABASE_URL });
  console.log(
    `Seeded ${store.orders.length} orders from ${report.sent} signed webhooks in ${Date.now() - started} ms (${JSON.stringify(report.byStatus)}).`,
  );
  for (const failure of report.failures.slice(0, 10)) console.warn(`  rejected: ${failure}`);
  if (feeds) console.log(`3PL file: ${JSON.stringify(feeds.threePl.body)}\nCarrier updates: ${JSON.stringify(feeds.carrier.body)}`);
  console.log(`\nDemo store ready: http://localhost:${port}/app  (Ctrl-C to stop)\n`);
  console.log(`Storefront with the order-status block: http://localhost:${port}/storefront\n`);

  const stop = () => void app.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  app.child.once("exit", (code) => process.exit(code ?? 1));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
