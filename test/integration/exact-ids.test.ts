/**
 * Shopify ids are 64-bit. Orders, customers, line items, fulfillments and tracking events with ids
 * drawn up to 2^63-1, sent as JSON numbers in the body text as Shopify writes them, must come out of
 * the support API, the storefront proxy and the dashboard exactly as they went in; two orders whose
 * ids differ by one stay two orders.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey } from "../../app/store/api-keys.server";
import { orderDetail } from "../../app/store/discrepancies-order.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const MAX_ID = 2n ** 63n - 1n;
let db: TestDatabase;
let app: AppProcess;
let key: string;

/** The payload's text with each "@name@" placeholder replaced by a bare JSON integer, as Shopify writes ids. */
function bodyWithIds(payload: unknown, ids: Record<string, bigint>): string {
  return JSON.stringify(payload).replace(/"@(\w+)@"/g, (_, name: string) => String(ids[name]));
}

type Ids = { order: bigint; customer: bigint; line: bigint; fulfillment: bigint; event: bigint };

async function sendOrder(ids: Ids, name: string) {
  const order = fixture("single-parcel.create");
  const fulfillment = fixture("single-parcel.fulfillment.create");
  const scan = fixture("single-parcel.event-in-transit");
  const deliveries: Array<[string, unknown]> = [
    ["orders/create", { ...order, id: "@order@", name, customer: { ...(order.customer as object), id: "@customer@" }, line_items: (order.line_items as object[]).map((l) => ({ ...l, id: "@line@" })) }],
    ["fulfillments/create", { ...fulfillment, id: "@fulfillment@", order_id: "@order@", line_items: (fulfillment.line_items as object[]).map((l) => ({ ...l, id: "@line@" })) }],
    ["fulfillment_events/create", { ...scan, id: "@event@", fulfillment_id: "@fulfillment@", order_id: "@order@" }],
  ];
  for (const [topic, payload] of deliveries) {
    const body = bodyWithIds(payload, ids);
    const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body), body });
    expect(res.status, topic).toBe(200);
  }
}

function signedInProxy(customerId: string) {
  const query: Record<string, string> = { shop: SHOP, logged_in_customer_id: customerId, path_prefix: "/apps/order-status", timestamp: String(Math.trunc(Date.now() / 1000)) };
  const message = Object.keys(query).sort().map((k) => `${k}=${query[k]}`).join("");
  const params = new URLSearchParams({ ...query, signature: createHmac("sha256", TEST_SECRET).update(message).digest("hex") });
  return fetch(`${app.url}/proxy/lookup?${params}`, { headers: { "X-Forwarded-For": `198.51.100.${customerId.slice(-2)}` } });
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  key = (await createApiKey(db.prisma, SHOP, "exact ids", ["orders:read"])).secret;
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`64-bit ids on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("survive intake, storage, the support API, the proxy and the dashboard, and neighbours never meet", async () => {
    let run = 0;
    // Every run's orders are new to the database, or a rerun while shrinking would meet an earlier run's order.
    const used = new Set<bigint>();
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 2n ** 53n - 2n, max: MAX_ID - 1n }), fc.bigInt({ min: 1n, max: MAX_ID - 1n }), async (base, other) => {
        const fresh = [base, base + 1n, other, other + 1n];
        fc.pre(fresh.every((id) => !used.has(id)) && new Set(fresh).size === fresh.length);
        for (const id of fresh) used.add(id);
        run += 1;
        const first: Ids = { order: base, customer: other, line: base, fulfillment: other, event: base };
        const second: Ids = { order: base + 1n, customer: other + 1n, line: base + 1n, fulfillment: other + 1n, event: base + 1n };
        await sendOrder(first, `#X${run}A`);
        await sendOrder(second, `#X${run}B`);

        for (const [ids, name] of [[first, `#X${run}A`], [second, `#X${run}B`]] as const) {
          const res = await fetch(`${app.url}/api/v1/orders/${ids.order}`, { headers: { Authorization: `Bearer ${key}` } });
          expect(res.status).toBe(200);
          const order = (await res.json()) as { orderId: string; name: string; status: string; shipments: Array<{ id: string }> };
          expect(order).toMatchObject({ orderId: String(ids.order), name, status: "in_transit" });
          expect(order.shipments.map((s) => s.id)).toEqual([String(ids.fulfillment)]);

          const proxied = (await (await signedInProxy(String(ids.customer))).json()) as { orders: Array<{ orderId: string }> };
          expect(proxied.orders.map((o) => o.orderId)).toEqual([String(ids.order)]);

          const detail = await orderDetail(db.prisma, SHOP, String(ids.order), new Date());
          expect(detail?.document).toMatchObject({ orderId: String(ids.order), name });
          expect(detail?.adminUrl).toContain(String(ids.order));
        }
        const stored = await db.prisma.order.findMany({ where: { shop: SHOP, orderId: { in: [String(base), String(base + 1n)] } }, select: { orderId: true, customerId: true } });
        expect(stored.sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual(
          [
            { orderId: String(base), customerId: String(other) },
            { orderId: String(base + 1n), customerId: String(other + 1n) },
          ].sort((a, b) => a.orderId.localeCompare(b.orderId)),
        );
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
