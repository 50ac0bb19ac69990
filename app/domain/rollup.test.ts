import { describe, expect, it } from "vitest";
import type { CarrierTrackingEvent, OrderEvent, ThreePlShipmentEvent } from "./events";
import { deliver, deliverOnce } from "./fixtures/load";
import { applyClock, canonicalEvents, rollup, type OrderStatus } from "./rollup";

const NOW = new Date("2026-03-05T20:00:00.000Z");
const LATER = new Date("2026-04-01T00:00:00.000Z");

// Two-box order #1001: shoe (1) in box A, socks (2) in box B.
const created = () => deliverOnce("orders/create", "two-box-order.create");
const partiallyFulfilled = () => deliverOnce("orders/partially_fulfilled", "two-box-order.partially-fulfilled");
const boxA = () => deliverOnce("fulfillments/create", "two-box-order.fulfillment-a.create");
const boxB = () => deliverOnce("fulfillments/create", "two-box-order.fulfillment-b.create");
const boxAInTransit = () => deliverOnce("fulfillment_events/create", "two-box-order.fulfillment-a.event-in-transit");
const boxADelivered = () => deliverOnce("fulfillment_events/create", "two-box-order.fulfillment-a.event-delivered");
const boxBOutForDelivery = () => deliverOnce("fulfillment_events/create", "two-box-order.fulfillment-b.event-out-for-delivery");

// Single parcel #1006
const parcelOrder = () => deliverOnce("orders/create", "single-parcel.create");
const parcel = () => deliverOnce("fulfillments/create", "single-parcel.fulfillment.create");
const parcelEvent = (name: string) => deliverOnce("fulfillment_events/create", `single-parcel.event-${name}`);

const statusOf = (events: OrderEvent[], now: Date = NOW): OrderStatus => rollup(events, now).status;

function carrier(trackingNumber: string, status: CarrierTrackingEvent["data"]["status"], happenedAt: string, extra: Partial<CarrierTrackingEvent["data"]> = {}, orderId = "5801234567001"): CarrierTrackingEvent {
  return {
    source: "carrier",
    kind: "carrier_tracking",
    orderId,
    occurredAt: happenedAt,
    dedupeKey: `carrier:${trackingNumber}:${happenedAt}:${status}`,
    data: { trackingNumber, carrier: "Canada Post", status, happenedAt, estimatedDeliveryAt: null, message: null, location: null, ...extra },
  };
}

function threePl(data: Partial<ThreePlShipmentEvent["data"]>, key: string, orderId = "5801234567001"): ThreePlShipmentEvent {
  const shippedAt = data.shippedAt ?? "2026-03-05T15:00:00.000Z";
  return {
    source: "3pl",
    kind: "3pl_shipment",
    orderId,
    occurredAt: shippedAt,
    dedupeKey: key,
    data: { reference: null, trackingNumber: null, carrier: "Purolator", lines: [], shippedAt, ...data },
  };
}

