/**
 * The property that beats polling tools: the document depends only on the SET of events, never on their
 * arrival order or on re-deliveries; and the clock can be applied later to the stored document.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SHIPMENT_STATUSES,
  type FulfillmentData,
  type LineItemData,
  type OrderEvent,
  type ShipmentStatus,
  type Source,
} from "./events";
import { contractErrors } from "./fixtures/contract";
import { applyClock, rollup } from "./rollup";
import { InvalidPayloadError, SUPPORTED_TOPICS, normalizeShopifyWebhook } from "./shopify-webhooks";

const ORDER_ID = "5801234567001";
const BASE = Date.parse("2026-03-01T00:00:00.000Z");
const HOUR = 3_600_000;

// A coarse time grid makes equal occurredAt values common, so the tie-break rules are exercised.
const timeArb = fc.integer({ min: 0, max: 60 }).map((step) => new Date(BASE + step * 4 * HOUR).toISOString());
const maybeTime = fc.option(timeArb, { nil: null });
const nowArb = fc.integer({ min: -5, max: 90 }).map((step) => new Date(BASE + step * 4 * HOUR + 17 * 60_000));

/** true or false, the given value five times out of six */
const mostly = (value: boolean) => fc.constantFrom(value, value, value, value, value, !value);

/** the arbitrary's value about one time in twelve, else null */
const rarely = <T,>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 11, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const SHOPIFY_STATUSES = [
  "label_printed",
  "label_purchased",
  "confirmed",
  "in_transit",
  "carrier_picked_up",
  "picked_up",
  "out_for_delivery",
  "attempted_delivery",
  "ready_for_pickup",
  "delivered",
  "failure",
  "delayed",
  "something_new",
] as const;

type Spec = {
  lines: LineItemData[];
  fulfillmentIds: string[];
  trackings: string[];
};

const lineArb = (i: number) =>
  fc
    .record({
      quantity: fc.integer({ min: 1, max: 3 }),
      removed: fc.integer({ min: 0, max: 3 }),
      requiresShipping: mostly(true),
      sharedSku: mostly(false),
    })
    .map(
      ({ quantity, removed, requiresShipping, sharedSku }): LineItemData => ({
        id: `${1400 + i}`,
        title: `Item ${i}`,
        sku: sharedSku ? "SKU-SHARED" : `SKU-${i}`,
        quantity,
        currentQuantity: Math.max(quantity - removed, 0),
        requiresShipping,
      }),
    );

const specArb: fc.Arbitrary<Spec> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => lineArb(i))))
  .chain((lines) =>
    fc.record({
      lines: fc.constant(lines),
      fulfillmentIds: fc.constant(["49001", "49002", "49003"]),
      trackings: fc.constant(["7023210039414604", "PUR123", "1Z999AA10123456784"]),
    }),
  );

/**
 * A 3PL shipment: item rows name their lines; a package names none and covers what nothing else
 * shipped. Either may list several parcels, some of them Shopify's own numbers.
 */
function threePlArb(tracking: fc.Arbitrary<string>, isPackage: boolean, references: readonly string[] = ["SO-1", "SO-2"], newNumbers: readonly string[] = ["PUR-NEW-1", "JD-PKG-2"]) {
  const parcels = fc
    .uniqueArray(fc.oneof(tracking, fc.constantFrom(...newNumbers)), { maxLength: 3 })
    .map((numbers) => ({ trackingNumber: numbers[0] ?? null, ...(numbers.length > 1 ? { trackingNumbers: numbers } : {}) }));
  const lines = isPackage
    ? fc.constant([])
    : fc.array(fc.record({ sku: fc.constantFrom("SKU-0", "SKU-1", "SKU-SHARED", "SKU-UNKNOWN"), quantity: fc.integer({ min: 0, max: 3 }) }), { maxLength: 3 });
  return fc
    .record({
      reference: fc.option(fc.constantFrom(...references), { nil: null }),
      parcels,
      carrier: fc.option(fc.constant("Purolator"), { nil: null }),
      lines,
      shippedAt: timeArb,
      occurredAt: timeArb,
    })
    .map(({ parcels: numbers, occurredAt, reference, carrier, lines: items, shippedAt }) => ({
      source: "3pl" as Source,
      kind: "3pl_shipment" as const,
      occurredAt,
      data: { reference, ...numbers, carrier, lines: items, ...(isPackage ? { coversUnshipped: true as const } : {}), shippedAt },
    }));
}

