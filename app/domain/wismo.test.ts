import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateStore, simulatedDeliveryEvents, type Scenario } from "../demo/simulated-store";
import { ATTENTION_FLAGS, ORDER_STATUSES, SHIPMENT_STATUSES, type OrderEvent, type OrderStatusValue } from "./events";
import { applyClock, rollup, type OrderStatus, type ShipmentView } from "./rollup";
import { ESCALATION_REASONS, STAGE_OF_STATUS, WISMO_STAGES, escalationReasons, wismoFor, wismoLanguage } from "./wismo";

const NOW = new Date("2026-11-20T12:00:00.000Z");

function shipment(overrides: Partial<ShipmentView> = {}): ShipmentView {
  return {
    id: "f1",
    status: "in_transit",
    carrier: "UPS",
    trackingNumbers: ["1Z999"],
    trackingUrls: [],
    items: [{ title: "Merino Crew Sweater", sku: "MER", quantity: 1 }],
    estimatedDeliveryAt: "2026-11-22T12:00:00.000Z",
    deliveredAt: null,
    lastEvent: null,
    ...overrides,
  };
}

function order(overrides: Partial<OrderStatus> = {}): OrderStatus {
  return {
    schemaVersion: 1,
    orderId: "5600000000001",
    name: "#1001",
    status: "in_transit",
    attention: [],
    items: { total: 1, shipped: 1, delivered: 0 },
    shipments: [shipment()],
    statusPageUrl: "https://shop.example/1001/status",
    estimatedDeliveryAt: "2026-11-22T12:00:00.000Z",
    deliveredAt: null,
    cancelledAt: null,
    updatedAt: "2026-11-19T08:00:00.000Z",
    ...overrides,
  };
}

describe("the stage table", () => {
  it("gives every order status a stage, and uses every stage", () => {
    expect(Object.keys(STAGE_OF_STATUS).sort()).toEqual([...ORDER_STATUSES].sort());
    expect(new Set(Object.values(STAGE_OF_STATUS))).toEqual(new Set(WISMO_STAGES));
  });

  it.each([
    ["unfulfilled", "approved"],
    ["no_shipping_required", "approved"],
    ["on_hold", "processing"],
    ["partially_shipped", "pending_shipment"],
    ["shipped", "shipped"],
    ["in_transit", "in_transit"],
    ["out_for_delivery", "in_transit"],
    ["partially_delivered", "in_transit"],
    ["ready_for_pickup", "in_transit"],
    ["delivered", "delivered"],
    ["cancelled", "canceled"],
  ] as Array<[OrderStatusValue, string]>)("%s -> %s", (status, stage) => {
    expect(wismoFor(order({ status }), []).stage).toBe(stage);
  });
});

/**
 * The attention flags an order needs for the answer wanted: none to inform; the reason's own flag,
 * and none of the more urgent ones, to escalate for a flag.
 */
function hasFlagsFor(attention: readonly string[], action: string, reason: string): boolean {
  if (action === "inform") return attention.length === 0;
  const flag: Record<string, string> = { delivery_exception: "delivery_exception", attempted_delivery: "attempted_delivery", delayed: "delayed", stalled: "stalled", on_hold: "on_hold" };
  if (!flag[reason]) return true;
  const moreUrgent = ESCALATION_REASONS.slice(0, ESCALATION_REASONS.indexOf(reason as never)).map((r) => flag[r]).filter(Boolean);
  return attention.includes(flag[reason]!) && moreUrgent.every((f) => !attention.includes(f!));
}