describe("multi-shipment: an order is only as far along as its least advanced unit", () => {
  it("a new order is unfulfilled with every unit still to ship", () => {
    const s = statusOf(created());
    expect(s).toMatchObject({
      schemaVersion: 1,
      orderId: "5801234567001",
      name: "#1001",
      status: "unfulfilled",
      attention: [],
      items: { total: 3, shipped: 0, delivered: 0 },
      shipments: [],
      estimatedDeliveryAt: null,
      deliveredAt: null,
      cancelledAt: null,
      updatedAt: "2026-03-02T14:15:13.000Z",
    });
    expect(s.statusPageUrl).toContain("/orders/");
  });

  it("two-box order where only one box left is partially_shipped, never shipped", () => {
    const s = statusOf([...created(), ...boxA(), ...boxAInTransit()]);
    expect(s.status).toBe("partially_shipped");
    expect(s.items).toEqual({ total: 3, shipped: 1, delivered: 0 });
    expect(s.shipments).toHaveLength(1);
    expect(s.shipments[0]).toMatchObject({
      id: "4901001",
      status: "in_transit",
      carrier: "Canada Post",
      trackingNumbers: ["7023210039414604"],
      items: [{ title: "Trail Runner Shoe — Size 42", sku: "TRS-42", quantity: 1 }],
      estimatedDeliveryAt: "2026-03-07T02:00:00.000Z",
      lastEvent: { status: "in_transit", happenedAt: "2026-03-04T12:41:00.000Z", message: "Item processed", location: "Montréal, QC, Canada" },
    });
  });

  it("the first box delivered while the second has not left is still partially_shipped", () => {
    expect(statusOf([...created(), ...boxA(), ...boxADelivered()]).status).toBe("partially_shipped");
  });

  it("the fulfillment embedded in orders/partially_fulfilled counts like fulfillments/create", () => {
    const a = statusOf([...created(), ...partiallyFulfilled()]);
    const b = statusOf([...created(), ...partiallyFulfilled(), ...boxA()]);
    expect(a.status).toBe("partially_shipped");
    expect(a.shipments).toEqual(b.shipments);
  });

  it("both boxes in shipments: the least advanced box sets the stage", () => {
    expect(statusOf([...created(), ...boxA(), ...boxB()]).status).toBe("shipped");
    expect(statusOf([...created(), ...boxA(), ...boxAInTransit(), ...boxB()]).status).toBe("shipped");
    expect(statusOf([...created(), ...boxA(), ...boxAInTransit(), ...boxB(), ...boxBOutForDelivery()]).status).toBe("in_transit");
  });

  it("one box delivered, the other out for delivery: partially_delivered", () => {
    const s = statusOf([...created(), ...boxA(), ...boxADelivered(), ...boxB(), ...boxBOutForDelivery()]);
    expect(s.status).toBe("partially_delivered");
    expect(s.items).toEqual({ total: 3, shipped: 3, delivered: 1 });
    expect(s.deliveredAt).toBeNull();
    expect(s.estimatedDeliveryAt).toBe("2026-03-07T02:00:00.000Z");
    expect(s.shipments.map((x) => [x.id, x.status, x.deliveredAt])).toEqual([
      ["4901001", "delivered", "2026-03-05T18:20:00.000Z"],
      ["4901002", "out_for_delivery", null],
    ]);
  });

  it("delivered only when every unit is delivered, at the last delivery", () => {
    const bDelivered = carrier("7023210039414611", "delivered", "2026-03-06T16:45:00.000Z");
    const s = statusOf([...created(), ...boxA(), ...boxADelivered(), ...boxB(), ...boxBOutForDelivery(), bDelivered]);
    expect(s.status).toBe("delivered");
    expect(s.items).toEqual({ total: 3, shipped: 3, delivered: 3 });
    expect(s.deliveredAt).toBe("2026-03-06T16:45:00.000Z");
    expect(s.estimatedDeliveryAt).toBeNull();
  });

  it("shipments are listed by creation time, whatever the arrival order", () => {
    const s = statusOf([...boxB(), ...created(), ...boxA()]);
    expect(s.shipments.map((x) => x.id)).toEqual(["4901001", "4901002"]);
  });
});

