import { describe, expect, it } from "vitest";
import { detectDiscrepancies, DISCREPANCY_CODES, type DetectorInput } from "./discrepancies";
import type { FulfillmentData, OrderEvent, Source } from "./events";
import { rollup } from "./rollup";

const ORDER = "5800000000001";
const T0 = Date.parse("2026-03-02T10:00:00.000Z");
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

type Timed = { event: OrderEvent; receivedAt: string };

function snapshot(hours: number, extra: { cancelledAt?: string | null; fulfillments?: FulfillmentData[]; lines?: Array<{ id: string; sku: string; quantity: number; requiresShipping?: boolean }> } = {}): Timed {
  const lines = extra.lines ?? [
    { id: "1", sku: "SKU-A", quantity: 1 },
    { id: "2", sku: "SKU-B", quantity: 2 },
  ];
  return timed({
    source: "shopify",
    kind: "order_snapshot",
    orderId: ORDER,
    occurredAt: at(hours),
    dedupeKey: `order:${hours}`,
    data: {
      name: "#1001",
      createdAt: at(0),
      updatedAt: at(hours),
      cancelledAt: extra.cancelledAt ?? null,
      orderStatusUrl: null,
      customer: { customerId: null, emailHash: null, phoneHash: null },
      lineItems: lines.map((l) => ({ id: l.id, title: `Item ${l.sku}`, sku: l.sku, quantity: l.quantity, currentQuantity: l.quantity, requiresShipping: l.requiresShipping ?? true })),
      fulfillments: extra.fulfillments ?? [],
    },
  });
}

function fulfillment(hours: number, options: Partial<FulfillmentData> & { id?: string } = {}): FulfillmentData {
  return {
    id: options.id ?? "700",
    name: "#1001.1",
    status: "success",
    shipmentStatus: null,
    trackingCompany: "UPS",
    trackingNumbers: ["1Z999"],
    trackingUrls: [],
    lineItems: [
      { lineItemId: "1", title: "Item SKU-A", sku: "SKU-A", quantity: 1, requiresShipping: true },
      { lineItemId: "2", title: "Item SKU-B", sku: "SKU-B", quantity: 2, requiresShipping: true },
    ],
    estimatedDeliveryAt: null,
    createdAt: at(hours),
    updatedAt: at(hours),
    localPickup: false,
    ...options,
  };
}

function fulfillmentEvent(hours: number, data: FulfillmentData): Timed {
  return timed({ source: "shopify", kind: "fulfillment_snapshot", orderId: ORDER, occurredAt: at(hours), dedupeKey: `ful:${data.id}:${hours}`, data });
}

function shopifyScan(hours: number, status: string, options: { eta?: string; fulfillmentId?: string } = {}): Timed {
  return timed({
    source: "shopify",
    kind: "fulfillment_event",
    orderId: ORDER,
    occurredAt: at(hours),
    dedupeKey: `scan:${hours}:${status}`,
    data: { id: `scan-${hours}`, fulfillmentId: options.fulfillmentId ?? "700", status, happenedAt: at(hours), estimatedDeliveryAt: options.eta ?? null, message: null, location: null },
  });
}

function threePl(hours: number, trackingNumber: string | null, lines: Array<{ sku: string; quantity: number }>): Timed {
  return timed({
    source: "3pl",
    kind: "3pl_shipment",
    orderId: ORDER,
    occurredAt: at(hours),
    dedupeKey: `3pl:${trackingNumber}:${hours}`,
    data: { reference: `row-${hours}`, trackingNumber, carrier: "UPS", lines, shippedAt: at(hours) },
  }, hours + 8);
}

function carrier(hours: number, trackingNumber: string, status: "in_transit" | "delivered" | "out_for_delivery" | "label_created", receivedAfter = 0.5): Timed {
  return timed({
    source: "carrier",
    kind: "carrier_tracking",
    orderId: ORDER,
    occurredAt: at(hours),
    dedupeKey: `carrier:${trackingNumber}:${hours}`,
    data: { trackingNumber, carrier: "UPS", status, happenedAt: at(hours), estimatedDeliveryAt: null, message: null, location: null },
  }, hours + receivedAfter);
}

