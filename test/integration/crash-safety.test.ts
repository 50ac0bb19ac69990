import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateStore } from "../../app/demo/simulated-store";
import { replayAll } from "../../app/store/replay.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { rememberSimulatedFulfillmentOrders } from "../../scripts/lib/demo-store";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { prepareDeliveries, sendUntilAcknowledged } from "../support/webhook-load";
import { TEST_SECRET } from "../support/webhooks";

const SHOP = "crash-shop.myshopify.com";
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

/**
 * Distinct webhook ids in the log: dedupe keys are the webhook id, id#n when one webhook made several
 * events, and id@order when the intake had to find the order (holds).
 */
async function webhookIdsInLog(): Promise<Map<string, number>> {
  const rows = await db.prisma.event.findMany({ where: { shop: SHOP }, select: { dedupeKey: true } });
  const ids = new Map<string, number>();
  for (const { dedupeKey } of rows) {
    const id = dedupeKey.split(/[#@]/)[0]!;
    ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  return ids;
}

describe(`crash safety on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("keeps every acknowledged webhook and a consistent rollup through repeated kill -9 under load", async () => {
    const store = simulateStore({ shop: SHOP, orders: 250, now: new Date(), seed: 42 });
    await rememberSimulatedFulfillmentOrders(db.prisma, store);
    const items = prepareDeliveries(store.deliveries, SHOP, TEST_SECRET, "crash");
    let app: AppProcess | null = await startProductionApp(db.url, TEST_SECRET);
    const port = Number(new URL(app.url).port);
    let kills = 0;
    let acknowledged = 0;
    let stopping = false;
    // Kill after each fifth of the load is acknowledged, so every run crashes mid-stream several times.
    const killPoints = [0.15, 0.35, 0.55, 0.75].map((f) => Math.floor(f * items.length));

    const chaos = (async () => {
      for (const point of killPoints) {
        while (!stopping && acknowledged < point) await new Promise((r) => setTimeout(r, 5));
        if (stopping || !app) break;
        const victim = app;
        app = null;
        victim.child.kill("SIGKILL");
        kills += 1;
        await victim.stop();
        app = await startProductionApp(db.url, TEST_SECRET, { PORT: String(port) }, port);
      }
    })();

    const result = await sendUntilAcknowledged(() => (app ? [app.url] : [`http://127.0.0.1:${port}`]), items, {
      concurrency: 16,
      onAcknowledged: (count) => (acknowledged = count),
    });
    stopping = true;
    await chaos;
    await app?.stop();

    expect(kills).toBe(killPoints.length);
    expect(result.acknowledged.size).toBe(items.length);
    const inLog = await webhookIdsInLog();
    expect([...result.acknowledged].filter((id) => !inLog.has(id))).toEqual([]);
    expect([...inLog.keys()].filter((id) => !result.acknowledged.has(id))).toEqual([]);
    const expectedEvents = await db.prisma.event.count({ where: { shop: SHOP } });
    expect(new Set((await db.prisma.event.findMany({ where: { shop: SHOP }, select: { dedupeKey: true } })).map((e) => e.dedupeKey)).size).toBe(expectedEvents);
    const report = await replayAll(db.prisma, { shop: SHOP });
    expect(report.orders).toBe(store.orders.length);
    expect(report.differences).toEqual([]);
  }, 180_000);
});