describe("fulfillment lifecycle", () => {
  it("a fulfillment cancelled after creation drops out", () => {
    const s = statusOf([...created(), ...boxA(), ...boxAInTransit(), ...deliverOnce("fulfillments/update", "two-box-order.fulfillment-a.cancelled")]);
    expect(s.status).toBe("unfulfilled");
    expect(s.shipments).toEqual([]);
    expect(s.items).toEqual({ total: 3, shipped: 0, delivered: 0 });
  });

  it("cancellation sticks even when the older create arrives after it", () => {
    const cancelledFirst = [...deliverOnce("fulfillments/update", "two-box-order.fulfillment-a.cancelled"), ...created(), ...boxA()];
    expect(statusOf(cancelledFirst).shipments).toEqual([]);
  });

  it("a later snapshot with a stale, undated copy of a cancelled fulfillment does not bring it back", () => {
    const order = partiallyFulfilled()[0]!;
    if (order.kind !== "order_snapshot") throw new Error("kind");
    const stale: OrderEvent = {
      ...order,
      source: "reconciliation",
      dedupeKey: "recon-1",
      occurredAt: "2026-03-04T00:00:00.000Z",
      data: { ...order.data, fulfillments: order.data.fulfillments.map((f) => ({ ...f, updatedAt: null })) },
    };
    const cancelled = deliverOnce("fulfillments/update", "two-box-order.fulfillment-a.cancelled");
    expect(statusOf([...created(), ...cancelled, stale]).shipments).toEqual([]);
  });

  it("fulfillments/update before fulfillments/create: the newer snapshot wins", () => {
    const create = boxA()[0]!;
    const update: OrderEvent = {
      ...create,
      dedupeKey: "wh-update-first",
      occurredAt: "2026-03-04T00:00:00.000Z",
      data: { ...(create.data as Extract<OrderEvent, { kind: "fulfillment_snapshot" }>["data"]), shipmentStatus: "in_transit", updatedAt: "2026-03-04T00:00:00.000Z" },
    } as OrderEvent;
    const s = statusOf([update, ...created(), create]);
    expect(s.shipments[0]!.status).toBe("in_transit");
  });

  it("orders/updated before orders/create: the newer snapshot wins", () => {
    const s = statusOf([...partiallyFulfilled(), ...created()]);
    expect(s.status).toBe("partially_shipped");
    expect(s.updatedAt).toBe("2026-03-03T19:02:03.000Z");
  });

  it("a fulfillment event arriving before its fulfillment is applied once the fulfillment is known", () => {
    expect(statusOf([...boxAInTransit(), ...created()]).shipments).toEqual([]);
    expect(statusOf([...boxAInTransit(), ...created(), ...boxA()]).shipments[0]!.status).toBe("in_transit");
  });

  it("per-shipment status is the latest event by occurrence time, not by arrival", () => {
    const s = statusOf([...created(), ...boxA(), ...boxADelivered(), ...boxAInTransit()]);
    expect(s.shipments[0]!.status).toBe("delivered");
  });

  it("a deleted fulfillment event stops counting", () => {
    const deleted = deliverOnce("fulfillment_events/delete", "two-box-order.fulfillment-a.event-delivered", "2026-03-05T19:00:00Z");
    const s = statusOf([...created(), ...boxA(), ...boxAInTransit(), ...boxADelivered(), ...deleted]);
    expect(s.shipments[0]!.status).toBe("in_transit");
    expect(s.shipments[0]!.deliveredAt).toBeNull();
  });

  it("without events, Shopify's shipment_status sets the shipment status", () => {
    const s = statusOf([...parcelOrder(), ...parcel()]);
    expect(s.shipments[0]).toMatchObject({ status: "label_created", lastEvent: { status: "label_created", happenedAt: "2026-03-03T14:30:00.000Z" } });
    expect(s.status).toBe("shipped");
  });

  it("a Shopify delayed event keeps the parcel in transit", () => {
    const s = statusOf([...parcelOrder(), ...parcel(), ...parcelEvent("in-transit"), ...parcelEvent("delayed")]);
    expect(s.shipments[0]).toMatchObject({ status: "in_transit", lastEvent: { message: "Delayed by weather" } });
    expect(s.status).toBe("in_transit");
  });
});