describe("each stage and action on the demo store's orders", () => {
  // The simulated store behind `npm run demo`, through the real normaliser and rollup.
  const store = simulateStore({ shop: "demo-store.myshopify.com", orders: 300, now: NOW, seed: 7 });
  const events = new Map<string, OrderEvent[]>();
  for (const d of store.deliveries) {
    for (const e of simulatedDeliveryEvents(store, d)) {
      events.set(e.orderId, [...(events.get(e.orderId) ?? []), e]);
    }
  }
  const statusOf = (orderId: string) => applyClock(rollup(events.get(orderId)!, NOW).status, NOW);
  const first = (scenario: Scenario, status: OrderStatusValue, wanted: (doc: OrderStatus) => boolean = () => true) => {
    const found = store.orders.map((o) => statusOf(o.orderId)).find((doc, i) => store.orders[i]!.scenario === scenario && doc.status === status && wanted(doc));
    if (!found) throw new Error(`no ${scenario} order in the simulated store is ${status} as wanted`);
    return found;
  };

  it.each([
    ["unfulfilled", "unfulfilled", "approved", "inform", "unfulfilled"],
    ["digital_only", "no_shipping_required", "approved", "escalate", "nothing_to_ship"],
    ["on_hold", "on_hold", "processing", "escalate", "on_hold"],
    ["two_boxes_one_shipped", "partially_shipped", "pending_shipment", "escalate", "delayed"],
    ["in_transit", "in_transit", "in_transit", "inform", "in_transit"],
    ["out_for_delivery", "out_for_delivery", "in_transit", "inform", "out_for_delivery"],
    ["pickup_ready", "ready_for_pickup", "in_transit", "inform", "ready_for_pickup"],
    ["delayed", "in_transit", "in_transit", "escalate", "delayed"],
    ["attempted_delivery", "in_transit", "in_transit", "escalate", "attempted_delivery"],
    ["exception", "in_transit", "in_transit", "escalate", "delivery_exception"],
    ["two_boxes_one_delivered", "partially_delivered", "in_transit", "inform", "partially_delivered"],
    ["delivered", "delivered", "delivered", "inform", "delivered"],
    ["refunded_unshipped", "delivered", "delivered", "inform", "delivered"],
    ["cancelled", "cancelled", "canceled", "inform", "cancelled"],
  ] as Array<[Scenario, OrderStatusValue, string, string, string]>)("%s (%s): %s, %s (%s)", (scenario, status, stage, action, reason) => {
    // Demo parcels go late or stall as the clock passes; pick an order whose flags are the ones wanted.
    const doc = first(scenario, status, (d) => hasFlagsFor(d.attention, action, reason));
    const wismo = wismoFor(doc, []);
    expect({ stage: wismo.stage, action: wismo.action, reason: wismo.reason }).toEqual({ stage, action, reason });
    expect(wismo.message).toContain(doc.name);
    expect(wismo.statusPageUrl).toBe(doc.statusPageUrl);
  });

  it("a label the carrier has not scanned is 'shipped', and escalates once the scan is late", () => {
    const doc = first("label_stalled", "shipped");
    const labelAt = Date.parse(doc.shipments[0]!.lastEvent!.happenedAt);
    const fresh = wismoFor(applyClock(doc, new Date(labelAt + 3_600_000)), []);
    expect({ stage: fresh.stage, action: fresh.action, reason: fresh.reason }).toEqual({ stage: "shipped", action: "inform", reason: "shipped" });
    expect(fresh.message).toMatch(/the carrier has not scanned it yet\.( Expected delivery: .*\.)?$/);
    const stalled = wismoFor(applyClock(doc, new Date(labelAt + 49 * 3_600_000)), []);
    expect({ stage: stalled.stage, action: stalled.action, reason: stalled.reason }).toEqual({ stage: "shipped", action: "escalate", reason: "stalled" });
    expect(stalled.message).toMatch(/has not picked it up yet/);
  });

  it("every demo order gets a complete answer in both languages", () => {
    for (const o of store.orders) {
      for (const language of ["en", "fr"]) {
        const wismo = wismoFor(statusOf(o.orderId), [], { language });
        expect(wismo.message).not.toMatch(/undefined|NaN|null|\(\)|\s\./);
        expect(wismo.language).toBe(language);
      }
    }
  });
});

