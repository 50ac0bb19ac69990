// The same order read twice, as Shopify's webhooks deliver it (REST payloads) and as the Admin API shows
// it to the reconciliation (GraphQL), must give the rollup the same facts: otherwise an order's placed
// time, lookup keys or pickup flag would change with whichever reading came last.
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { GraphQLEnumType } from "graphql";
import { describe, expect, it } from "vitest";
import { graphqlOrderFromRest } from "../../../test/support/fake-admin-api";
import { loadIntrospectionSchema } from "../../../test/support/graphql-documents";
import { examplesOf } from "../../../test/support/shopify-examples";
import type { OrderEvent } from "../../domain/events";
import { normalizeShopifyWebhook } from "../../domain/shopify-webhooks";
import { NOTHING_KNOWN, reconcileOrder, type GqlOrder } from "./order-mapping";

type Rest = Record<string, unknown>;

const schema = loadIntrospectionSchema(fileURLToPath(new URL("../../../graphql/admin-2026-07.schema.json.gz", import.meta.url)));
const enumValues = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((v) => v.name);
const FULFILLMENT_STATUS = enumValues("FulfillmentStatus");
const DISPLAY_STATUS = enumValues("FulfillmentDisplayStatus");
const EVENT_STATUS = enumValues("FulfillmentEventStatus");
const RESTOCK_TYPE = enumValues("RefundLineItemRestockType");

// REST spells the values of these enums in lower case (Shopify's REST reference).
const REST_FULFILLMENT_STATUSES = FULFILLMENT_STATUS.map((s) => s.toLowerCase());
const REST_EVENT_STATUSES = EVENT_STATUS.map((s) => s.toLowerCase());
const CARRIER_EVENT_STATUSES = REST_EVENT_STATUSES.filter((s) => s !== "ready_for_pickup");
const REST_RESTOCK_TYPES = RESTOCK_TYPE.map((s) => s.toLowerCase());

/** Every key Shopify's published examples of `topic` carry at `pick` (over the versions still delivered). */
function fieldsShopifySends(topic: string, pick: (example: Rest) => unknown): Set<string> {
  const keys = new Set<string>();
  for (const [, example] of examplesOf(topic)) {
    const value = pick(example);
    const objects = Array.isArray(value) ? value : [value];
    for (const o of objects) if (o && typeof o === "object") for (const key of Object.keys(o)) keys.add(key);
  }
  return keys;
}
const first = (key: string) => (o: Rest) => (o[key] as unknown[] | undefined)?.[0];
const SENT = {
  order: fieldsShopifySends("orders/updated", (o) => o),
  customer: fieldsShopifySends("orders/updated", (o) => o.customer),
  lineItem: fieldsShopifySends("orders/updated", first("line_items")),
  fulfillment: fieldsShopifySends("fulfillments/update", (o) => o),
  fulfillmentLine: fieldsShopifySends("fulfillments/update", first("line_items")),
  event: fieldsShopifySends("fulfillment_events/create", (o) => o),
  refund: fieldsShopifySends("refunds/create", (o) => o),
  refundLine: fieldsShopifySends("refunds/create", first("refund_line_items")),
};

const ORDER_ID = 5801234567900;
const BASE = Date.parse("2026-03-01T15:00:00.000Z");
/** A time `minutes` after BASE as Shopify's REST payloads write it: the shop's offset, seconds precision. */
const at = (minutes: number) => new Date(BASE + minutes * 60_000 - 5 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "-05:00");

const text = fc.string({ unit: fc.constantFrom(..."abcdefghij KLM-"), minLength: 1, maxLength: 12 });
const email = fc.constantFrom("camille@example.com", "Camille.Tremblay@Example.com", "jonas@example.org");
const phone = fc.constantFrom("+1 514 555 0142", "+46 70 123 45 67");

const lineArb = fc.record({
  title: text,
  sku: fc.option(fc.constantFrom("SKU-1", "SKU-2", ""), { nil: null }),
  quantity: fc.integer({ min: 1, max: 3 }),
  removed: fc.integer({ min: 0, max: 3 }),
  requiresShipping: fc.boolean(),
});

const eventArb = fc.record({
  message: fc.option(text, { nil: null }),
  estimated: fc.option(fc.integer({ min: 2000, max: 9000 }), { nil: null }),
  city: fc.option(fc.constantFrom("Montréal", "Laval"), { nil: null }),
  province: fc.option(fc.constantFrom("Quebec"), { nil: null }),
  country: fc.option(fc.constantFrom("Canada"), { nil: null }),
});