describe("Shopify fulfillment status: only success ships", () => {
  const BOX_A_TRACKING = "7023210039414604";
  // Box A as a fulfillment service reports it: created 2026-03-03 19:02, shipped two days later.
  const boxAAs = (status: string, updatedAt = "2026-03-03T19:02:00.000Z", source: OrderEvent["source"] = "shopify"): OrderEvent => {
    const create = boxA()[0]!;
    if (create.kind !== "fulfillment_snapshot") throw new Error("kind");
    return { ...create, source, dedupeKey: `wh-box-a-${status}-${updatedAt}`, occurredAt: updatedAt, data: { ...create.data, status, updatedAt } };
  };
  const SHIPPED_AT = "2026-03-05T17:00:00.000Z";
  const boxBPending = (): OrderEvent[] =>
    boxB().map((e) => (e.kind === "fulfillment_snapshot" ? { ...e, dedupeKey: "wh-box-b-pending", data: { ...e.data, status: "pending" } } : e));
  const reportOfBoxA = () => threePl({ trackingNumber: BOX_A_TRACKING, lines: [{ sku: "TRS-42", quantity: 1 }], shippedAt: "2026-03-04T09:00:00.000Z" }, "3pl:file-0304.csv:1");

  it.each(["pending", "open"])("status %s: being prepared, not a shipment, no unit shipped, named in the Shopify claim", (status) => {
    const r = rollup([...created(), boxAAs(status)], NOW);
    expect(r.status).toMatchObject({ status: "unfulfilled", items: { total: 3, shipped: 0, delivered: 0 }, shipments: [], estimatedDeliveryAt: null });
    expect(r.sources).toEqual([
      { source: "shopify", claim: `fulfillment #1001.1 of 1 unit being prepared (Canada Post ${BOX_A_TRACKING})`, occurredAt: "2026-03-03T19:02:00.000Z" },
    ]);
  });

  it.each(["error", "failure"])("status %s: ships nothing, even with a tracking event", (status) => {
    const s = statusOf([...created(), boxAAs(status), ...boxAInTransit()]);
    expect(s).toMatchObject({ status: "unfulfilled", items: { total: 3, shipped: 0, delivered: 0 }, shipments: [] });
    expect(rollup([...created(), boxAAs(status)], NOW).sources[0]!.claim).toBe(`fulfillment #1001.1 ${status}`);
  });

  it("pending then success, in either arrival order: one shipment, its label from when Shopify said success", () => {
    const pending = boxAAs("pending");
    const success = boxAAs("success", SHIPPED_AT);
    const inOrder = rollup([...created(), pending, success], NOW);
    expect(rollup([success, ...created(), pending], NOW)).toEqual(inOrder);
    expect(inOrder.status).toMatchObject({ status: "partially_shipped", items: { total: 3, shipped: 1, delivered: 0 }, attention: [] });
    expect(inOrder.status.shipments).toEqual([
      expect.objectContaining({ id: "4901001", status: "label_created", lastEvent: { status: "label_created", happenedAt: SHIPPED_AT, message: null, location: null } }),
    ]);
    // Stalled 48 h after Shopify said success, not 48 h after the request was created (93 h before the first of these).
    expect(rollup([...created(), pending, success], new Date("2026-03-07T16:00:00.000Z")).status.attention).toEqual([]);
    expect(rollup([...created(), pending, success], new Date("2026-03-07T18:00:00.000Z")).status.attention).toEqual(["stalled"]);
  });

  it("a success fulfillment seen only as success keeps its label at its creation", () => {
    expect(statusOf([...created(), boxAAs("success", SHIPPED_AT)]).shipments[0]!.lastEvent!.happenedAt).toBe("2026-03-03T19:02:00.000Z");
  });

  it("an open fulfillment from reconciliation is not shipped either", () => {
    expect(statusOf([...created(), boxAAs("open", "2026-03-04T00:00:00.000Z", "reconciliation")])).toMatchObject({ status: "unfulfilled", shipments: [] });
  });

  it("a pending fulfillment beside a success one: partially_shipped, only the success one listed", () => {
    const s = statusOf([...created(), ...boxA(), ...boxBPending()]);
    expect(s).toMatchObject({ status: "partially_shipped", items: { total: 3, shipped: 1, delivered: 0 } });
    expect(s.shipments.map((x) => x.id)).toEqual(["4901001"]);
  });

  it("a 3PL row with a pending fulfillment's tracking number is its own shipment until Shopify says success, never both", () => {
    const whilePending = statusOf([...created(), boxAAs("pending"), reportOfBoxA()]);
    expect(whilePending).toMatchObject({ status: "partially_shipped", items: { total: 3, shipped: 1, delivered: 0 } });
    expect(whilePending.shipments.map((x) => [x.id, x.items])).toEqual([[`3pl:${BOX_A_TRACKING}`, [{ title: "Trail Runner Shoe — Size 42", sku: "TRS-42", quantity: 1 }]]]);

    const events = [...created(), boxAAs("pending"), reportOfBoxA(), boxAAs("success", SHIPPED_AT)];
    const r = rollup(events, NOW);
    expect(r.status).toMatchObject({ status: "partially_shipped", items: { total: 3, shipped: 1, delivered: 0 } });
    expect(r.status.shipments.map((x) => x.id)).toEqual(["4901001"]);
    expect(r.decidedBy).toContain("3pl:file-0304.csv:1");
    expect(rollup([...events].reverse(), NOW)).toEqual(r);
  });

  it("a carrier scan of a pending fulfillment's tracking number ships nothing until Shopify says success", () => {
    const scan = carrier(BOX_A_TRACKING, "in_transit", "2026-03-05T12:00:00.000Z");
    expect(statusOf([...created(), boxAAs("pending"), scan])).toMatchObject({ status: "unfulfilled", shipments: [], items: { shipped: 0 } });
    const s = statusOf([...created(), boxAAs("pending"), scan, boxAAs("success", SHIPPED_AT)]);
    expect(s.shipments[0]).toMatchObject({ id: "4901001", status: "in_transit", lastEvent: { happenedAt: "2026-03-05T12:00:00.000Z" } });
  });

  it("the order snapshot's claim counts only success fulfillments", () => {
    const order = partiallyFulfilled()[0]!;
    if (order.kind !== "order_snapshot") throw new Error("kind");
    const withStatus = (status: string): OrderEvent => ({ ...order, data: { ...order.data, fulfillments: order.data.fulfillments.map((f) => ({ ...f, status })) } });
    expect(rollup([withStatus("success")], NOW).sources[0]!.claim).toBe("fulfilled 1 of 3 units");
    for (const status of ["pending", "open", "cancelled", "error", "failure"]) {
      expect(rollup([withStatus(status)], NOW).sources[0]!.claim).toBe("fulfilled 0 of 3 units");
    }
  });
});

