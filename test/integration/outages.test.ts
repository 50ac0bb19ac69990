import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { startAppProcess } from "../../scripts/lib/app-process";
import { freePort, startProductionApp } from "../support/app-server";
import { createTestDatabase, testDatabaseProvider } from "../support/database";
import { startTcpProxy } from "../support/tcp-proxy";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "outage-shop.myshopify.com";
let sequence = 0;

async function sendOrder(url: string, secret = TEST_SECRET, shop = SHOP) {
  sequence += 1;
  const body = JSON.stringify({ ...fixture("single-parcel.create"), id: 990_000 + sequence, name: `#${7000 + sequence}` });
  const res = await fetch(`${url}/webhooks`, { method: "POST", body, headers: signedWebhookHeaders("orders/create", body, { shop, secret }) });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), text: await res.text() };
}

// Each provider fails in its own ways, so each run defines the outages its database can have.
describe(`database outages on ${testDatabaseProvider()}`, () => {
  if (testDatabaseProvider() === "postgresql") {
  it("PostgreSQL unreachable: 503 without partial writes, an error page on the dashboard, recovery on its own", async () => {
    const db = await createTestDatabase("postgresql");
    const proxy = await startTcpProxy(5432);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const app = await startProductionApp(viaProxy.toString(), TEST_SECRET);
    const dashboard = await startAppProcess({ port: await freePort(), quiet: true, env: { DEMO_MODE: "1", NODE_ENV: "development", DATABASE_URL: viaProxy.toString(), SHOPIFY_API_KEY: undefined, SHOPIFY_API_SECRET: undefined } });
    try {
      expect((await sendOrder(app.url)).status).toBe(200);
      expect((await fetch(`${dashboard.url}/app`, { headers: { "User-Agent": "Mozilla/5.0" } })).status).toBe(200);

      await proxy.unplug();
      const during = await sendOrder(app.url);
      expect(during.status).toBe(503);
      expect(Number(during.retryAfter)).toBeGreaterThan(0);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(503);
      const page = await fetch(`${dashboard.url}/app`, { headers: { "User-Agent": "Mozilla/5.0" } });
      expect(page.status).toBeGreaterThanOrEqual(500);
      expect(await page.text()).toMatch(/temporarily unavailable|went wrong/i);
      expect(await db.prisma.event.count()).toBe(1);

      await proxy.plugIn();
      let recovered = 0;
      for (let attempt = 0; attempt < 50 && recovered !== 200; attempt++) {
        recovered = (await sendOrder(app.url)).status;
        if (recovered !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(recovered).toBe(200);
      expect((await fetch(`${dashboard.url}/app`, { headers: { "User-Agent": "Mozilla/5.0" } })).status).toBe(200);
      expect(await db.prisma.order.count()).toBe(await db.prisma.event.count());
    } finally {
      await app.stop();
      await dashboard.stop();
      await proxy.close();
      await db.drop();
    }
  }, 120_000);
  } else {
  it("SQLite locked by another writer: 503 after the busy timeout, then normal service", async () => {
    const db = await createTestDatabase("sqlite");
    const app = await startProductionApp(db.url, TEST_SECRET, { SQLITE_BUSY_TIMEOUT_MS: "300" });
    const file = db.url.replace(/^file:/, "");
    const blocker = new Database(file);
    try {
      expect((await sendOrder(app.url)).status).toBe(200);
      blocker.prepare("BEGIN EXCLUSIVE").run();
      const during = await sendOrder(app.url);
      expect(during.status).toBe(503);
      blocker.prepare("ROLLBACK").run();
      expect((await sendOrder(app.url)).status).toBe(200);
      expect(await db.prisma.event.count()).toBe(2);
    } finally {
      blocker.close();
      await app.stop();
      await db.drop();
    }
  }, 60_000);

  it("SQLite out of disk space: 503 without partial writes, and back to 200 once space is freed", async () => {
    const mountPoint = path.join(os.tmpdir(), `ot-full-${process.pid}`);
    mkdirSync(mountPoint, { recursive: true });
    // A small tmpfs of our own: the only honest way to run out of space without filling the real disk.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint]);
    const file = path.join(mountPoint, "app.sqlite");
    execFileSync(process.execPath, [path.join(__dirname, "../../scripts/db.mjs"), "setup"], { env: { ...process.env, DATABASE_URL: `file:${file}` }, stdio: "ignore" });
    const app = await startProductionApp(`file:${file}`, TEST_SECRET);
    const filler = path.join(mountPoint, "filler");
    try {
      expect((await sendOrder(app.url)).status).toBe(200);
      writeFileSync(filler, Buffer.alloc(0));
      let size = 0;
      for (;;) {
        try {
          writeFileSync(filler, Buffer.alloc(size + 64 * 1024));
          size += 64 * 1024;
        } catch {
          break;
        }
      }
      let answer = 200;
      let accepted = 1;
      for (let i = 0; i < 200 && answer === 200; i++) {
        answer = (await sendOrder(app.url)).status;
        if (answer === 200) accepted += 1;
      }
      expect(answer).toBe(503);
      rmSync(filler);
      expect((await sendOrder(app.url)).status).toBe(200);
      accepted += 1;
      const check = new Database(file, { readonly: true });
      const events = check.prepare(`SELECT COUNT(*) AS n FROM "Event"`).get() as { n: number };
      const orders = check.prepare(`SELECT COUNT(*) AS n FROM "Order"`).get() as { n: number };
      check.close();
      expect(events.n).toBe(accepted);
      expect(orders.n).toBe(accepted);
    } finally {
      await app.stop();
      execFileSync("umount", [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  }, 120_000);
  }
});
