import { DEMO_API_SECRET, DEMO_SHOP } from "../../app/demo/constants";
import { writeFileSync } from "node:fs";
import type { Db } from "../../app/db.server";
import { simulateStore, type SimulatedStore } from "../../app/demo/simulated-store";
import { rememberFulfillmentOrderLinks } from "../../app/sources/fulfillment-orders.server";
import { BACKFILL_DAYS, type BackfillState } from "../../app/sources/shopify-reconciliation/backfill.server";
import { BACKFILL_JOB } from "../../app/sources/shopify-reconciliation/backfill-schedule.server";
import { seedDemoFeeds, type DemoFeedReport } from "../../app/sources/demo-feeds";
import { recheckDueOrders } from "../../app/store/discrepancies-recheck.server";
import { demoCustomersPath } from "../../app/storefront/storefront-emulator.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import { sendWebhooks, type SendReport } from "./webhook-sender";

/**
 * Feeds a simulated store into a running demo app through its real webhook intake. Given the demo's
 * database, it then runs the discrepancy re-check once at the real clock, as the scheduler's next tick
 * would: weeks of history arrived in seconds, and labels left unscanned for days are stalled today.
 */
export async function seedDemoStore(
  appUrl: string,
  options: { orders: number; now?: Date; seed?: number; databaseUrl?: string },
): Promise<{ store: SimulatedStore; report: SendReport; feeds?: DemoFeedReport }> {
  const store = simulateStore({ shop: DEMO_SHOP, orders: options.orders, now: options.now ?? new Date(), seed: options.seed });
  if (options.databaseUrl) {
    const { createPrismaClient } = await import("../../app/db.server");
    const db = createPrismaClient(options.databaseUrl);
    try {
      // The last hold stays unresolved, as for a shop whose session is not there yet: the dashboard shows it waiting.
      await rememberSimulatedFulfillmentOrders(db, store, { leaveUnresolved: 1 });
      await recordFinishedBackfill(db, store, options.now ?? new Date());
      writeFileSync(demoCustomersPath(options.databaseUrl), JSON.stringify(Object.fromEntries(store.orders.map((o) => [o.orderId, o.email]))));
    } finally {
      await db.$disconnect();
    }
  }
  const report = options.databaseUrl ? await sendWithRechecks(appUrl, options.databaseUrl, store) : await sendWebhooks(appUrl, DEMO_SHOP, DEMO_API_SECRET, store.deliveries, { demoDeliveredAt: true });
  let feeds: DemoFeedReport | undefined;
  if (options.databaseUrl) {
    // The warehouse's nightly file and the carriers' updates, through the feed API (app/sources/demo-feeds.ts).
    feeds = await seedDemoFeeds(appUrl, options.databaseUrl, store, options.now ?? new Date());
    const writer = openEventLogWriter(options.databaseUrl);
    try {
      await recheckDueOrders(writer, DEMO_SHOP, new Date());
    } finally {
      await writer.close();
    }
  }
  return { store, report, feeds };
}

/**
 * The demo has no Admin API to ask which order a held fulfillment order belongs to (the
 * resolve-fulfillment-orders job's question); the simulated store knows, and records the answers as
 * that job would have.
 */
export async function rememberSimulatedFulfillmentOrders(db: Db, store: SimulatedStore, options: { leaveUnresolved?: number } = {}): Promise<void> {
  const links = store.fulfillmentOrders.slice(0, Math.max(store.fulfillmentOrders.length - (options.leaveUnresolved ?? 0), 0));
  await rememberFulfillmentOrderLinks(db, store.shop, links, "demo", new Date());
}

/**
 * The demo has no Admin API for the install backfill either: the Overview shows it as a finished one
 * would read after listing and comparing the simulated store's orders.
 */
async function recordFinishedBackfill(db: Db, store: SimulatedStore, now: Date): Promise<void> {
  const count = store.orders.length;
  const state: BackfillState = {
    since: new Date(now.getTime() - BACKFILL_DAYS * 86_400_000).toISOString(),
    startedAt: new Date(now.getTime() - 20 * 60_000).toISOString(),
    operationStatus: "COMPLETED",
    objectCount: count,
    processed: count,
    done: true,
    completedAt: new Date(now.getTime() - 5 * 60_000).toISOString(),
  };
  const row = { state: JSON.stringify(state), nextRunAt: new Date(now.getTime() + 30 * 86_400_000), lastFinishedAt: new Date(state.completedAt!) };
  await db.jobRun.upsert({ where: { job_shop: { job: BACKFILL_JOB, shop: store.shop } }, create: { job: BACKFILL_JOB, shop: store.shop, ...row }, update: row });
}

const RECHECK_EVERY_MS = 6 * 3_600_000;

/**
 * Sends the simulated history window by window, running the discrepancy re-check at each window's end
 * as the scheduler would have at that hour: a label that waited two days for its first scan was stalled
 * for a while, and the dashboard's history shows that episode opening and clearing.
 */
async function sendWithRechecks(appUrl: string, databaseUrl: string, store: SimulatedStore): Promise<SendReport> {
  const total: SendReport = { sent: 0, byStatus: {}, failures: [] };
  const writer = openEventLogWriter(databaseUrl);
  try {
    const deliveries = store.deliveries;
    let start = 0;
    while (start < deliveries.length) {
      const windowEnd = (Math.floor(Date.parse(deliveries[start]!.deliveredAt) / RECHECK_EVERY_MS) + 1) * RECHECK_EVERY_MS;
      let end = start;
      while (end < deliveries.length && Date.parse(deliveries[end]!.deliveredAt) < windowEnd) end++;
      const report = await sendWebhooks(appUrl, DEMO_SHOP, DEMO_API_SECRET, deliveries.slice(start, end), { demoDeliveredAt: true });
      total.sent += report.sent;
      total.failures.push(...report.failures);
      for (const [status, n] of Object.entries(report.byStatus)) total.byStatus[Number(status)] = (total.byStatus[Number(status)] ?? 0) + n;
      if (windowEnd <= Date.now()) await recheckDueOrders(writer, DEMO_SHOP, new Date(windowEnd));
      start = end;
    }
  } finally {
    await writer.close();
  }
  return total;
}