describe("units that do not need shipping", () => {
  it("refund of an unshipped unit reduces the total", () => {
    const refund = deliverOnce("refunds/create", "two-box-order.refund-unshipped");
    const s = statusOf([...created(), ...boxA(), ...refund]);
    expect(s.items).toEqual({ total: 2, shipped: 1, delivered: 0 });
    expect(s.status).toBe("partially_shipped");
  });

  it("refund webhook and Shopify's current_quantity describing the same refund are not counted twice", () => {
    const refund = deliverOnce("refunds/create", "two-box-order.refund-unshipped");
    const order = created()[0]!;
    if (order.kind !== "order_snapshot") throw new Error("kind");
    const afterRefund: OrderEvent = {
      ...order,
      dedupeKey: "wh-after-refund",
      occurredAt: "2026-03-04T16:00:05.000Z",
      data: { ...order.data, lineItems: order.data.lineItems.map((l) => (l.id === "14002" ? { ...l, currentQuantity: 1 } : l)) },
    };
    expect(statusOf([order, afterRefund, ...refund]).items.total).toBe(2);
  });

  it("remaining unshipped units refunded: what shipped is the whole order", () => {
    const refund = deliverOnce("refunds/create", "two-box-order.refund-unshipped");
    const refund2 = deliver("refunds/create", "two-box-order.refund-unshipped", { webhookId: "wh-refund-2" }).map((e) =>
      e.kind === "refund" ? { ...e, data: { ...e.data, refundId: "930003" } } : e,
    );
    const s = statusOf([...created(), ...boxA(), ...boxADelivered(), ...refund, ...refund2]);
    expect(s.items).toEqual({ total: 1, shipped: 1, delivered: 1 });
    expect(s.status).toBe("delivered");
  });

  it("a returned unit that had shipped does not undo the shipment", () => {
    const returned = deliverOnce("refunds/create", "two-box-order.refund-returned");
    const s = statusOf([...created(), ...boxA(), ...boxADelivered(), ...boxB(), ...returned]);
    expect(s.items).toEqual({ total: 3, shipped: 3, delivered: 1 });
  });

  it("digital items are excluded: digital + physical ships only the physical unit", () => {
    const order = deliverOnce("orders/create", "digital-physical.create");
    const gift = deliverOnce("fulfillments/create", "digital-physical.fulfillment-gift.create");
    expect(statusOf([...order, ...gift])).toMatchObject({ status: "unfulfilled", items: { total: 1, shipped: 0 }, shipments: [] });
    const poster = deliverOnce("fulfillments/create", "digital-physical.fulfillment-poster.create");
    const s = statusOf([...order, ...gift, ...poster]);
    expect(s).toMatchObject({ status: "shipped", items: { total: 1, shipped: 1, delivered: 0 } });
    expect(s.shipments.map((x) => [x.id, x.status])).toEqual([["4902002", "confirmed"]]);
  });

  it("an all-digital order needs no shipping", () => {
    const s = statusOf(deliverOnce("orders/create", "digital-only.create"));
    expect(s).toMatchObject({ status: "no_shipping_required", items: { total: 0, shipped: 0, delivered: 0 } });
  });
});

