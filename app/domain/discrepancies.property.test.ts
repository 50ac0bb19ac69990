/**
 * Properties of the detector over generated multi-source histories: the answer depends on the SET of
 * events (never on arrival order or re-deliveries), time only ever opens discrepancies, and nextCheckAt
 * is exactly the next moment the answer changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectDiscrepancies, DISCREPANCY_CODES, type DiscrepancyThresholds } from "./discrepancies";
import { SHIPMENT_STATUSES, type FulfillmentData, type OrderEvent, type Source } from "./events";
import { rollup } from "./rollup";

const ORDER_ID = "5801234567001";
const BASE = Date.parse("2026-03-01T00:00:00.000Z");
const HOUR = 3_600_000;

const timeArb = fc.integer({ min: 0, max: 40 }).map((step) => new Date(BASE + step * 3 * HOUR).toISOString());
const maybeTime = fc.option(timeArb, { nil: null });
const TRACKINGS = ["1Z999AA10123456784", "1z999aa1012345 6784", "PUR123", "9400111"] as const;
const SKUS = ["SKU-0", "SKU-1"] as const;

const fulfillmentArb: fc.Arbitrary<FulfillmentData> = fc.record({
  id: fc.constantFrom("49001", "49002"),
  name: fc.constantFrom("#1001.1", null),
  // Shopify's six fulfillment statuses, success most often as in real stores.
  status: fc.constantFrom("success", "success", "success", "success", "pending", "open", "cancelled", "error", "failure"),
  shipmentStatus: fc.option(fc.constantFrom("label_purchased", "in_transit", "delivered", "confirmed"), { nil: null }),
  trackingCompany: fc.option(fc.constantFrom("UPS", "DHL"), { nil: null }),
  trackingNumbers: fc.uniqueArray(fc.constantFrom(...TRACKINGS), { maxLength: 2 }),
  trackingUrls: fc.constant([] as string[]),
  lineItems: fc.array(
    fc.record({
      lineItemId: fc.constantFrom("1400", "1401", null),
      title: fc.constantFrom("Item 0", "Item 1"),
      sku: fc.option(fc.constantFrom(...SKUS), { nil: null }),
      quantity: fc.integer({ min: 1, max: 3 }),
      requiresShipping: fc.constantFrom(true, true, true, false),
    }),
    { maxLength: 2 },
  ),
  estimatedDeliveryAt: maybeTime,
  createdAt: maybeTime,
  updatedAt: maybeTime,
  localPickup: fc.constantFrom(false, false, false, true),
});

const sourceArb = fc.constantFrom<Source>("shopify", "shopify", "reconciliation");

const eventArb: fc.Arbitrary<Omit<OrderEvent, "dedupeKey" | "orderId">> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      source: sourceArb,
      kind: fc.constant("order_snapshot" as const),
      occurredAt: timeArb,
      data: fc.record({
        name: fc.constant("#1001"),
        createdAt: fc.constant(new Date(BASE).toISOString()),
        updatedAt: maybeTime,
        cancelledAt: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: timeArb }),
        orderStatusUrl: fc.constant(null),
        customer: fc.constant({ customerId: null, emailHash: null, phoneHash: null }),
        lineItems: fc.constant([
          { id: "1400", title: "Item 0", sku: "SKU-0", quantity: 2, currentQuantity: 2, requiresShipping: true },
          { id: "1401", title: "Item 1", sku: "SKU-1", quantity: 1, currentQuantity: 1, requiresShipping: true },
        ]),
        fulfillments: fc.array(fulfillmentArb, { maxLength: 1 }),
      }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ source: sourceArb, kind: fc.constant("fulfillment_snapshot" as const), occurredAt: timeArb, data: fulfillmentArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      source: fc.constant<Source>("shopify"),
      kind: fc.constant("fulfillment_event" as const),
      occurredAt: timeArb,
      data: fc.record({
        id: fc.constantFrom("88001", "88002", "88003"),
        fulfillmentId: fc.constantFrom("49001", "49002"),
        status: fc.constantFrom("label_purchased", "in_transit", "out_for_delivery", "delivered", "delayed", "failure"),
        happenedAt: timeArb,
        estimatedDeliveryAt: maybeTime,
        message: fc.constant(null),
        location: fc.constant(null),
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      source: fc.constant<Source>("shopify"),
      kind: fc.constant("fulfillment_event_deleted" as const),
      occurredAt: timeArb,
      data: fc.record({ id: fc.constantFrom("88001", "88002"), fulfillmentId: fc.constant(null) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      source: fc.constant<Source>("3pl"),
      kind: fc.constant("3pl_shipment" as const),
      occurredAt: timeArb,
      data: fc.record({
        reference: fc.option(fc.constantFrom("R1", "R2"), { nil: null }),
        trackingNumber: fc.option(fc.constantFrom(...TRACKINGS), { nil: null }),
        carrier: fc.option(fc.constant("UPS"), { nil: null }),
        lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }),
        shippedAt: timeArb,
      }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      source: fc.constant<Source>("carrier"),
      kind: fc.constant("carrier_tracking" as const),
      occurredAt: timeArb,
      data: fc.record({
        trackingNumber: fc.constantFrom(...TRACKINGS),
        carrier: fc.option(fc.constant("UPS"), { nil: null }),
        status: fc.constantFrom(...SHIPMENT_STATUSES),
        happenedAt: timeArb,
        estimatedDeliveryAt: maybeTime,
        message: fc.constant(null),
        location: fc.constant(null),
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ source: fc.constant<Source>("shopify"), kind: fc.constant("order_deleted" as const), occurredAt: timeArb, data: fc.constant({}) }) },
) as fc.Arbitrary<Omit<OrderEvent, "dedupeKey" | "orderId">>;

type Timed = { event: OrderEvent; receivedAt: string };

const historyArb: fc.Arbitrary<Timed[]> = fc
  .array(fc.tuple(eventArb, fc.integer({ min: 0, max: 30 * 60 })), { minLength: 1, maxLength: 14 })
  .map((items) =>
    items.map(([e, lagMinutes], i) => ({
      event: { ...e, orderId: ORDER_ID, dedupeKey: `k${i}` } as OrderEvent,
      receivedAt: new Date(Date.parse(e.occurredAt) + lagMinutes * 60_000).toISOString(),
    })),
  );

const thresholdsArb: fc.Arbitrary<Partial<DiscrepancyThresholds>> = fc.record(
  {
    trackingGraceHours: fc.integer({ min: 0, max: 24 }),
    shopifyGraceHours: fc.integer({ min: 0, max: 24 }),
    threePlGraceHours: fc.integer({ min: 0, max: 72 }),
    carrierAheadGraceHours: fc.integer({ min: 0, max: 12 }),
    stalledAfterHours: fc.integer({ min: 1, max: 96 }),
    deliveryGraceHours: fc.integer({ min: 0, max: 48 }),
  },
  { requiredKeys: [] },
);
const nowArb = fc.integer({ min: -10, max: 200 }).map((h) => new Date(BASE + h * HOUR + 7 * 60_000));
const threePlSinceArb = fc.option(timeArb, { nil: null });

function detect(history: readonly Timed[], now: Date, thresholds: Partial<DiscrepancyThresholds>, threePlActiveSince: string | null) {
  return detectDiscrepancies({ events: history, rollup: rollup(history.map((h) => h.event), now), now, thresholds, threePlActiveSince });
}

describe("detectDiscrepancies properties", () => {
  it("depends only on the set of events: any order, any re-delivery, gives the same answer", () => {
    const arb = historyArb.chain((history) =>
      fc.tuple(
        fc.constant(history),
        fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }),
        fc.subarray(history),
        fc.integer({ min: 0, max: 20 }),
      ),
    );
    fc.assert(
      fc.property(arb, nowArb, thresholdsArb, threePlSinceArb, ([history, permuted, resent, lateBy], now, thresholds, since) => {
        const redelivered = resent.map((h) => ({ ...h, receivedAt: new Date(Date.parse(h.receivedAt) + lateBy * HOUR).toISOString() }));
        expect(detect([...redelivered, ...permuted], now, thresholds, since)).toEqual(detect(history, now, thresholds, since));
      }),
      { numRuns: 400 },
    );
  });

  it("gives well-formed answers: contract codes, unique sorted keys, evidence, since not after now", () => {
    fc.assert(
      fc.property(historyArb, nowArb, thresholdsArb, threePlSinceArb, (history, now, thresholds, since) => {
        const { open, nextCheckAt } = detect(history, now, thresholds, since);
        const keys = open.map((d) => d.key);
        expect(keys).toEqual([...new Set(keys)].sort());
        for (const d of open) {
          expect(DISCREPANCY_CODES).toContain(d.code);
          expect(d.key.startsWith(d.code)).toBe(true);
          expect(Date.parse(d.since)).toBeLessThanOrEqual(now.getTime());
          expect(d.evidence.length).toBeGreaterThan(0);
          expect(d.detail.length).toBeGreaterThan(0);
        }
        if (nextCheckAt !== null) expect(Date.parse(nextCheckAt)).toBeGreaterThan(now.getTime());
        // Only a fulfillment Shopify said is success can be "fulfilled in Shopify".
        const everShipped = new Set(
          history.flatMap(({ event: e }) => (e.kind === "fulfillment_snapshot" ? [e.data] : e.kind === "order_snapshot" ? e.data.fulfillments : [])).filter((f) => f.status === "success").map((f) => f.id),
        );
        for (const d of open) {
          if (d.code === "fulfilled_without_tracking" || d.code === "shopify_shipped_missing_in_3pl") expect(everShipped.has(d.key.slice(d.code.length + 1))).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("lets time only open discrepancies, and changes its answer exactly at nextCheckAt", () => {
    fc.assert(
      fc.property(historyArb, nowArb, thresholdsArb, threePlSinceArb, fc.double({ min: 0, max: 1, noNaN: true }), (history, now, thresholds, since, fraction) => {
        const first = detect(history, now, thresholds, since);
        if (first.nextCheckAt === null) {
          expect(detect(history, new Date(now.getTime() + 400 * HOUR), thresholds, since).open).toEqual(first.open);
          return;
        }
        const next = Date.parse(first.nextCheckAt);
        const between = new Date(now.getTime() + Math.floor((next - now.getTime()) * fraction * 0.999));
        expect(detect(history, between, thresholds, since).open).toEqual(first.open);
        const after = detect(history, new Date(next), thresholds, since).open;
        expect(after.length).toBeGreaterThan(first.open.length);
        const afterKeys = new Set(after.map((d) => d.key));
        for (const d of first.open) expect(afterKeys.has(d.key)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("says nothing but cancelled_but_shipped about a cancelled or deleted order", () => {
    fc.assert(
      fc.property(historyArb, nowArb, (history, now) => {
        const cancelled = rollup(history.map((h) => h.event), now).status.status === "cancelled";
        fc.pre(cancelled);
        for (const d of detect(history, now, {}, "2020-01-01T00:00:00.000Z").open) expect(d.code).toBe("cancelled_but_shipped");
      }),
      { numRuns: 300 },
    );
  });
});