const fulfillmentArb = fc.record({
  status: fc.constantFrom(...REST_FULFILLMENT_STATUSES),
  pickup: fc.boolean(),
  carrierStatuses: fc.array(fc.constantFrom(...CARRIER_EVENT_STATUSES), { maxLength: 3 }),
  pickupEvent: fc.boolean(),
  events: fc.array(eventArb, { minLength: 3, maxLength: 3 }),
  trackingCount: fc.integer({ min: 0, max: 2 }),
  trackingCompany: fc.option(fc.constantFrom("Canada Post", "UPS"), { nil: null }),
  trackingUrls: fc.boolean(),
  lines: fc.array(fc.record({ index: fc.nat(), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
  age: fc.integer({ min: 1, max: 600 }),
});

const orderArb = fc.record({
  importedEarlierBy: fc.constantFrom(0, 0, 90, 60 * 24 * 30),
  cancelled: fc.boolean(),
  emailAt: fc.constantFrom("order", "contact_email only", "customer only", "nowhere"),
  phoneAt: fc.constantFrom("order", "customer only", "nowhere"),
  customer: fc.boolean(),
  email,
  phone,
  lines: fc.array(lineArb, { minLength: 1, maxLength: 3 }),
  fulfillments: fc.array(fulfillmentArb, { maxLength: 2 }),
  refunds: fc.array(
    fc.record({ lines: fc.array(fc.record({ index: fc.nat(), restockType: fc.constantFrom(...REST_RESTOCK_TYPES) }), { maxLength: 2 }), age: fc.integer({ min: 1, max: 900 }) }),
    { maxLength: 2 },
  ),
});

type OrderShape = typeof orderArb extends fc.Arbitrary<infer T> ? T : never;
type Generated = { order: Rest; fulfillments: Rest[]; events: Rest[]; refunds: Rest[] };

/** The order as Shopify's REST payloads carry it: orders/updated, fulfillments/update, fulfillment_events/create, refunds/create. */
function restPayloads(g: OrderShape): Generated {
  const lineItems = g.lines.map((l, i) => ({
    id: 14001 + i,
    admin_graphql_api_id: `gid://shopify/LineItem/${14001 + i}`,
    title: l.title,
    name: l.title,
    sku: l.sku,
    quantity: l.quantity,
    current_quantity: Math.max(0, l.quantity - l.removed),
    requires_shipping: l.requiresShipping,
  }));
  const events: Rest[] = [];
  const fulfillments = g.fulfillments.map((f, i) => {
    const id = 77001 + i;
    const statuses = f.pickup ? (f.pickupEvent ? ["ready_for_pickup"] : []) : f.carrierStatuses;
    const fulfillmentEvents = statuses.map((status, j) => {
      const e = f.events[j]!;
      const happened = 100 * (i + 1) + 10 * j;
      return {
        id: 88001 + 10 * i + j,
        fulfillment_id: id,
        status,
        message: e.message,
        happened_at: at(happened),
        city: e.city,
        province: e.province,
        country: e.country,
        zip: null,
        address1: null,
        latitude: null,
        longitude: null,
        shop_id: 548380009,
        created_at: at(happened + 1),
        updated_at: at(happened + 1),
        estimated_delivery_at: e.estimated === null ? null : at(e.estimated),
        order_id: ORDER_ID,
        admin_graphql_api_id: `gid://shopify/FulfillmentEvent/${88001 + 10 * i + j}`,
      };
    });
    events.push(...fulfillmentEvents);
    const numbers = f.pickup ? [] : Array.from({ length: f.trackingCount }, (_, k) => `70232100394660${i}${k}`);
    const urls = f.trackingUrls ? numbers.map((n) => `https://tracking.example.com/${n}`) : [];
    const lines = [...new Map(f.lines.map((l) => [l.index % lineItems.length, l.quantity])).entries()].map(([index, quantity]) => {
      const line = lineItems[index]!;
      return { id: line.id, admin_graphql_api_id: line.admin_graphql_api_id, title: line.title, name: line.name, sku: line.sku, quantity: Math.min(quantity, line.quantity), requires_shipping: line.requires_shipping };
    });
    return {
      id,
      order_id: ORDER_ID,
      status: f.status,
      created_at: at(50 + i),
      updated_at: at(50 + i + f.age),
      tracking_company: numbers.length ? f.trackingCompany : null,
      shipment_status: fulfillmentEvents.at(-1)?.status ?? (f.pickup ? "ready_for_pickup" : null),
      line_items: lines,
      tracking_number: numbers[0] ?? null,
      tracking_numbers: numbers,
      tracking_url: urls[0] ?? null,
      tracking_urls: urls,
      name: `#1001.${i + 1}`,
      admin_graphql_api_id: `gid://shopify/Fulfillment/${id}`,
    };
  });
  const refunds = g.refunds.map((r, i) => ({
    id: 99001 + i,
    order_id: ORDER_ID,
    created_at: at(r.age),
    processed_at: at(r.age),
    refund_line_items: [...new Map(r.lines.map((l) => [l.index % lineItems.length, l.restockType])).entries()].map(([index, restockType], k) => ({
      id: 99101 + 10 * i + k,
      line_item_id: lineItems[index]!.id,
      quantity: 1,
      restock_type: restockType,
    })),
    admin_graphql_api_id: `gid://shopify/Refund/${99001 + i}`,
  }));
  const emailOnOrder = g.emailAt === "order" ? g.email : null;
  const customer = g.customer || g.emailAt === "customer only" || g.phoneAt === "customer only";
  const updated = 2000 + Math.max(0, ...fulfillments.map((_, i) => 60 + i + g.fulfillments[i]!.age));
  const order = {
    id: ORDER_ID,
    admin_graphql_api_id: `gid://shopify/Order/${ORDER_ID}`,
    name: "#1001",
    order_number: 1001,
    email: emailOnOrder,
    contact_email: g.emailAt === "order" || g.emailAt === "contact_email only" ? g.email : null,
    phone: g.phoneAt === "order" ? g.phone : null,
    created_at: at(0),
    processed_at: at(-g.importedEarlierBy),
    updated_at: at(updated),
    cancelled_at: g.cancelled ? at(updated) : null,
    order_status_url: `https://test-shop.myshopify.com/548380009/orders/abc/authenticate?key=k`,
    customer: customer
      ? {
          id: 7410852963001,
          email: g.emailAt === "customer only" || g.emailAt === "order" ? g.email : null,
          phone: g.phoneAt === "nowhere" ? null : g.phone,
          admin_graphql_api_id: "gid://shopify/Customer/7410852963001",
        }
      : null,
    line_items: lineItems,
    fulfillments,
  };
  return { order, fulfillments, events, refunds };
}

const meta = (webhookId: string) => ({ webhookId, triggeredAt: "2026-03-09T12:00:00Z" });
const orderSnapshots = (events: readonly OrderEvent[]) => events.flatMap((e) => (e.kind === "order_snapshot" ? [e.data] : []));
const fulfillmentSnapshots = (events: readonly OrderEvent[]) => events.flatMap((e) => (e.kind === "fulfillment_snapshot" ? [e.data] : []));
const trackingEvents = (events: readonly OrderEvent[]) => events.flatMap((e) => (e.kind === "fulfillment_event" ? [e.data] : []));
const refunds = (events: readonly OrderEvent[]) =>
  events.flatMap((e) => (e.kind === "refund" ? [e.data] : [])).sort((a, b) => (a.refundId < b.refundId ? -1 : 1));
const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

function expectOnlyFieldsShopifySends(g: Generated) {
  const check = (what: keyof typeof SENT, o: unknown) => expect(Object.keys(o as Rest).filter((k) => !SENT[what].has(k)), what).toEqual([]);
  check("order", g.order);
  if (g.order.customer) check("customer", g.order.customer);
  for (const l of g.order.line_items as Rest[]) check("lineItem", l);
  for (const f of g.fulfillments) {
    check("fulfillment", f);
    for (const l of f.line_items as Rest[]) check("fulfillmentLine", l);
  }
  for (const e of g.events) check("event", e);
  for (const r of g.refunds) {
    check("refund", r);
    for (const l of r.refund_line_items as Rest[]) check("refundLine", l);
  }
}

function expectSchemaEnums(node: GqlOrder) {
  for (const f of node.fulfillments) {
    expect(FULFILLMENT_STATUS).toContain(f.status);
    expect(DISPLAY_STATUS).toContain(f.displayStatus);
    for (const e of f.events.nodes) expect(EVENT_STATUS).toContain(e.status);
  }
  for (const r of node.refunds) for (const l of r.refundLineItems.nodes) expect(RESTOCK_TYPE).toContain(l.restockType);
}

describe("webhooks and reconciliation read one order the same way", () => {
  it("same placed time, lookup keys, line items, fulfillments, tracking events and refunds", () => {
    fc.assert(
      fc.property(orderArb, (generated) => {
        const g = restPayloads(generated);
        expectOnlyFieldsShopifySends(g);
        const node = graphqlOrderFromRest(g.order, g.fulfillments, g.events, g.refunds);
        expectSchemaEnums(node);

        const fromWebhooks = [
          ...normalizeShopifyWebhook("orders/updated", g.order, meta("order")).events,
          ...g.fulfillments.flatMap((f, i) => normalizeShopifyWebhook("fulfillments/update", f, meta(`f${i}`)).events),
          ...g.events.flatMap((e, i) => normalizeShopifyWebhook("fulfillment_events/create", e, meta(`e${i}`)).events),
          ...g.refunds.flatMap((r, i) => normalizeShopifyWebhook("refunds/create", r, meta(`r${i}`)).events),
        ];
        const fromAdminApi = reconcileOrder(node, NOTHING_KNOWN).events;

        const [webhookOrder] = orderSnapshots(fromWebhooks);
        const [reconciledOrder] = orderSnapshots(fromAdminApi);
        expect(reconciledOrder).toEqual(webhookOrder);
        expect(byId(reconciledOrder!.fulfillments)).toEqual(byId(fulfillmentSnapshots(fromWebhooks)));
        expect(byId(trackingEvents(fromAdminApi))).toEqual(byId(trackingEvents(fromWebhooks)));
        expect(refunds(fromAdminApi)).toEqual(refunds(fromWebhooks));
      }),
      { numRuns: 300 },
    );
  });
});