describe("pickup, holds, cancellation, deletion", () => {
  const pickupOrder = () => deliverOnce("orders/create", "pickup.create");
  const pickup = () => deliverOnce("fulfillments/create", "pickup.fulfillment.create");

  it("local pickup ready: ready_for_pickup", () => {
    const s = statusOf([...pickupOrder(), ...pickup()]);
    expect(s.status).toBe("ready_for_pickup");
    expect(s.shipments[0]).toMatchObject({ status: "ready_for_pickup", carrier: null, trackingNumbers: [] });
  });

  it("local pickup collected: delivered (picked_up means the customer collected it)", () => {
    const s = statusOf([...pickupOrder(), ...pickup(), ...deliverOnce("fulfillment_events/create", "pickup.event-picked-up")]);
    expect(s).toMatchObject({ status: "delivered", deliveredAt: "2026-03-04T22:30:00.000Z" });
  });

  it("a carrier's picked_up means in transit", () => {
    const e = parcelEvent("in-transit").map((x) => (x.kind === "fulfillment_event" ? { ...x, data: { ...x.data, status: "picked_up" } } : x));
    expect(statusOf([...parcelOrder(), ...parcel(), ...e]).shipments[0]!.status).toBe("in_transit");
  });

  const holdOrder = () => deliverOnce("orders/create", "hold.create");
  const added = () => deliverOnce("fulfillment_holds/added", "hold.added", "2026-03-02T18:05:00Z");
  const released = () => deliverOnce("fulfillment_holds/released", "hold.released", "2026-03-03T10:00:00Z");

  it("a hold with nothing shipped: on_hold status and flag", () => {
    const r = rollup([...holdOrder(), ...added()], NOW);
    expect(r.status).toMatchObject({ status: "on_hold", attention: ["on_hold"] });
    expect(r.decidedBy).toContain("wh-fulfillment_holds/added-hold.added");
  });

  it("a released hold: back to unfulfilled", () => {
    expect(statusOf([...holdOrder(), ...released(), ...added()])).toMatchObject({ status: "unfulfilled", attention: [] });
  });

  it("a release of another hold on the same fulfillment order leaves it held", () => {
    const other = released().map((e) => (e.kind === "fulfillment_hold_released" ? { ...e, data: { ...e.data, holdId: "999" } } : e));
    expect(statusOf([...holdOrder(), ...added(), ...other]).status).toBe("on_hold");
  });

  it("a hold beside shipped units: status from the shipments, flag still raised", () => {
    const heldTwoBox = added().map((e) => ({ ...e, orderId: "5801234567001" }));
    const s = statusOf([...created(), ...boxA(), ...boxAInTransit(), ...heldTwoBox]);
    expect(s).toMatchObject({ status: "partially_shipped", attention: ["on_hold"] });
  });

  it("a cancelled order is cancelled with cancelledAt and no attention", () => {
    const cancelled = deliverOnce("orders/cancelled", "single-parcel.cancelled");
    const s = statusOf([...parcelOrder(), ...cancelled, ...deliverOnce("fulfillment_holds/added", "hold.added", "2026-03-02T18:00:00Z").map((e) => ({ ...e, orderId: "5801234567006" }))]);
    expect(s).toMatchObject({ status: "cancelled", cancelledAt: "2026-03-02T20:09:58.000Z", attention: [], estimatedDeliveryAt: null });
  });

  it("a deleted order reads cancelled and is marked deleted", () => {
    const del = deliverOnce("orders/delete", "single-parcel.delete", "2026-03-08T00:00:00Z");
    const r = rollup([...parcelOrder(), ...parcel(), ...del], NOW);
    expect(r.deleted).toBe(true);
    expect(r.status).toMatchObject({ status: "cancelled", cancelledAt: "2026-03-08T00:00:00.000Z", updatedAt: "2026-03-08T00:00:00.000Z" });
  });
});