function timed(event: OrderEvent, receivedHours?: number): Timed {
  return { event, receivedAt: receivedHours === undefined ? new Date(Date.parse(event.occurredAt) + 60_000).toISOString() : at(receivedHours) };
}

function detect(events: Timed[], nowHours: number, extra: Partial<DetectorInput> = {}) {
  const now = new Date(T0 + nowHours * HOUR);
  return detectDiscrepancies({ events, rollup: rollup(events.map((e) => e.event), now), now, ...extra });
}

const codes = (events: Timed[], nowHours: number, extra: Partial<DetectorInput> = {}) => detect(events, nowHours, extra).open.map((d) => d.code);

describe("detectDiscrepancies", () => {
  it("finds nothing wrong with a tracked, scanned, delivered order", () => {
    const f = fulfillment(5);
    const events = [snapshot(0), fulfillmentEvent(5, f), shopifyScan(8, "in_transit"), shopifyScan(30, "delivered"), carrier(30, "1Z999", "delivered")];
    expect(detect(events, 200)).toEqual({ open: [], nextCheckAt: null });
  });

  it("raises fulfilled_without_tracking after the grace period, with the fulfillment as evidence", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5, { trackingNumbers: [] }))];
    const early = detect(events, 6);
    expect(early.open).toEqual([]);
    expect(early.nextCheckAt).toBe(at(7));
    const later = detect(events, 7);
    expect(later.open).toHaveLength(1);
    expect(later.open[0]).toMatchObject({
      key: "fulfilled_without_tracking:700",
      code: "fulfilled_without_tracking",
      source: "shopify",
      since: at(5),
      evidence: [{ source: "shopify", at: at(5), receivedAt: new Date(T0 + 5 * HOUR + 60_000).toISOString() }],
    });
    expect(later.open[0]!.detail).toContain("no tracking number");
  });

  it("clears fulfilled_without_tracking once a later snapshot carries the number", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5, { trackingNumbers: [] })), fulfillmentEvent(9, fulfillment(5, { updatedAt: at(9) }))];
    expect(codes(events, 20)).toEqual([]);
  });

  it("does not expect tracking for local pickup or digital-only fulfillments", () => {
    const pickup = fulfillment(5, { trackingNumbers: [], localPickup: true });
    const digital = fulfillment(5, {
      id: "701",
      trackingNumbers: [],
      lineItems: [{ lineItemId: "3", title: "Gift card", sku: null, quantity: 1, requiresShipping: false }],
    });
    const lines = [{ id: "1", sku: "SKU-A", quantity: 1 }, { id: "2", sku: "SKU-B", quantity: 2 }, { id: "3", sku: "GIFT", quantity: 1, requiresShipping: false }];
    expect(codes([snapshot(0, { lines }), fulfillmentEvent(5, pickup), fulfillmentEvent(5, digital)], 100)).toEqual([]);
  });

  it("raises cancelled_but_shipped from the later of the cancellation and the shipment", () => {
    const f = fulfillment(5);
    const events = [snapshot(0), fulfillmentEvent(5, f), snapshot(9, { cancelledAt: at(9), fulfillments: [f] })];
    const result = detect(events, 10);
    expect(result.open.map((d) => d.code)).toEqual(["cancelled_but_shipped"]);
    expect(result.open[0]).toMatchObject({ since: at(9), source: "shopify" });
    expect(result.open[0]!.evidence.map((e) => e.source)).toEqual(["shopify", "shopify"]);
  });

  it("raises cancelled_but_shipped when only the carrier saw the parcel move", () => {
    const events = [snapshot(0, { cancelledAt: at(2) }), threePl(1, "1Z555", [{ sku: "SKU-A", quantity: 1 }]), carrier(20, "1Z555", "in_transit")];
    const d = detect(events, 30).open;
    expect(d.map((x) => x.code)).toEqual(["cancelled_but_shipped"]);
    expect(d[0]!.since).toBe(at(2));
  });

  it("cancelled orders raise nothing else: no late parcels, no missing tracking", () => {
    const f = fulfillment(5, { trackingNumbers: [], estimatedDeliveryAt: at(20) });
    expect(codes([snapshot(0, { cancelledAt: at(1) }), fulfillmentEvent(5, f)], 500)).toEqual(["cancelled_but_shipped"]);
  });

  it("raises 3pl_shipped_missing_in_shopify for a 3PL parcel Shopify does not show, after its grace", () => {
    const events = [snapshot(0), threePl(4, "1Z777", [{ sku: "SKU-A", quantity: 1 }])];
    expect(detect(events, 9).open).toEqual([]);
    expect(detect(events, 9).nextCheckAt).toBe(at(10));
    const d = detect(events, 10).open;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: "3pl_shipped_missing_in_shopify", source: "3pl", since: at(4), key: "3pl_shipped_missing_in_shopify:1Z777" });
    expect(d[0]!.evidence[0]).toMatchObject({ source: "3pl", receivedAt: at(12) });
  });

  it("pairs a 3PL shipment of several parcels with Shopify's fulfillment by any of its numbers", () => {
    const both = (hours: number, lines: Array<{ sku: string; quantity: number }>, coversUnshipped = false): Timed => {
      const t = threePl(hours, "1Z111", lines);
      if (t.event.kind !== "3pl_shipment") throw new Error("not a 3PL event");
      return { ...t, event: { ...t.event, data: { ...t.event.data, trackingNumbers: ["1Z111", "1Z999"], ...(coversUnshipped ? { coversUnshipped: true as const } : {}) } } };
    };
    const shopify = [snapshot(0), fulfillmentEvent(5, fulfillment(5)), shopifyScan(6, "in_transit")];
    expect(codes([...shopify, both(4, [{ sku: "SKU-A", quantity: 1 }, { sku: "SKU-B", quantity: 2 }])], 20, { threePlActiveSince: at(-100) })).toEqual([]);
    // A package names no lines: it confirms the parcel without a quantity mismatch.
    expect(codes([...shopify, both(4, [], true)], 20, { threePlActiveSince: at(-100) })).toEqual([]);
    const missing = detect([snapshot(0), both(4, [], true)], 20).open;
    expect(missing.map((d) => d.code)).toEqual(["3pl_shipped_missing_in_shopify"]);
    expect(missing[0]!.detail).toBe("The warehouse shipped a package as 1Z111, 1Z999; Shopify shows no such fulfillment.");
  });

  it("pairs a 3PL row with Shopify's fulfillment by tracking number, ignoring case and spaces", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5, { trackingNumbers: ["1z 999"] })), threePl(4, "1Z999", [{ sku: "SKU-A", quantity: 1 }, { sku: "SKU-B", quantity: 2 }]), shopifyScan(6, "in_transit")];
    expect(codes(events, 20, { threePlActiveSince: at(-100) })).toEqual([]);
  });

  it("raises quantity_mismatch when the 3PL shipped other quantities under the same number", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5)), threePl(6, "1Z999", [{ sku: "SKU-A", quantity: 1 }, { sku: "SKU-B", quantity: 1 }]), shopifyScan(7, "in_transit")];
    const d = detect(events, 20).open;
    expect(d.map((x) => x.code)).toEqual(["quantity_mismatch"]);
    expect(d[0]).toMatchObject({ since: at(6), source: "3pl" });
    expect(d[0]!.detail).toContain("1 × SKU-B");
    expect(d[0]!.detail).toContain("2 × SKU-B");
  });

  it("raises tracking_number_mismatch when the same items ship under another number", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5)), threePl(6, "1Z000", [{ sku: "SKU-A", quantity: 1 }, { sku: "SKU-B", quantity: 2 }]), shopifyScan(7, "in_transit")];
    const d = detect(events, 20, { threePlActiveSince: at(-100) }).open;
    expect(d.map((x) => x.code)).toEqual(["tracking_number_mismatch"]);
    expect(d[0]!.detail).toContain("1Z000");
    expect(d[0]!.detail).toContain("1Z999");
  });

  it("raises shopify_shipped_missing_in_3pl only for shops with a 3PL feed, after the 3PL grace", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5)), shopifyScan(6, "in_transit")];
    expect(codes(events, 100)).toEqual([]);
    expect(codes(events, 100, { threePlActiveSince: at(10) })).toEqual([]);
    expect(codes(events, 40, { threePlActiveSince: at(-10) })).toEqual([]);
    expect(detect(events, 40, { threePlActiveSince: at(-10) }).nextCheckAt).toBe(at(41));
    expect(codes(events, 41, { threePlActiveSince: at(-10) })).toEqual(["shopify_shipped_missing_in_3pl"]);
  });

  it("raises carrier_ahead_of_shopify when the carrier delivered and Shopify still says in transit", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5)), shopifyScan(8, "in_transit"), carrier(30, "1Z999", "delivered")];
    expect(codes(events, 31)).toEqual([]);
    const d = detect(events, 32).open;
    expect(d.map((x) => x.code)).toEqual(["carrier_ahead_of_shopify"]);
    expect(d[0]).toMatchObject({ since: at(30), source: "carrier" });
    expect(d[0]!.evidence.map((e) => `${e.source}: ${e.said}`)).toEqual(["carrier: 1Z999 delivered", "shopify: #1001.1 in transit"]);
    expect(codes([...events, shopifyScan(33, "delivered")], 40)).toEqual([]);
  });

  it("raises stalled_no_carrier_scan when a label has had no scan for the threshold", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5, { shipmentStatus: "label_purchased" }))];
    const before = detect(events, 52);
    expect(before.open).toEqual([]);
    expect(before.nextCheckAt).toBe(at(53));
    const d = detect(events, 53).open;
    expect(d.map((x) => x.code)).toEqual(["stalled_no_carrier_scan"]);
    expect(d[0]!.since).toBe(at(53));
    expect(codes(events, 53, { thresholds: { stalledAfterHours: 100 } })).toEqual([]);
    expect(codes([...events, carrier(20, "1Z999", "in_transit")], 60)).toEqual(["carrier_ahead_of_shopify"]);
  });

  it("raises past_estimated_delivery after the estimate plus the delivery grace", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5)), shopifyScan(8, "in_transit", { eta: at(48) })];
    expect(detect(events, 59).nextCheckAt).toBe(at(60));
    expect(codes(events, 59)).toEqual([]);
    const d = detect(events, 60).open;
    expect(d.map((x) => x.code)).toEqual(["past_estimated_delivery"]);
    expect(d[0]!.since).toBe(at(60));
    expect(codes([...events, shopifyScan(61, "delivered")], 70)).toEqual([]);
  });

  it("keeps several disagreements apart, sorted by key, all with contract codes", () => {
    const a = fulfillment(5, { trackingNumbers: [] });
    const b = fulfillment(6, { id: "701", name: "#1001.2", trackingNumbers: ["1Z888"], lineItems: [{ lineItemId: "2", title: "B", sku: "SKU-B", quantity: 2, requiresShipping: true }] });
    const events = [snapshot(0), fulfillmentEvent(5, a), fulfillmentEvent(6, b), threePl(3, "1Z444", [{ sku: "SKU-C", quantity: 1 }])];
    const d = detect(events, 100);
    expect(d.open.map((x) => x.key)).toEqual([
      "3pl_shipped_missing_in_shopify:1Z444",
      "fulfilled_without_tracking:700",
      "stalled_no_carrier_scan:3pl:1Z444",
      "stalled_no_carrier_scan:701",
    ]);
    for (const x of d.open) expect(DISCREPANCY_CODES).toContain(x.code);
  });

  it("keeps the first arrival of a re-delivered event as its evidence time", () => {
    const f = fulfillmentEvent(5, fulfillment(5, { trackingNumbers: [] }));
    const again = { ...f, receivedAt: at(9) };
    const d = detect([snapshot(0), again, f], 20).open;
    expect(d[0]!.evidence[0]!.receivedAt).toBe(f.receivedAt);
  });

  it.each(["pending", "open", "error", "failure"])("does not count a %s fulfillment as Shopify saying it shipped", (status) => {
    const untracked = fulfillment(5, { status, trackingNumbers: [] });
    expect(codes([snapshot(0), fulfillmentEvent(5, untracked)], 200, { threePlActiveSince: at(-100) })).toEqual([]);
    expect(codes([snapshot(0, { cancelledAt: at(9) }), fulfillmentEvent(5, untracked)], 200)).toEqual([]);
    // The same fulfillment as success, to show each of those would be raised for a shipped one.
    expect(codes([snapshot(0), fulfillmentEvent(5, fulfillment(5, { trackingNumbers: [] }))], 200, { threePlActiveSince: at(-100) })).toEqual([
      "fulfilled_without_tracking",
      "shopify_shipped_missing_in_3pl",
    ]);
  });

  it("runs the graces of a fulfillment held by a fulfillment service from when Shopify said success", () => {
    const pending = fulfillment(5, { status: "pending", trackingNumbers: [] });
    const success = fulfillment(5, { trackingNumbers: [], updatedAt: at(60) });
    const events = [snapshot(0), fulfillmentEvent(5, pending), fulfillmentEvent(60, success)];
    expect(detect(events, 61, { threePlActiveSince: at(-100) })).toEqual({ open: [], nextCheckAt: at(62) });
    const d = detect(events, 62).open;
    expect(d.map((x) => [x.code, x.since])).toEqual([["fulfilled_without_tracking", at(60)]]);
    expect(d[0]!.evidence[0]!.at).toBe(at(60));
    expect(codes(events, 95, { threePlActiveSince: at(-100) })).toEqual(["fulfilled_without_tracking"]);
    expect(codes(events, 96, { threePlActiveSince: at(-100) })).toEqual(["fulfilled_without_tracking", "shopify_shipped_missing_in_3pl"]);
  });

  it("raises 3pl_shipped_missing_in_shopify for a 3PL row whose number Shopify still shows as being prepared, until Shopify says success", () => {
    const pending = fulfillment(5, { status: "open" });
    const report = threePl(10, "1Z999", [{ sku: "SKU-A", quantity: 1 }, { sku: "SKU-B", quantity: 2 }]);
    const events = [snapshot(0), fulfillmentEvent(5, pending), report];
    expect(codes(events, 15)).toEqual([]);
    const d = detect(events, 16).open;
    expect(d.map((x) => [x.key, x.since])).toEqual([["3pl_shipped_missing_in_shopify:1Z999", at(10)]]);
    expect(d[0]!.detail).toBe("The warehouse shipped 1 × SKU-A, 2 × SKU-B as 1Z999; Shopify still shows #1001.1 as being prepared.");
    expect(d[0]!.evidence.map((e) => `${e.source}: ${e.said}`)).toEqual(["3pl: shipped 1 × SKU-A, 2 × SKU-B (UPS 1Z999)", "shopify: #1001.1 being prepared (open)"]);
    const shipped = [...events, fulfillmentEvent(20, fulfillment(5, { updatedAt: at(20) })), shopifyScan(21, "in_transit")];
    expect(codes(shipped, 100, { threePlActiveSince: at(-100) })).toEqual([]);
  });

  it("raises carrier_ahead_of_shopify when the carrier moves a parcel Shopify shows as being prepared, not for a label", () => {
    const events = [snapshot(0), fulfillmentEvent(5, fulfillment(5, { status: "pending" }))];
    expect(codes([...events, carrier(8, "1Z999", "label_created")], 100)).toEqual([]);
    const d = detect([...events, carrier(8, "1Z999", "label_created"), carrier(9, "1Z999", "in_transit")], 100).open;
    expect(d.map((x) => [x.code, x.since])).toEqual([["carrier_ahead_of_shopify", at(9)]]);
    expect(d[0]!.detail).toBe("The carrier says in transit; Shopify still shows #1001.1 as being prepared.");
    expect(d[0]!.evidence.map((e) => `${e.source}: ${e.said}`)).toEqual(["carrier: 1Z999 in transit", "shopify: #1001.1 being prepared"]);
  });

  it("treats what reconciliation read from Shopify as Shopify's side", () => {
    const f = fulfillmentEvent(5, fulfillment(5, { trackingNumbers: [] }));
    const reconciled = { ...f, event: { ...f.event, source: "reconciliation" as Source, dedupeKey: "rec:1" } };
    const d = detect([snapshot(0), reconciled], 20).open;
    expect(d.map((x) => x.code)).toEqual(["fulfilled_without_tracking"]);
    expect(d[0]!.evidence[0]!.source).toBe("reconciliation");
  });
});
