import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateStore } from "../../app/demo/simulated-store";
import { replayAll } from "../../app/store/replay.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { rememberSimulatedFulfillmentOrders } from "../../scripts/lib/demo-store";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { prepareDeliveries, sendUntilAcknowledged } from "../support/webhook-load";
import { TEST_SECRET } from "../support/webhooks";

const SHOP = "multi-shop.myshopify.com";
let db: TestDatabase;
let apps: AppProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  apps = await Promise.all([startProductionApp(db.url, TEST_SECRET), startProductionApp(db.url, TEST_SECRET)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await db?.drop();
});

describe(`two app processes sharing one ${process.env.TEST_DATABASE ?? "sqlite"} database`, () => {
  it("ingest the same orders concurrently, duplicates sent to both, without losing or doubling an event", async () => {
    const store = simulateStore({ shop: SHOP, orders: 300, now: new Date(), seed: 8 });
    await rememberSimulatedFulfillmentOrders(db.prisma, store);
    const items = prepareDeliveries(store.deliveries, SHOP, TEST_SECRET, "multi");
    // Every fifth delivery is sent to both processes at once, like a Shopify retry racing the original.
    const duplicated = items.filter((_, i) => i % 5 === 0);
    const [first, second] = await Promise.all([
      sendUntilAcknowledged(() => [apps[0].url, apps[1].url], items, { concurrency: 16 }),
      sendUntilAcknowledged(() => [apps[1].url], duplicated, { concurrency: 8 }),
    ]);
    expect(first.acknowledged.size).toBe(items.length);
    expect(second.acknowledged.size).toBe(duplicated.length);

    const events = await db.prisma.event.findMany({ where: { shop: SHOP }, select: { dedupeKey: true } });
    const webhookIds = new Set(events.map((e) => e.dedupeKey.split(/[#@]/)[0]));
    expect(new Set(events.map((e) => e.dedupeKey)).size).toBe(events.length);
    expect(webhookIds.size).toBe(items.length);

    const report = await replayAll(db.prisma, { shop: SHOP });
    expect(report.orders).toBe(store.orders.length);
    expect(report.differences).toEqual([]);
  }, 120_000);
});