function eventsArb(spec: Spec): fc.Arbitrary<OrderEvent[]> {
  const lineId = fc.constantFrom(...spec.lines.map((l) => l.id), "9999");
  const fulfillmentId = fc.constantFrom(...spec.fulfillmentIds);
  const tracking = fc.constantFrom(...spec.trackings);
  const source = fc.constantFrom<Source>("shopify", "reconciliation");

  const fulfillment: fc.Arbitrary<FulfillmentData> = fc.record({
    id: fulfillmentId,
    name: fc.constantFrom("#1001.1", "#1001.2", null),
    // Shopify's six fulfillment statuses, success most often as in real stores.
    status: fc.constantFrom("success", "success", "success", "success", "pending", "open", "cancelled", "error", "failure"),
    shipmentStatus: fc.option(fc.constantFrom(...SHOPIFY_STATUSES), { nil: null }),
    trackingCompany: fc.option(fc.constantFrom("Canada Post", "UPS"), { nil: null }),
    trackingNumbers: fc.uniqueArray(tracking, { maxLength: 2 }),
    trackingUrls: fc.constant([] as string[]),
    lineItems: fc.array(
      fc.record({
        lineItemId: fc.option(lineId, { nil: null }),
        title: fc.constantFrom("Item 0", "Item 1", "Gift"),
        sku: fc.option(fc.constantFrom("SKU-0", "SKU-1", "SKU-SHARED"), { nil: null }),
        quantity: fc.integer({ min: 1, max: 3 }),
        requiresShipping: mostly(true),
      }),
      { maxLength: 3 },
    ),
    estimatedDeliveryAt: maybeTime,
    createdAt: maybeTime,
    updatedAt: maybeTime,
    localPickup: mostly(false),
  });

  const orderSnapshot = fc.record({
    source,
    kind: fc.constant("order_snapshot" as const),
    occurredAt: timeArb,
    data: fc.record({
      name: fc.constant("#1001"),
      createdAt: fc.constant(new Date(BASE).toISOString()),
      updatedAt: maybeTime,
      cancelledAt: rarely(timeArb),
      orderStatusUrl: fc.constantFrom("https://shop.example/orders/abc", null),
      customer: fc.constant({ customerId: "77", emailHash: "e".repeat(64), phoneHash: null }),
      lineItems: fc.constant(spec.lines).chain((lines) =>
        fc.tuple(...lines.map((l) => fc.integer({ min: 0, max: l.quantity }).map((current) => ({ ...l, currentQuantity: current })))),
      ),
      fulfillments: fc.array(fulfillment, { maxLength: 2 }),
    }),
  });

  const anyEvent = fc.oneof(
    { weight: 3, arbitrary: orderSnapshot },
    { weight: 4, arbitrary: fc.record({ source, kind: fc.constant("fulfillment_snapshot" as const), occurredAt: timeArb, data: fulfillment }) },
    {
      weight: 6,
      arbitrary: fc.record({
        source: fc.constant<Source>("shopify"),
        kind: fc.constant("fulfillment_event" as const),
        occurredAt: timeArb,
        data: fc.record({
          id: fc.constantFrom("88001", "88002", "88003", "88004", "88005"),
          fulfillmentId,
          status: fc.constantFrom(...SHOPIFY_STATUSES),
          happenedAt: timeArb,
          estimatedDeliveryAt: maybeTime,
          message: fc.option(fc.constantFrom("Scanned", "Out"), { nil: null }),
          location: fc.option(fc.constant("Laval, QC, Canada"), { nil: null }),
        }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        source: fc.constant<Source>("shopify"),
        kind: fc.constant("fulfillment_event_deleted" as const),
        occurredAt: timeArb,
        data: fc.record({ id: fc.constantFrom("88001", "88002", "88003"), fulfillmentId: fc.option(fulfillmentId, { nil: null }) }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        source: fc.constant<Source>("shopify"),
        kind: fc.constant("refund" as const),
        occurredAt: timeArb,
        data: fc.record({
          refundId: fc.constantFrom("930001", "930002", "930003"),
          createdAt: maybeTime,
          lines: fc.array(
            fc.record({
              lineItemId: lineId,
              quantity: fc.integer({ min: 0, max: 2 }),
              restockType: fc.constantFrom("cancel", "no_restock", "return", null),
            }),
            { maxLength: 2 },
          ),
        }),
      }),
    },
    ...(["fulfillment_hold_added", "fulfillment_hold_released"] as const).map((kind) => ({
      weight: 2,
      arbitrary: fc.record({
        source: fc.constant<Source>("shopify"),
        kind: fc.constant(kind),
        occurredAt: timeArb,
        data: fc.record({
          fulfillmentOrderId: fc.constantFrom("6601", "6602"),
          holdId: fc.option(fc.constantFrom("7701", "7702"), { nil: null }),
          reason: fc.constantFrom("incorrect_address", "other", null),
        }),
      }),
    })),
    { weight: 2, arbitrary: threePlArb(tracking, false) },
    { weight: 2, arbitrary: threePlArb(tracking, true) },
    {
      weight: 4,
      arbitrary: fc.record({
        source: fc.constant<Source>("carrier"),
        kind: fc.constant("carrier_tracking" as const),
        occurredAt: timeArb,
        data: fc.record({
          // Carriers and files spell tracking numbers differently.
          trackingNumber: fc.oneof(tracking, tracking.map((t) => ` ${t.toLowerCase()} `), fc.constant("LX0000CA")),
          carrier: fc.option(fc.constantFrom("Canada Post", "UPS"), { nil: null }),
          status: fc.constantFrom<ShipmentStatus>(...SHIPMENT_STATUSES.filter((s) => s !== "cancelled")),
          happenedAt: timeArb,
          estimatedDeliveryAt: maybeTime,
          message: fc.constant(null),
          location: fc.constant(null),
        }),
      }),
    },
  );

  const deletion = rarely(fc.record({ source: fc.constant<Source>("shopify"), kind: fc.constant("order_deleted" as const), occurredAt: timeArb, data: fc.constant({}) }));

  return fc.tuple(fc.array(anyEvent, { minLength: 1, maxLength: 14 }), deletion).map(([drafts, deleted]) =>
    [...drafts, ...(deleted ? [deleted] : [])].map((d, i) => ({ ...d, orderId: ORDER_ID, dedupeKey: `wh-${i}` }) as OrderEvent),
  );
}

const orderEventsArb = specArb.chain(eventsArb);

/** The same events, re-delivered and in another order. */
const shuffledWithDuplicates = (events: OrderEvent[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.array(fc.constantFrom(...events), { maxLength: 6 }),
    )
    .chain(([permuted, dups]) => {
      const all = [...permuted, ...dups.map((e) => structuredClone(e))];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });

const stable = (value: unknown) => JSON.stringify(value);

describe("rollup properties", () => {
  it("any permutation and any duplication of the same events gives the identical result", () => {
    fc.assert(
      fc.property(
        orderEventsArb.chain((events) => fc.tuple(fc.constant(events), shuffledWithDuplicates(events))),
        nowArb,
        ([events, reordered], now) => {
          expect(stable(rollup(reordered, now))).toBe(stable(rollup(events, now)));
        },
      ),
      { numRuns: 6000 },
    );
  });

  it("rollup(e, now) equals applyClock(rollup(e, other), now), and the clock touches nothing but flags", () => {
    fc.assert(
      fc.property(orderEventsArb, nowArb, nowArb, fc.integer({ min: 1, max: 96 }), (events, now, other, hours) => {
        const thresholds = { stalledAfterHours: hours };
        const direct = rollup(events, now, thresholds);
        const stored = rollup(events, other, thresholds);
        expect(stable(applyClock(stored.status, now, thresholds))).toBe(stable(direct.status));
        expect({ ...stored, status: { ...stored.status, attention: [] } }).toEqual({ ...direct, status: { ...direct.status, attention: [] } });
      }),
      { numRuns: 4000 },
    );
  });

  it("every output satisfies the contract and its own invariants", () => {
    fc.assert(
      fc.property(orderEventsArb, nowArb, (events, now) => {
        const r = rollup(events, now);
        const s = r.status;
        expect(contractErrors(s)).toBeNull();
        expect(contractErrors({ ...s, sources: r.sources.map((c) => ({ ...c, receivedAt: c.occurredAt })) })).toBeNull();
        expect(s.items.shipped).toBeLessThanOrEqual(s.items.total);
        expect(s.items.delivered).toBeLessThanOrEqual(s.items.shipped);
        expect(new Set(s.attention).size).toBe(s.attention.length);
        expect(new Set(s.shipments.map((x) => x.id)).size).toBe(s.shipments.length);
        expect(s.shipments.every((x) => x.status !== "cancelled")).toBe(true);
        // Only a fulfillment Shopify said is success can be a shipment; every other shipment is a 3PL row.
        const everShipped = new Set(
          events.flatMap((e) => (e.kind === "fulfillment_snapshot" ? [e.data] : e.kind === "order_snapshot" ? e.data.fulfillments : [])).filter((f) => f.status === "success").map((f) => f.id),
        );
        for (const x of s.shipments) expect(x.id.startsWith("3pl:") || everShipped.has(x.id)).toBe(true);
        expect(r.decidedBy).toEqual([...new Set(r.decidedBy)].sort());
        expect(applyClock(applyClock(s, now), now)).toEqual(applyClock(s, now));
        switch (s.status) {
          case "cancelled":
            expect(s.cancelledAt).not.toBeNull();
            expect(s.attention).toEqual([]);
            break;
          case "delivered":
            expect(s.items.delivered).toBe(s.items.total);
            expect(s.items.total).toBeGreaterThan(0);
            break;
          case "partially_shipped":
            expect(s.items.shipped).toBeGreaterThan(0);
            expect(s.items.shipped).toBeLessThan(s.items.total);
            break;
          case "partially_delivered":
            expect(s.items.shipped).toBe(s.items.total);
            expect(s.items.delivered).toBeGreaterThan(0);
            expect(s.items.delivered).toBeLessThan(s.items.total);
            break;
          case "shipped":
          case "in_transit":
          case "out_for_delivery":
          case "ready_for_pickup":
            expect(s.items.shipped).toBe(s.items.total);
            expect(s.items.delivered).toBe(0);
            break;
          case "unfulfilled":
          case "on_hold":
            expect(s.items.shipped).toBe(0);
            break;
          case "no_shipping_required":
            expect(s.items.total).toBe(0);
            break;
        }
        if (s.status !== "delivered") expect(s.deliveredAt).toBeNull();
        if (s.status === "on_hold") expect(s.attention).toContain("on_hold");
        // The updatedAt is the latest event, whatever the clock says.
        const latest = Math.max(...events.map((e) => Date.parse(e.occurredAt)));
        expect(Date.parse(s.updatedAt)).toBe(latest);
      }),
      { numRuns: 4000 },
    );
  });
});

describe("package rows", () => {
  it("packages ship exactly the units nothing else shipped, whichever order they arrive in", () => {
    const scenario = specArb.chain((spec) =>
      fc.record({
        spec: fc.constant(spec),
        // Items and packages never share a parcel: a statement about the same parcel replaces the other.
        packages: fc.array(threePlArb(fc.constantFrom("PKG-A", "PKG-B", "PKG-C"), true, ["PK-1", "PK-2"], ["PKG-D"]), { minLength: 1, maxLength: 3 }),
        items: fc.array(threePlArb(fc.constantFrom("ITEM-A", "ITEM-B"), false, ["IT-1"], ["ITEM-C"]), { maxLength: 2 }),
        snapshotAt: timeArb,
      }),
    );
    fc.assert(
      fc.property(scenario, nowArb, fc.func(fc.integer()), ({ spec, packages, items, snapshotAt }, now, order) => {
        const snapshot = {
          source: "shopify" as Source,
          kind: "order_snapshot" as const,
          occurredAt: snapshotAt,
          data: {
            name: "#1001",
            createdAt: new Date(BASE).toISOString(),
            updatedAt: null,
            cancelledAt: null,
            orderStatusUrl: null,
            customer: { customerId: "77", emailHash: "e".repeat(64), phoneHash: null },
            lineItems: spec.lines,
            fulfillments: [],
          },
        };
        const events = [snapshot, ...items, ...packages].map((d, i) => ({ ...d, orderId: ORDER_ID, dedupeKey: `ev-${i}` }) as OrderEvent);
        const shuffled = [...events].sort((a, b) => order(a.dedupeKey) - order(b.dedupeKey));
        const result = rollup(events, now);
        expect(stable(rollup(shuffled, now))).toBe(stable(result));
        const { items: units } = result.status;
        // With a package in the log, every unit that had to ship has shipped, and none twice.
        expect(units.shipped).toBe(units.total);
        const shippingUnits = spec.lines.filter((l) => l.requiresShipping).reduce((sum, l) => sum + l.currentQuantity, 0);
        const packageUnits = result.status.shipments.filter((x) => packages.some((p) => x.id === `3pl:${p.data.trackingNumber ?? `ref:${p.data.reference}`}`));
        const packed = packageUnits.flatMap((x) => x.items).reduce((sum, item) => sum + item.quantity, 0);
        expect(packed).toBeLessThanOrEqual(shippingUnits);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("normaliser properties", () => {
  it("any JSON payload on any topic either normalises or throws InvalidPayloadError", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED_TOPICS), fc.jsonValue(), (topic, payload) => {
        try {
          const { events } = normalizeShopifyWebhook(topic, payload, { webhookId: "wh-1", triggeredAt: "2026-03-01T00:00:00Z" });
          for (const e of events) expect(e.orderId).toMatch(/^[0-9]+$/);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidPayloadError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("near-valid payloads (fields of the wrong type) are rejected with InvalidPayloadError, never a crash", () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
    const payload = fc.record(
      {
        id: value,
        order_id: value,
        fulfillment_id: value,
        status: value,
        line_items: fc.oneof(value, fc.array(fc.dictionary(fc.constantFrom("id", "quantity", "sku", "requires_shipping", "current_quantity"), value), { maxLength: 2 })),
        refund_line_items: value,
        fulfillment_order: fc.oneof(value, fc.record({ id: value, order_id: value }, { requiredKeys: [] })),
        updated_at: value,
        happened_at: value,
        created_at: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED_TOPICS), payload, (topic, p) => {
        try {
          normalizeShopifyWebhook(topic, p, { webhookId: "wh-2", triggeredAt: null });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidPayloadError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