describe("messages", () => {
  it("a parcel on its way names carrier, tracking and expected date", () => {
    const wismo = wismoFor(order(), []);
    expect(wismo).toEqual({
      stage: "in_transit",
      action: "inform",
      reason: "in_transit",
      message: "Order #1001 is on its way (UPS, tracking 1Z999). Expected delivery: November 22, 2026.",
      trackingNumbers: ["1Z999"],
      expectedDeliveryAt: "2026-11-22T12:00:00.000Z",
      statusPageUrl: "https://shop.example/1001/status",
      language: "en",
    });
    expect(wismoFor(order(), [], { language: "fr-CA" }).message).toBe(
      "La commande #1001 est en route (UPS, suivi 1Z999). Livraison prévue : 22 novembre 2026.",
    );
  });

  it("partial orders say which items shipped and how many have not", () => {
    const doc = order({
      status: "partially_shipped",
      items: { total: 3, shipped: 2, delivered: 0 },
      shipments: [shipment({ items: [{ title: "Poster", sku: null, quantity: 2 }] })],
    });
    expect(wismoFor(doc, []).message).toBe(
      "2 of 3 items in order #1001 have shipped: 2 × Poster (in transit, UPS, tracking 1Z999). The other item has not shipped yet. Expected delivery: November 22, 2026.",
    );
    expect(wismoFor(doc, [], { language: "fr" }).message).toBe(
      "2 articles sur 3 de la commande #1001 ont été expédiés : 2 × Poster (en transit, UPS, suivi 1Z999). L'autre n'a pas encore été expédié. Livraison prévue : 22 novembre 2026.",
    );
  });

  it("partially delivered orders say what arrived and what is still moving", () => {
    const doc = order({
      status: "partially_delivered",
      items: { total: 2, shipped: 2, delivered: 1 },
      shipments: [
        shipment({ id: "a", status: "delivered", items: [{ title: "Mug", sku: null, quantity: 1 }], trackingNumbers: ["T1"], estimatedDeliveryAt: null }),
        shipment({ id: "b", items: [{ title: "Bag", sku: null, quantity: 1 }], trackingNumbers: ["T2"] }),
      ],
    });
    const wismo = wismoFor(doc, []);
    expect(wismo.message).toBe(
      "1 of 2 items in order #1001 has been delivered (Mug). Still on the way: Bag (in transit, UPS, tracking T2). Expected delivery: November 22, 2026.",
    );
    expect(wismo.trackingNumbers).toEqual(["T1", "T2"]);
  });

  it("cancelled parcels' tracking numbers are not offered", () => {
    const doc = order({ shipments: [shipment({ id: "x", status: "cancelled", trackingNumbers: ["OLD"] }), shipment({ id: "y", trackingNumbers: ["NEW"] })] });
    expect(wismoFor(doc, []).trackingNumbers).toEqual(["NEW"]);
  });

  it("delivered and cancelled orders have no expected date and say when", () => {
    const delivered = wismoFor(order({ status: "delivered", deliveredAt: "2026-11-18T15:00:00.000Z", estimatedDeliveryAt: "2026-11-19T00:00:00.000Z" }), []);
    expect(delivered.expectedDeliveryAt).toBeNull();
    expect(delivered.message).toBe("Order #1001 was delivered on November 18, 2026.");
    const cancelled = wismoFor(order({ status: "cancelled", cancelledAt: "2026-11-02T10:00:00.000Z", shipments: [] }), [], { language: "fr" });
    expect(cancelled.message).toBe("La commande #1001 a été annulée le 2 novembre 2026.");
    expect(cancelled.action).toBe("inform");
  });

  it("a late parcel is said to be late, not expected", () => {
    const wismo = wismoFor(order({ attention: ["delayed"], estimatedDeliveryAt: "2026-11-10T12:00:00.000Z" }), []);
    expect(wismo.message).toBe(
      "Order #1001 is on its way (UPS, tracking 1Z999). It was expected by November 10, 2026 and is running late. A member of our team will follow up with you.",
    );
  });

  it("a carrier problem is not called 'on its way'", () => {
    const doc = order({ attention: ["delivery_exception"], shipments: [shipment({ status: "exception" })] });
    expect(wismoFor(doc, []).message).toMatch(/^Order #1001 is with the carrier .*The carrier reported a problem with the delivery\. A member of our team/);
  });

  it("dates follow the time zone given", () => {
    const doc = order({ estimatedDeliveryAt: "2026-11-22T02:00:00.000Z" });
    expect(wismoFor(doc, [], { timeZone: "America/Los_Angeles" }).message).toContain("November 21, 2026");
  });
});

describe("escalation", () => {
  it("sources that disagree escalate, whatever the stage", () => {
    const wismo = wismoFor(order({ status: "delivered", deliveredAt: "2026-11-18T15:00:00.000Z" }), [{ code: "carrier_ahead_of_shopify", since: "2026-11-18T15:00:00.000Z" }]);
    expect({ action: wismo.action, reason: wismo.reason }).toEqual({ action: "escalate", reason: "sources_disagree" });
    expect(wismo.message).toMatch(/conflicting information/);
  });

  it("unknown discrepancy codes still count as disagreement; clock discrepancies map to their flag", () => {
    expect(escalationReasons(order(), [{ code: "something_new", since: "x" }])).toEqual(["sources_disagree"]);
    expect(escalationReasons(order(), [{ code: "past_estimated_delivery", since: "x" }])).toEqual(["delayed"]);
    expect(escalationReasons(order(), [{ code: "stalled_no_carrier_scan", since: "x" }])).toEqual(["stalled"]);
  });

  it("the most urgent reason is the one given", () => {
    const doc = order({ attention: ["delayed", "attempted_delivery", "delivery_exception", "on_hold"] });
    expect(escalationReasons(doc, [])).toEqual(["delivery_exception", "attempted_delivery", "delayed", "on_hold"]);
    expect(wismoFor(doc, []).reason).toBe("delivery_exception");
  });

  it("a cancelled order's leftover flags do not escalate it", () => {
    expect(wismoFor(order({ status: "cancelled", attention: ["delayed"] }), []).action).toBe("inform");
  });
});

describe("language", () => {
  it.each([
    ["fr", "fr"],
    ["FR_ca", "fr"],
    [" en-GB ", "en"],
    ["de", null],
    ["", null],
    [null, null],
  ])("%j -> %j", (input, expected) => {
    expect(wismoLanguage(input)).toBe(expected);
  });

  it("falls back to English", () => {
    expect(wismoFor(order(), [], { language: "de" }).language).toBe("en");
  });
});

describe("any order status document", () => {
  const iso = fc.integer({ min: Date.parse("2026-01-01"), max: Date.parse("2027-12-31") }).map((ms) => new Date(ms).toISOString());
  const shipmentArb = fc.record({
    id: fc.string({ minLength: 1, maxLength: 6 }),
    status: fc.constantFrom(...SHIPMENT_STATUSES),
    carrier: fc.option(fc.constantFrom("UPS", "DHL", "La Poste"), { nil: null }),
    trackingNumbers: fc.array(fc.stringMatching(/^[A-Z0-9]{4,12}$/), { maxLength: 2 }),
    trackingUrls: fc.constant<string[]>([]),
    items: fc.array(fc.record({ title: fc.constantFrom("Mug", "Bag", "Sweater"), sku: fc.constant(null), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
    estimatedDeliveryAt: fc.option(iso, { nil: null }),
    deliveredAt: fc.option(iso, { nil: null }),
    lastEvent: fc.constant(null),
  });
  const docArb = fc
    .record({
      status: fc.constantFrom(...ORDER_STATUSES),
      attention: fc.subarray([...ATTENTION_FLAGS]),
      shipments: fc.array(shipmentArb, { maxLength: 3 }),
      total: fc.integer({ min: 0, max: 6 }),
      shipped: fc.integer({ min: 0, max: 6 }),
      delivered: fc.integer({ min: 0, max: 6 }),
      estimatedDeliveryAt: fc.option(iso, { nil: null }),
      deliveredAt: fc.option(iso, { nil: null }),
      cancelledAt: fc.option(iso, { nil: null }),
    })
    .map(({ total, shipped, delivered, ...rest }) =>
      order({ ...rest, items: { total: Math.max(total, shipped), shipped: Math.min(shipped, total), delivered: Math.min(delivered, shipped, total) } }),
    );
  const discrepancies = fc.array(fc.record({ code: fc.constantFrom("quantity_mismatch", "past_estimated_delivery", "stalled_no_carrier_scan", "new_code"), since: iso }), { maxLength: 2 });

  it("gets the table's stage, escalates exactly when a reason applies, and says something whole", () => {
    fc.assert(
      fc.property(docArb, discrepancies, fc.constantFrom("en", "fr", "xx"), (doc, found, language) => {
        const wismo = wismoFor(doc, found, { language });
        const reasons = escalationReasons(doc, found);
        expect(wismo.stage).toBe(STAGE_OF_STATUS[doc.status]);
        expect(wismo.action).toBe(reasons.length > 0 ? "escalate" : "inform");
        expect(wismo.reason).toBe(reasons[0] ?? doc.status);
        expect(ESCALATION_REASONS.includes(wismo.reason as never) || wismo.reason === doc.status).toBe(true);
        if (found.some((d) => d.code === "quantity_mismatch" || d.code === "new_code")) expect(wismo.reason).toBe("sources_disagree");
        expect(wismo.message).toContain("#1001");
        expect(wismo.message).not.toMatch(/undefined|NaN|null/);
        const live = doc.shipments.filter((s) => s.status !== "cancelled").flatMap((s) => s.trackingNumbers);
        expect(new Set(wismo.trackingNumbers)).toEqual(new Set(live));
        if (wismo.stage === "delivered" || wismo.stage === "canceled") expect(wismo.expectedDeliveryAt).toBeNull();
        expect(wismoFor(doc, found, { language })).toEqual(wismo);
      }),
      { numRuns: 500 },
    );
  });
});
