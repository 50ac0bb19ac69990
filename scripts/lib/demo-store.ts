import { DEMO_API_SECRET, DEMO_SHOP } from "../../app/demo/constants";
import { simulateStore, type SimulatedStore } from "../../app/demo/simulated-store";
import { seedDemoFeeds, type DemoFeedReport } from "../../app/sources/demo-feeds";
import { recheckDueOrders } from "../../app/store/discrepancies-recheck.server";
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
  const report = await sendWebhooks(appUrl, DEMO_SHOP, DEMO_API_SECRET, store.deliveries, { demoDeliveredAt: true });
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
