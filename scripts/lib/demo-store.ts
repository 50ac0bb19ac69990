import { DEMO_API_SECRET, DEMO_SHOP } from "../../app/demo/constants";
import { simulateStore, type SimulatedStore } from "../../app/demo/simulated-store";
import { sendWebhooks, type SendReport } from "./webhook-sender";

/** Feeds a simulated store into a running demo app through its real webhook intake. */
export async function seedDemoStore(appUrl: string, options: { orders: number; now?: Date; seed?: number }): Promise<{ store: SimulatedStore; report: SendReport }> {
  const store = simulateStore({ shop: DEMO_SHOP, orders: options.orders, now: options.now ?? new Date(), seed: options.seed });
  const report = await sendWebhooks(appUrl, DEMO_SHOP, DEMO_API_SECRET, store.deliveries, { demoDeliveredAt: true });
  return { store, report };
}