describe("attention flags and the clock", () => {
  it("attempted delivery: in transit with an attempted_delivery flag", () => {
    const s = statusOf([...parcelOrder(), ...parcel(), ...parcelEvent("in-transit"), ...parcelEvent("attempted")]);
    expect(s).toMatchObject({ status: "in_transit", attention: ["attempted_delivery"] });
    expect(s.shipments[0]).toMatchObject({ status: "attempted_delivery", estimatedDeliveryAt: "2026-03-07T02:00:00.000Z" });
  });

  it("failure: exception on the shipment, delivery_exception on the order", () => {
    const s = statusOf([...parcelOrder(), ...parcel(), ...parcelEvent("in-transit"), ...parcelEvent("attempted"), ...parcelEvent("failure")]);
    expect(s.shipments[0]!.status).toBe("exception");
    expect(s).toMatchObject({ status: "in_transit", attention: ["delivery_exception"] });
  });

  it("delayed once the clock passes the estimated delivery, and not before", () => {
    const events = [...parcelOrder(), ...parcel(), ...parcelEvent("in-transit")];
    expect(statusOf(events, new Date("2026-03-05T12:00:00Z")).attention).toEqual([]);
    const late = statusOf(events, new Date("2026-03-06T12:00:00Z"));
    expect(late.attention).toEqual(["delayed"]);
    expect(late.estimatedDeliveryAt).toBe("2026-03-06T02:00:00.000Z");
  });

  it("a delivered parcel is never delayed", () => {
    const events = [...created(), ...boxA(), ...boxAInTransit(), ...boxADelivered(), ...boxB(), ...boxBOutForDelivery()];
    const s = statusOf(events, LATER);
    expect(s.attention).toEqual(["delayed"]);
    expect(s.shipments.filter((x) => x.status !== "delivered").map((x) => x.id)).toEqual(["4901002"]);
  });

  it("stalled: a label with no carrier scan past the threshold (default 48 h, configurable)", () => {
    const events = [...parcelOrder(), ...parcel()];
    expect(statusOf(events, new Date("2026-03-05T14:00:00Z")).attention).toEqual([]);
    expect(statusOf(events, new Date("2026-03-05T15:00:00Z")).attention).toEqual(["stalled"]);
    expect(rollup(events, new Date("2026-03-04T15:00:00Z"), { stalledAfterHours: 24 }).status.attention).toEqual(["stalled"]);
    expect(statusOf([...events, ...parcelEvent("in-transit")], LATER).attention).not.toContain("stalled");
  });

  it("applyClock refreshes a stored document without events", () => {
    const stored = statusOf([...parcelOrder(), ...parcel(), ...parcelEvent("in-transit")], new Date("2026-03-04T00:00:00Z"));
    expect(stored.attention).toEqual([]);
    const refreshed = applyClock(stored, new Date("2026-03-07T00:00:00Z"));
    expect(refreshed.attention).toEqual(["delayed"]);
    expect(applyClock(refreshed, new Date("2026-03-04T00:00:00Z"))).toEqual(stored);
    expect(refreshed.updatedAt).toBe(stored.updatedAt);
  });

  it("applyClock keeps the flags the clock does not decide, in the contract's order", () => {
    const s = statusOf([...parcelOrder(), ...parcel(), ...parcelEvent("attempted"), ...deliverOnce("fulfillment_holds/added", "hold.added", "2026-03-02T18:00:00Z").map((e) => ({ ...e, orderId: "5801234567006" }))], LATER);
    expect(s.attention).toEqual(["delayed", "attempted_delivery", "on_hold"]);
    expect(applyClock(s, new Date("2026-03-05T00:00:00Z")).attention).toEqual(["attempted_delivery", "on_hold"]);
  });
});

describe("other sources", () => {
  it("carrier updates are matched to Shopify shipments by tracking number, ignoring case and spaces", () => {
    const scan = carrier("7023 2100 3941 4604", "out_for_delivery", "2026-03-05T12:00:00.000Z", { location: "Montréal, QC", estimatedDeliveryAt: "2026-03-05T23:00:00.000Z" });
    const s = statusOf([...created(), ...boxA(), ...boxAInTransit(), scan]);
    expect(s.shipments[0]).toMatchObject({
      status: "out_for_delivery",
      estimatedDeliveryAt: "2026-03-05T23:00:00.000Z",
      lastEvent: { status: "out_for_delivery", happenedAt: "2026-03-05T12:00:00.000Z", location: "Montréal, QC" },
    });
  });

  it("a carrier update for an unknown tracking number changes nothing", () => {
    const base = [...created(), ...boxA()];
    const s = statusOf([...base, carrier("LX000000000CA", "delivered", "2026-03-05T12:00:00.000Z")]);
    expect(s.shipments).toEqual(statusOf(base).shipments);
  });

  it("a 3PL shipment with the tracking number of a Shopify fulfillment is the same parcel", () => {
    const report = threePl({ trackingNumber: "7023210039414604", lines: [{ sku: "TRS-42", quantity: 1 }] }, "3pl:file-0305.csv:2");
    const s = statusOf([...created(), ...boxA(), report]);
    expect(s.shipments).toHaveLength(1);
    expect(s.items).toEqual({ total: 3, shipped: 1, delivered: 0 });
  });

  it("a 3PL shipment Shopify does not know stands as its own shipment, matched to lines by SKU", () => {
    const report = threePl({ trackingNumber: "PUR123456789", lines: [{ sku: "MHS-M", quantity: 2 }] }, "3pl:file-0305.csv:3");
    const s = statusOf([...created(), ...boxA(), report]);
    expect(s.status).toBe("shipped");
    expect(s.items).toEqual({ total: 3, shipped: 3, delivered: 0 });
    expect(s.shipments[1]).toMatchObject({
      id: "3pl:PUR123456789",
      status: "label_created",
      carrier: "Purolator",
      trackingNumbers: ["PUR123456789"],
      items: [{ title: "Merino Hiking Socks", sku: "MHS-M", quantity: 2 }],
    });
    const delivered = carrier("PUR123456789", "delivered", "2026-03-06T15:00:00.000Z", { carrier: "Purolator" });
    expect(statusOf([...created(), ...boxA(), ...boxADelivered(), report, delivered]).status).toBe("delivered");
  });

  it("a 3PL shipment cannot ship more units than were ordered", () => {
    const report = threePl({ reference: "SO-1001-B", lines: [{ sku: "MHS-M", quantity: 5 }] }, "3pl:file-0305.csv:4");
    const s = statusOf([...created(), report]);
    expect(s.items).toEqual({ total: 3, shipped: 2, delivered: 0 });
    expect(s.shipments[0]!.id).toBe("3pl:ref:SO-1001-B");
  });

  it("3PL lines of unknown SKUs count as their own units; without any order snapshot the name comes from nothing", () => {
    const report = threePl({ trackingNumber: "PUR1", lines: [{ sku: "ZZZ", quantity: 2 }] }, "3pl:x:1");
    expect(statusOf([report])).toMatchObject({ status: "shipped", name: "", items: { total: 2, shipped: 2 } });
  });

  it("a fulfillment arriving before its order names the order from the fulfillment name", () => {
    expect(statusOf(boxA()).name).toBe("#1001");
  });
});

