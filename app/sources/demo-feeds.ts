/**
 * The demo's warehouse and carrier: a nightly 3PL file and a batch of carrier updates derived from the
 * simulated store, sent to the running demo app through the real feed API with a demo API key, so
 * the demo shows 3PL confirmations, a parcel Shopify does not know, carriers ahead of Shopify, and
 * feed items waiting for their order or shipment. Deterministic for a given store and clock.
 */
import type { SimulatedStore } from "../demo/simulated-store";

type Fulfillment = {
  name: string;
  created_at: string;
  tracking_company: string | null;
  tracking_number: string | null;
  line_items: Array<{ sku: string | null; quantity: number }>;
};

export type DemoFeeds = { csv: string; carrierUpdates: Array<Record<string, string>> };

const HOUR = 3_600_000;
const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function demoFeeds(store: SimulatedStore, now: Date): DemoFeeds {
  const nowMs = now.getTime();
  const shipments = store.deliveries
    .filter((d) => d.topic === "fulfillments/create")
    .map((d) => d.payload as unknown as Fulfillment)
    .filter((f) => f.tracking_number);
  const lastScan = new Map<string, string>();
  for (const d of store.deliveries) {
    if (d.topic !== "fulfillment_events/create") continue;
    const e = d.payload as { fulfillment_id: number; status: string };
    lastScan.set(String(e.fulfillment_id), e.status);
  }
  const rows: string[][] = [];
  // Last night's file: every tracked parcel of the last two days, as the warehouse saw it leave.
  for (const f of shipments.filter((s) => nowMs - Date.parse(s.created_at) < 48 * HOUR)) {
    for (const line of f.line_items) {
      if (!line.sku) continue;
      rows.push([f.name.replace(/\.\d+$/, ""), line.sku, String(line.quantity), f.tracking_company ?? "", f.tracking_number!, f.created_at]);
    }
  }
  // Parcels the warehouse shipped while Shopify still shows the order unfulfilled (the newest such
  // orders, so the simulated store's first example of each scenario keeps its story).
  const unfulfilled = store.orders.filter((o) => o.scenario === "unfulfilled").slice(-3);
  unfulfilled.forEach((o, i) => rows.push([o.name, "DEMO-SKU", "1", "UPS", `1ZDEMO${String(900 + i).padStart(10, "0")}`, new Date(nowMs - (6 + i) * HOUR).toISOString()]));
  // An order the app has not heard of yet (kept until it arrives), and two rows a warehouse gets wrong.
  rows.push(["#99001", "DEMO-SKU", "1", "DHL Express", "JD0146000099001", new Date(nowMs - 5 * HOUR).toISOString()]);
  rows.push([store.orders[0]?.name ?? "#1001", "DEMO-SKU", "two", "UPS", "1ZDEMOBAD1", new Date(nowMs - 5 * HOUR).toISOString()]);
  rows.push([store.orders[0]?.name ?? "#1001", "DEMO-SKU", "1", "UPS", "1ZDEMOBAD2", "yesterday"]);
  const csv = ["order,sku,quantity,carrier,tracking_number,shipped_at", ...rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n";

  // Carriers that know more than Shopify: parcels Shopify last saw in transit are out for delivery or
  // delivered. Only plain in-transit orders, newest first: delayed ones must stay delayed.
  const inTransit = new Set(store.orders.filter((o) => o.scenario === "in_transit").slice(-8).map((o) => o.orderId));
  const moving = store.deliveries
    .filter((d) => d.topic === "fulfillments/create")
    .map((d) => d.payload as unknown as Fulfillment & { id: number; order_id: number })
    .filter((f) => f.tracking_number && inTransit.has(String(f.order_id)) && lastScan.get(String(f.id)) === "in_transit");
  const carrierUpdates: DemoFeeds["carrierUpdates"] = moving.slice(0, 8).map((f, i) => ({
    tracking_number: f.tracking_number!,
    carrier: f.tracking_company ?? "",
    status: i % 3 === 0 ? "Delivered" : "OutForDelivery",
    happened_at: new Date(nowMs - (i + 1) * 40 * 60_000).toISOString(),
    message: i % 3 === 0 ? "Delivered, front door" : "Out for delivery",
  }));
  carrierUpdates.push(
    ...unfulfilled.slice(0, 2).map((_, i) => ({
      tracking_number: `1ZDEMO${String(900 + i).padStart(10, "0")}`,
      carrier: "UPS",
      status: "InTransit",
      happened_at: new Date(nowMs - (3 + i) * HOUR).toISOString(),
      message: "Departed facility",
    })),
    { tracking_number: "9400100000000000000001", carrier: "USPS", status: "pre_transit", happened_at: new Date(nowMs - 2 * HOUR).toISOString(), message: "Label created" },
  );
  return { csv, carrierUpdates };
}

export type DemoFeedReport = { threePl: { status: number; body: unknown }; carrier: { status: number; body: unknown } };

/** Posts the demo feeds to a running app with the given API key. */
export async function sendDemoFeeds(appUrl: string, apiKey: string, feeds: DemoFeeds): Promise<DemoFeedReport> {
  const post = async (path: string, contentType: string, body: string) => {
    const res = await fetch(`${appUrl}${path}`, { method: "POST", headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": contentType, "X-File-Name": "demo-warehouse-nightly.csv" }, body });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  return {
    threePl: await post("/api/v1/feeds/3pl", "text/csv", feeds.csv),
    carrier: await post("/api/v1/feeds/carrier", "application/json", JSON.stringify(feeds.carrierUpdates)),
  };
}

/** Creates the demo shop's feed API key in the demo database and sends the feeds with it. */
export async function seedDemoFeeds(appUrl: string, databaseUrl: string, store: SimulatedStore, now: Date): Promise<DemoFeedReport> {
  const { createPrismaClient } = await import("../db.server");
  const { createApiKey } = await import("../store/api-keys.server");
  const db = createPrismaClient(databaseUrl);
  try {
    const { secret } = await createApiKey(db, store.shop, "Demo warehouse and carrier feeds", ["feeds:write"]);
    const report = await sendDemoFeeds(appUrl, secret, demoFeeds(store, now));
    for (const [feed, answer] of Object.entries(report)) {
      if (answer.status !== 200) throw new Error(`demo ${feed} feed refused (${answer.status}): ${JSON.stringify(answer.body)}`);
    }
    return report;
  } finally {
    await db.$disconnect();
  }
}