describe("bookkeeping: sources, decidedBy, order facts", () => {
  it("reports each source's latest claim in words", () => {
    const scan = carrier("7023210039414604", "delivered", "2026-03-05T18:20:00.000Z");
    const report = threePl({ trackingNumber: "PUR1", lines: [{ sku: "MHS-M", quantity: 2 }] }, "3pl:f:1");
    const r = rollup([...partiallyFulfilled(), ...created(), scan, report], NOW);
    expect(r.sources).toEqual([
      { source: "shopify", claim: "fulfilled 1 of 3 units", occurredAt: "2026-03-03T19:02:03.000Z" },
      { source: "3pl", claim: "shipped 2 units (Purolator PUR1)", occurredAt: "2026-03-05T15:00:00.000Z" },
      { source: "carrier", claim: "7023210039414604 delivered", occurredAt: "2026-03-05T18:20:00.000Z" },
    ]);
  });

  it("decidedBy names the events behind the status", () => {
    const r = rollup([...created(), ...boxA(), ...boxAInTransit()], NOW);
    expect(r.decidedBy).toEqual([
      "wh-fulfillment_events/create-two-box-order.fulfillment-a.event-in-transit",
      "wh-fulfillments/create-two-box-order.fulfillment-a.create",
      "wh-orders/create-two-box-order.create",
    ]);
    // The same fulfillment restated by a later order snapshot: the newest statement is the one cited.
    const restated = rollup([...created(), ...partiallyFulfilled(), ...boxA(), ...boxAInTransit()], NOW);
    expect(restated.decidedBy).toEqual([
      "wh-fulfillment_events/create-two-box-order.fulfillment-a.event-in-transit",
      "wh-orders/partially_fulfilled-two-box-order.partially-fulfilled",
    ]);
  });

  it("exposes the order's lookup facts", () => {
    const r = rollup(created(), NOW);
    expect(r.order).toEqual({
      name: "#1001",
      customerId: "7410852963001",
      emailHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      phoneHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      placedAt: "2026-03-02T14:15:11.000Z",
    });
    expect(r.deleted).toBe(false);
  });

  it("refuses no events and events of two orders", () => {
    expect(() => rollup([], NOW)).toThrow(/at least one event/);
    expect(() => rollup([...created(), ...parcelOrder()], NOW)).toThrow(/two orders/);
  });

  it("duplicates collapse and the canonical order is by time, then kind rank, then dedupe key", () => {
    const events = [...boxAInTransit(), ...created(), ...created(), ...boxA()];
    expect(canonicalEvents(events).map((e) => e.kind)).toEqual(["order_snapshot", "fulfillment_snapshot", "fulfillment_event"]);
  });

  it("a re-delivered webhook changes nothing", () => {
    const once = rollup([...created(), ...boxA(), ...boxAInTransit()], NOW);
    const twice = rollup([...created(), ...boxA(), ...boxAInTransit(), ...boxAInTransit(), ...created()], NOW);
    expect(twice).toEqual(once);
  });

  it("the same event read back from the database (times as stored) rolls up identically", () => {
    const events = [...created(), ...boxA(), ...boxAInTransit()];
    const replayed = events.map((e) => JSON.parse(JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString() })) as OrderEvent);
    expect(rollup(replayed, NOW)).toEqual(rollup(events, NOW));
  });
});
